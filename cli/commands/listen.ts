/** devhub listen: hold a WebSocket as a device, print commands, optionally settle them. */
import { WsDevice, type HubFrame } from '../../lib/client/wsDevice';
import type { OutgoingMessage } from '../../lib/client/clients';
import { parse, str } from '../args';
import { UsageError, type HubContext } from '../context';
import { deviceConnection } from './send';

const usage = `Usage: devhub listen (--device <id> | --device-connection-string <cs>) [--auto complete|reject|abandon|none]

Connects to the WebSocket API as the device, asks for pending commands, and prints every
frame the hub sends (one JSON object per line) until Ctrl-C.
  --auto   settle each command as it arrives (default none: print only; locks then time out)`;

const AUTO = ['complete', 'reject', 'abandon', 'none'] as const;

export async function listenCommand(argv: string[], ctx: HubContext): Promise<void> {
  const p = parse(argv, { device: { type: 'string' }, 'device-connection-string': { type: 'string' }, auto: { type: 'string' } }, usage);
  if (!p) return;
  const auto = (str(p, 'auto') ?? 'none') as (typeof AUTO)[number];
  if (!AUTO.includes(auto)) throw new UsageError(`--auto must be one of ${AUTO.join(', ')}`);
  const cs = await deviceConnection(ctx, str(p, 'device'), str(p, 'device-connection-string'), usage);
  const socket = await WsDevice.fromConnectionString(ctx.wsUrl(), cs, { insecure: ctx.insecureTls() });
  console.error(`listening as ${/DeviceId=([^;]+)/.exec(cs)?.[1] ?? 'device'} (Ctrl-C to stop)`);
  process.once('SIGINT', () => void socket.close());
  socket.send({ action: 'receive' });
  const onFrame = (frame: HubFrame) => {
    console.log(JSON.stringify(frame));
    if (frame.type === 'c2d' && auto !== 'none' && typeof frame.lockToken === 'string') {
      socket.send({ action: auto, lockToken: frame.lockToken });
    }
  };
  // Drain frames as they come until the socket closes.
  for (;;) {
    const next = await Promise.race([socket.next(() => true, 2 ** 31 - 1), socket.closed.then(() => undefined)]);
    if (!next) break;
    onFrame(next);
  }
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
