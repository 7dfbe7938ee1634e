/** devhub send: telemetry as a device over the HTTPS device API. */
import { DeviceClient } from '../../client/clients';
import { deviceConnectionString } from '../../lib/sas';
import { bodyArg, parse, positional, properties, str, flag } from '../args';
import { UsageError, type HubContext } from '../context';
import { serviceClient } from './device';

const usage = `Usage: devhub send (--device <id> | --device-connection-string <cs>) [options] <body | @file>

Sends one telemetry message as the device, over HTTPS (or --ws, the WebSocket channel).

Options:
  --device <id>                     act as this device (its key is read with the owner policy)
  --device-connection-string <cs>   act as the device this connection string names
  --property k=v                    application property (repeatable)
  --content-type <t>                e.g. application/json (needed for $body routing)
  --content-encoding <e>            e.g. utf-8
  --message-id <m>                  message id (otherwise none, as in IoT Hub)
  --correlation-id <c>              correlation id
  --ws                              send over the WebSocket channel and wait for the ack`;

export const sendOptions = {
  device: { type: 'string' },
  'device-connection-string': { type: 'string' },
  property: { type: 'string', multiple: true },
  'content-type': { type: 'string' },
  'content-encoding': { type: 'string' },
  'message-id': { type: 'string' },
  'correlation-id': { type: 'string' },
  ws: { type: 'boolean' },
} as const;

/** The device connection string from --device-connection-string, or built from --device. */
export async function deviceConnection(
  ctx: HubContext,
  device: string | undefined,
  cs: string | undefined,
  usageText: string,
): Promise<string> {
  if (cs) return cs;
  if (!device) throw new UsageError(`give --device <id> or --device-connection-string <cs>\n\n${usageText}`);
  const svc = serviceClient(ctx);
  const d = await svc.getDevice(device);
  return deviceConnectionString(svc.hostName, device, d.authentication.symmetricKey.primaryKey);
}

export async function sendCommand(
  argv: string[],
  ctx: HubContext,
  sendOverWebSocket?: (cs: string, msg: Parameters<DeviceClient['send']>[0]) => Promise<void>,
): Promise<void> {
  const p = parse(argv, sendOptions, usage);
  if (!p) return;
  const body = bodyArg(positional(p, 0, 'message body', usage));
  const cs = await deviceConnection(ctx, str(p, 'device'), str(p, 'device-connection-string'), usage);
  const msg = {
    body,
    properties: properties(p),
    ...(str(p, 'content-type') !== undefined ? { contentType: str(p, 'content-type') } : {}),
    ...(str(p, 'content-encoding') !== undefined ? { contentEncoding: str(p, 'content-encoding') } : {}),
    ...(str(p, 'message-id') !== undefined ? { messageId: str(p, 'message-id') } : {}),
    ...(str(p, 'correlation-id') !== undefined ? { correlationId: str(p, 'correlation-id') } : {}),
  };
  if (flag(p, 'ws')) {
    if (!sendOverWebSocket) throw new UsageError('--ws is not available');
    await sendOverWebSocket(cs, msg);
  } else {
    await new DeviceClient(ctx.httpUrl(), cs, ctx.insecureTls()).send(msg);
  }
  console.log(`sent ${body.length} bytes${msg.messageId ? ` (message id ${msg.messageId})` : ''}`);
}
