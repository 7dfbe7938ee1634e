/** devhub c2d send|receive|complete|reject|abandon|purge: cloud-to-device commands over HTTPS. */
import type { ReceivedCommand } from '../../client/commands';
import { ACK_MODES, type AckMode } from '../../lib/c2d/types';
import { DeviceClient } from '../../client/clients';
import { bodyArg, intOption, parse, positional, properties, str } from '../args';
import { UsageError, type HubContext } from '../context';
import { serviceClient } from './device';
import { deviceConnection } from './send';

const usage = `Usage: devhub c2d <command> [options]

Commands:
  send <id> <body | @file> [--ack none|positive|negative|full] [--ttl seconds]
       [--message-id m] [--correlation-id c] [--user-id u] [--content-type t]
       [--content-encoding e] [--property k=v]...
                          send a command to a device (as the backend); prints its id and sequence number
  receive --device <id> [--lock-timeout s]
                          receive the next command as the device; prints it, its headers and its lock token
  complete --device <id> <lockToken>
  reject --device <id> <lockToken>
  abandon --device <id> <lockToken>
                          settle a received command as the device
  purge <id>              drop every pending command of a device

As the device: --device <id> (its key is read with the owner policy) or --device-connection-string <cs>.
Feedback (when --ack asks for it): devhub feedback tail.`;

const options = {
  ack: { type: 'string' },
  ttl: { type: 'string' },
  'message-id': { type: 'string' },
  'correlation-id': { type: 'string' },
  'user-id': { type: 'string' },
  'content-type': { type: 'string' },
  'content-encoding': { type: 'string' },
  property: { type: 'string', multiple: true },
  device: { type: 'string' },
  'device-connection-string': { type: 'string' },
  'lock-timeout': { type: 'string' },
} as const;

function ackOption(value: string | undefined): AckMode | undefined {
  if (value === undefined) return undefined;
  if (!(ACK_MODES as readonly string[]).includes(value)) throw new UsageError(`--ack must be one of ${ACK_MODES.join(', ')}`);
  return value as AckMode;
}

/** Printable form of a received command: UTF-8 text when it is, else base64. */
function printable(cmd: ReceivedCommand): Record<string, unknown> {
  const text = cmd.body.toString('utf8');
  const isText = Buffer.from(text, 'utf8').equals(cmd.body);
  const { headers, body: _body, ...fields } = cmd;
  return { ...fields, ...(isText ? { body: text } : { bodyBase64: cmd.body.toString('base64') }), headers };
}

export async function c2dCommand(argv: string[], ctx: HubContext): Promise<void> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '--help' || sub === '-h') {
    console.log(usage);
    if (sub === undefined) throw new UsageError('missing c2d command');
    return;
  }
  const p = parse(rest, options, usage);
  if (!p) return;
  const asDevice = async () =>
    new DeviceClient(
      ctx.httpUrl(),
      await deviceConnection(ctx, str(p, 'device'), str(p, 'device-connection-string'), usage),
      ctx.insecureTls(),
    );
  switch (sub) {
    case 'send': {
      const id = positional(p, 0, 'device id', usage);
      const body = bodyArg(positional(p, 1, 'command body', usage));
      const ttlSeconds = intOption(p, 'ttl', 1, 2 * 24 * 3600);
      const ack = ackOption(str(p, 'ack'));
      const optional = (name: string, flag: string) => (str(p, flag) !== undefined ? { [name]: str(p, flag) } : {});
      const result = await serviceClient(ctx).sendCommand(id, {
        body,
        properties: properties(p),
        ...(ack ? { ack } : {}),
        ...(ttlSeconds !== undefined ? { ttlSeconds } : {}),
        ...optional('messageId', 'message-id'),
        ...optional('correlationId', 'correlation-id'),
        ...optional('userId', 'user-id'),
        ...optional('contentType', 'content-type'),
        ...optional('contentEncoding', 'content-encoding'),
      });
      console.log(JSON.stringify(result));
      return;
    }
    case 'receive': {
      const lockTimeoutSeconds = intOption(p, 'lock-timeout', 1, 3600);
      const cmd = await (await asDevice()).receive(lockTimeoutSeconds === undefined ? {} : { lockTimeoutSeconds });
      console.log(cmd ? JSON.stringify(printable(cmd), null, 2) : 'no command is waiting');
      return;
    }
    case 'complete':
    case 'reject':
    case 'abandon': {
      const token = positional(p, 0, 'lock token', usage);
      await (await asDevice())[sub](token);
      console.log(`${sub === 'complete' ? 'completed' : sub === 'reject' ? 'rejected' : 'abandoned'} ${token}`);
      return;
    }
    case 'purge': {
      console.log(JSON.stringify(await serviceClient(ctx).purgeCommands(positional(p, 0, 'device id', usage))));
      return;
    }
    default:
      throw new UsageError(`unknown c2d command "${sub}"\n\n${usage}`);
  }
}
