/**
 * A soak device on HTTPS: sends ledger messages one request at a time (single messages and
 * batches), retrying a request until the hub answers 204, and polls for commands, settling
 * them (complete, abandon, reject, or letting the lock lapse).
 */
import { DeviceClient } from '../../client/clients';
import type { HttpResponse } from '../../client/http';
import { parseReceived } from '../../client/commands';
import { chooseSettlement, jitter, sleep, soakProperties, type SoakContext } from './context';
import type { Channel, SettleAction } from '../../ledger/ledger';
import { LOCK_MS } from './soakHub';

/** Sends until acknowledged (2xx) or refused (4xx other than 429). */
async function sendUntilAcked(
  ctx: SoakContext,
  deviceId: string,
  seqs: number[],
  channel: Channel,
  requestId: string,
  send: () => Promise<HttpResponse>,
): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    for (const s of seqs) ctx.d2c.attempt(deviceId, s, channel, requestId);
    ctx.counters.d2cRequests++;
    let status = 0;
    try {
      status = (await send()).status;
    } catch {
      status = 0; // connection refused or reset, timeout: nothing known, retry
    }
    if (status >= 200 && status < 300) {
      for (const s of seqs) ctx.d2c.ack(deviceId, s);
      return;
    }
    if (status >= 400 && status < 500 && status !== 429) {
      ctx.log(`device ${deviceId}: request ${requestId} refused with ${status}`);
      for (const s of seqs) ctx.d2c.refuse(deviceId, s);
      return;
    }
    ctx.counters.d2cRetries++;
    if (ctx.allOver()) return; // the hub never took it: it stays unacknowledged
    await sleep(Math.min(100 * 2 ** attempt, 2000) * (0.5 + Math.random()));
  }
}

export async function runHttpsTelemetry(ctx: SoakContext, client: DeviceClient, intervalMs: number): Promise<void> {
  const deviceId = client.deviceId;
  let seq = 0;
  let request = 0;
  while (!ctx.loadOver()) {
    const size = Math.random() < 0.7 ? 1 : 2 + Math.floor(Math.random() * 3);
    const seqs = Array.from({ length: size }, () => ++seq);
    const requestId = `${deviceId}/h${++request}`;
    const messages = seqs.map((s) => ({
      body: JSON.stringify({ seq: s, at: Date.now() }),
      messageId: `${deviceId}.${s}`,
      properties: soakProperties(ctx.run, deviceId, s),
    }));
    const first = messages[0];
    await sendUntilAcked(ctx, deviceId, seqs, 'https', requestId, () =>
      size === 1 && first ? client.sendRaw(first) : client.sendBatch(messages),
    );
    await sleep(jitter(intervalMs * 0.5, intervalMs * 1.5));
  }
}

/** One HTTPS settlement, retried on 5xx and errors; the outcome goes to the ledger. */
export async function settleOverHttps(ctx: SoakContext, client: DeviceClient, lockToken: string, action: SettleAction): Promise<void> {
  ctx.c2d.settleSent(lockToken, Date.now());
  for (let attempt = 0; attempt < 4; attempt++) {
    try {
      const res = await client.settleRaw(action, lockToken);
      if (res.status === 204) return ctx.c2d.settled(lockToken, action, true, Date.now());
      if (res.status === 412) {
        // After an attempt whose answer was lost, a 412 may mean our own settlement succeeded.
        if (attempt > 0) return ctx.c2d.settleInDoubt(lockToken, action);
        return ctx.c2d.settled(lockToken, action, false, Date.now());
      }
    } catch {
      /* no answer: the settlement may or may not have happened */
    }
    await sleep(300 * (attempt + 1));
  }
  ctx.counters.settleInDoubt++;
  ctx.c2d.settleInDoubt(lockToken, action);
}

/** Polls for commands over HTTPS as `holder` and settles each. */
export async function runHttpsCommands(ctx: SoakContext, client: DeviceClient, holder: string, pollMs: number): Promise<void> {
  const deviceId = client.deviceId;
  while (!ctx.allOver()) {
    const startedAt = Date.now();
    let res: HttpResponse | undefined;
    try {
      res = await client.receiveRaw();
    } catch {
      res = undefined;
    }
    if (res?.status !== 200) {
      await sleep(jitter(pollMs * 0.5, pollMs * 1.5));
      continue;
    }
    const cmd = parseReceived(res);
    ctx.c2d.deliver({
      messageId: cmd.messageId,
      deviceId,
      holder,
      lockToken: cmd.lockToken,
      deliveryCount: cmd.deliveryCount,
      lockedAfterMs: startedAt,
      receivedAtMs: Date.now(),
      lockMs: LOCK_MS,
    });
    const action = chooseSettlement(ctx);
    await sleep(jitter(0, 200)); // the device works on it
    if (action !== 'ignore') await settleOverHttps(ctx, client, cmd.lockToken, action);
  }
}
