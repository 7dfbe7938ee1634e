/** devhub listen: hold a WebSocket as a device, print commands, optionally settle them. */
import { Command, Option, type CommandUnknownOpts } from '@commander-js/extra-typings';
import { DEFAULT_PING_SECONDS, DEVICE_BACKOFF, reconnectDelayMs } from '../../client/backoff';
import { WsConnectError, WsDevice } from '../../client/wsDevice';
import type { OutgoingMessage } from '../../client/clients';
import { deviceConnectionStringOption, deviceOption, positiveNumber } from '../args';
import type { Hub } from '../hub';

const AUTO = ['complete', 'reject', 'abandon', 'none'] as const;

export function listenCommand(hub: Hub): CommandUnknownOpts {
  return new Command('listen')
    .description('hold a WebSocket as a device and print the frames the hub sends (one JSON object per line)')
    .addOption(deviceOption())
    .addOption(deviceConnectionStringOption())
    .addOption(
      new Option('--auto <outcome>', 'settle each command as it arrives (none: print only; locks then time out)')
        .choices(AUTO)
        .default('none'),
    )
    .addOption(
      new Option('--ping-seconds <n>', 'seconds between pings (API Gateway closes sockets idle for 10 minutes)')
        .argParser(positiveNumber)
        .default(DEFAULT_PING_SECONDS),
    )
    .addOption(new Option('--token-seconds <n>', "lifetime of each connection's SAS token").argParser(positiveNumber).default(3600))
    .addHelpText(
      'after',
      `
One of --device and --device-connection-string is required. Connects to the WebSocket API as
the device, asks for pending commands, and prints every frame the hub sends until Ctrl-C. When
the socket closes (token expiry, the 2-hour limit, a hub restart) it reconnects with a new
token after a jittered exponential backoff (1 s doubling to 60 s). A refused connection (401:
the device was disabled or its key changed) ends it with exit code 1.`,
    )
    .action(async (opts) => {
      const cs = await hub.deviceConnectionString(opts);
      await listen(hub, cs, opts.auto, opts.pingSeconds * 1000, Math.ceil(opts.tokenSeconds));
    });
}

async function listen(hub: Hub, cs: string, auto: (typeof AUTO)[number], pingMs: number, tokenSeconds: number): Promise<void> {
  const ctx = hub.context;
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
export async function sendOverWebSocket(hub: Hub, cs: string, msg: OutgoingMessage): Promise<void> {
  const ctx = hub.context;
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
