/**
 * A soak device on the WebSocket: sends ledger messages as `send` / `sendBatch` frames and
 * waits for every ack, re-sending what was nacked (5xx, 429) or not acked in time; receives
 * pushed commands and settles them with frames; reconnects now and then (the new connection
 * replaces the old), asks for queued commands after each connect, and also polls over HTTPS
 * sometimes, so a command can be offered to two holders.
 */
import type { DeviceClient } from '../../client/clients';
import { WsDevice, type HubFrame } from '../../client/wsDevice';
import { chooseSettlement, jitter, sleep, soakProperties, type SoakContext } from './context';
import type { SettleAction } from '../../ledger/ledger';
import { LOCK_MS } from './soakHub';

const ACK_TIMEOUT_MS = 8000;

export class WsSoakDevice {
  private socket: WsDevice | undefined;
  private connecting: Promise<WsDevice> | undefined;
  private connectionNumber = 0;
  private connectStartedAt = 0;
  private seq = 0;
  private request = 0;

  constructor(
    private readonly ctx: SoakContext,
    private readonly https: DeviceClient,
    private readonly connectionString: string,
    private readonly reconnectEveryMs: number,
  ) {}

  get deviceId(): string {
    return this.https.deviceId;
  }

  /** The open socket, connecting (with retries) when there is none. */
  private async open(): Promise<WsDevice> {
    if (this.socket && this.socket.socket.readyState === this.socket.socket.OPEN) return this.socket;
    this.connecting ??= (async () => {
      for (let attempt = 0; ; attempt++) {
        try {
          this.connectStartedAt = Date.now();
          const socket = await WsDevice.fromConnectionString(this.ctx.wsUrl, this.connectionString);
          this.connectionNumber++;
          this.socket = socket;
          socket.send({ action: 'receive' }); // commands queued while away are not pushed on connect
          return socket;
        } catch {
          if (this.ctx.allOver()) throw new Error('soak over');
          await sleep(Math.min(200 * 2 ** attempt, 3000));
        }
      }
    })().finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  async runTelemetry(intervalMs: number): Promise<void> {
    while (!this.ctx.loadOver()) {
      const size = Math.random() < 0.7 ? 1 : 2 + Math.floor(Math.random() * 3);
      const seqs = Array.from({ length: size }, () => ++this.seq);
      await this.sendUntilAcked(seqs, `${this.deviceId}/w${++this.request}`);
      await sleep(jitter(intervalMs * 0.5, intervalMs * 1.5));
    }
  }

  private async sendUntilAcked(seqs: number[], requestId: string): Promise<void> {
    let pending = seqs;
    for (let attempt = 0; pending.length > 0; attempt++) {
      for (const s of pending) this.ctx.d2c.attempt(this.deviceId, s, 'websocket', requestId);
      this.ctx.counters.d2cRequests++;
      let socket: WsDevice;
      try {
        socket = await this.open();
      } catch {
        return;
      }
      const idOf = (s: number) => `${this.deviceId}.${s}`;
      const messages = pending.map((s) => ({
        messageId: idOf(s),
        properties: soakProperties(this.ctx.run, this.deviceId, s),
        body: { seq: s, at: Date.now() },
      }));
      const replies = pending.map((s) =>
        socket
          .next((f) => (f.type === 'ack' || f.type === 'nack') && f.messageId === idOf(s), ACK_TIMEOUT_MS)
          .catch((): HubFrame => ({ type: 'timeout' })),
      );
      const first = messages[0];
      socket.send(messages.length === 1 && first ? { action: 'send', ...first } : { action: 'sendBatch', messages });
      const answers = await Promise.all(replies);
      const retry: number[] = [];
      answers.forEach((f, i) => {
        const s = pending[i] as number;
        if (f.type === 'ack') this.ctx.d2c.ack(this.deviceId, s);
        else if (f.type === 'nack' && typeof f.status === 'number' && f.status < 500 && f.status !== 429) {
          this.ctx.log(`device ${this.deviceId}: ${idOf(s)} refused with ${f.status} ${String(f.code)}`);
          this.ctx.d2c.refuse(this.deviceId, s);
        } else retry.push(s);
      });
      pending = retry;
      if (pending.length > 0) {
        this.ctx.counters.d2cRetries++;
        if (this.ctx.allOver()) return;
        await sleep(Math.min(100 * 2 ** attempt, 2000) * (0.5 + Math.random()));
      }
    }
  }

  /** Takes pushed commands until the drain is over; reconnects and re-asks now and then. */
  async runCommands(): Promise<void> {
    let lastConnect = Date.now();
    let lastReceive = Date.now();
    while (!this.ctx.allOver()) {
      let socket: WsDevice;
      try {
        socket = await this.open();
      } catch {
        return;
      }
      if (!this.ctx.loadOver() && Date.now() - lastConnect > this.reconnectEveryMs) {
        lastConnect = Date.now();
        this.ctx.counters.wsReconnects++;
        void socket.close();
        continue;
      }
      if (Date.now() - lastReceive > 3000) {
        lastReceive = Date.now();
        socket.send({ action: 'receive' }); // pushes after lapsed locks or missed pushes
      }
      let frame: HubFrame;
      try {
        frame = await socket.next((f) => f.type === 'c2d', 1000);
      } catch {
        continue;
      }
      const messageId = String(frame.messageId);
      const lockToken = String(frame.lockToken);
      this.ctx.c2d.deliver({
        messageId,
        deviceId: this.deviceId,
        holder: `ws:${this.deviceId}:${this.connectionNumber}`,
        lockToken,
        deliveryCount: Number(frame.deliveryCount),
        // The hub locked it after the command was sent and after this connection began.
        lockedAfterMs: Math.max(this.ctx.c2d.sentAt(messageId) ?? 0, this.connectStartedAt),
        receivedAtMs: Date.now(),
        lockMs: LOCK_MS,
      });
      const action = chooseSettlement(this.ctx);
      await sleep(jitter(0, 200));
      if (action !== 'ignore') await this.settle(socket, lockToken, action);
    }
    await this.socket?.close();
  }

  private async settle(socket: WsDevice, lockToken: string, action: SettleAction): Promise<void> {
    this.ctx.c2d.settleSent(lockToken, Date.now());
    const reply = socket
      .next((f) => (f.type === 'settled' || f.type === 'nack') && f.lockToken === lockToken, ACK_TIMEOUT_MS)
      .catch(() => undefined);
    socket.send({ action, lockToken });
    const f = await reply;
    if (f?.type === 'settled') this.ctx.c2d.settled(lockToken, action, true, Date.now());
    else if (f?.type === 'nack' && f.status === 412) this.ctx.c2d.settled(lockToken, action, false, Date.now());
    else {
      this.ctx.counters.settleInDoubt++;
      this.ctx.c2d.settleInDoubt(lockToken, action);
    }
  }
}
