/** devhub listen: hold a WebSocket as a device, print commands, optionally settle them. */
import { DEFAULT_PING_SECONDS, DEVICE_BACKOFF, reconnectDelayMs } from '../../client/backoff';
import { WsConnectError, WsDevice } from '../../client/wsDevice';
import type { OutgoingMessage } from '../../client/clients';
import { parse, str } from '../args';
import { UsageError, type HubContext } from '../context';
import { deviceConnection } from './send';

const usage = `Usage: devhub listen (--device <id> | --device-connection-string <cs>) [--auto complete|reject|abandon|none]
                     [--ping-seconds <n>] [--token-seconds <n>]

Connects to the WebSocket API as the device, asks for pending commands, and prints every
frame the hub sends (one JSON object per line) until Ctrl-C. Sends {"action":"ping"} every
--ping-seconds (default ${DEFAULT_PING_SECONDS}: API Gateway closes sockets idle for 10 minutes) and, when the
socket closes (token expiry, the 2-hour limit, a hub restart), reconnects with a new token
after a jittered exponential backoff (1 s doubling to 60 s). A refused connection (401: the
device was disabled or its key changed) ends it with exit code 1.
  --auto           settle each command as it arrives (default none: print only; locks then time out)
  --token-seconds  lifetime of each connection's SAS token (default 3600)`;

const AUTO = ['complete', 'reject', 'abandon', 'none'] as const;

function positive(p: Parameters<typeof str>[0], name: string, fallback: number): number {
  const raw = str(p, name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`--${name} must be a positive number`);
  return n;
}

export async function listenCommand(argv: string[], ctx: HubContext): Promise<void> {
  const p = parse(
    argv,
    {
      device: { type: 'string' },
      'device-connection-string': { type: 'string' },
      auto: { type: 'string' },
      'ping-seconds': { type: 'string' },
      'token-seconds': { type: 'string' },
    },
    usage,
  );
  if (!p) return;
  const auto = (str(p, 'auto') ?? 'none') as (typeof AUTO)[number];
  if (!AUTO.includes(auto)) throw new UsageError(`--auto must be one of ${AUTO.join(', ')}`);
  const pingMs = positive(p, 'ping-seconds', DEFAULT_PING_SECONDS) * 1000;
  const tokenSeconds = Math.ceil(positive(p, 'token-seconds', 3600));
  const cs = await deviceConnection(ctx, str(p, 'device'), str(p, 'device-connection-string'), usage);
  const name = /DeviceId=([^;]+)/.exec(cs)?.[1] ?? 'device';
  let stopped = false;
  let current: WsDevice | undefined;
  process.once('SIGINT', () => {
    stopped = true;
    void current?.close();
  });
  let connections = 0;
  for (let attempt = 0; !stopped;) {
    try {
      current = await WsDevice.fromConnectionString(ctx.wsUrl(), cs, { insecure: ctx.insecureTls(), tokenSeconds });
    } catch (err) {
      if (err instanceof WsConnectError && (err.status === 401 || err.status === 403))
        throw new Error(`the hub refused the device (HTTP ${err.status})`);
      const wait = reconnectDelayMs(attempt++, DEVICE_BACKOFF);
      console.error(`connect failed (${err instanceof Error ? err.message : String(err)}); retrying in ${wait} ms`);
      await new Promise((r) => setTimeout(r, wait));
      continue;
    }
    console.error(connections++ === 0 ? `listening as ${name} (Ctrl-C to stop)` : `reconnected as ${name}`);
    attempt = 0;
    const closed = await holdSocket(current, auto, pingMs);
    if (stopped) break;
    const wait = reconnectDelayMs(attempt++, DEVICE_BACKOFF);
    console.error(`disconnected (${closed}); reconnecting in ${wait} ms`);
    await new Promise((r) => setTimeout(r, wait));
  }
}

/** Prints frames, settles commands, pings; resolves with why the socket closed. */
async function holdSocket(socket: WsDevice, auto: (typeof AUTO)[number], pingMs: number): Promise<string> {
  const ping = setInterval(() => socket.send({ action: 'ping' }), pingMs);
  let reason = '';
  try {
    socket.send({ action: 'receive' });
    for (;;) {
      const next = await Promise.race([socket.next(() => true, 2 ** 31 - 1), socket.closed.then(() => undefined)]);
      if (!next) break;
      if (next.type === 'pong') continue;
      if (next.type === 'closing') reason = `: ${String(next.reason)}`;
      console.log(JSON.stringify(next));
      if (next.type === 'c2d' && auto !== 'none' && typeof next.lockToken === 'string')
        socket.send({ action: auto, lockToken: next.lockToken });
    }
  } finally {
    clearInterval(ping);
  }
  const { code } = await socket.closed;
  return `code ${code}${reason}`;
}

/** `devhub send --ws`: one message over the socket, resolved by its ack. */
export async function sendOverWebSocket(ctx: HubContext, cs: string, msg: OutgoingMessage): Promise<void> {
  const socket = await WsDevice.fromConnectionString(ctx.wsUrl(), cs, { insecure: ctx.insecureTls() });
  try {
    const messageId = msg.messageId ?? `cli-${Date.now()}`;
    socket.send({
      action: 'send',
      messageId,
      ...(msg.properties ? { properties: msg.properties } : {}),
      ...(msg.contentType ? { contentType: msg.contentType } : {}),
      ...(msg.contentEncoding ? { contentEncoding: msg.contentEncoding } : {}),
      ...(msg.correlationId ? { correlationId: msg.correlationId } : {}),
      body: Buffer.from(msg.body).toString('base64'),
      base64: true,
    });
    const reply = await socket.next((f) => f.messageId === messageId, 30_000);
    if (reply.type !== 'ack')
      throw new Error(`the hub refused the message: ${String(reply.status)} ${String(reply.code)}: ${String(reply.message)}`);
  } finally {
    await socket.close();
  }
}
