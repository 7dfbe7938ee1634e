/** devhub c2d send|receive|complete|reject|abandon|purge: cloud-to-device commands over HTTPS. */
import { Command, Option, type CommandUnknownOpts } from '@commander-js/extra-typings';
import type { ReceivedCommand } from '../../client/commands';
import { ACK_MODES } from '../../lib/c2d/types';
import { bodyArg, deviceConnectionStringOption, deviceOption, intIn, propertyOption } from '../args';
import type { Hub } from '../hub';

/** Printable form of a received command: UTF-8 text when it is, else base64. */
function printable(cmd: ReceivedCommand): Record<string, unknown> {
  const text = cmd.body.toString('utf8');
  const isText = Buffer.from(text, 'utf8').equals(cmd.body);
  const { headers, body: _body, ...fields } = cmd;
  return { ...fields, ...(isText ? { body: text } : { bodyBase64: cmd.body.toString('base64') }), headers };
}

/** A command acting as the device: --device or --device-connection-string. */
function asDevice(command: Command): Command {
  return command
    .addOption(deviceOption())
    .addOption(deviceConnectionStringOption())
    .addHelpText('after', '\nOne of --device and --device-connection-string is required.');
}

export function c2dCommand(hub: Hub): CommandUnknownOpts {
  const c2d = new Command('c2d')
    .description('send, receive, complete, reject, abandon, purge cloud-to-device commands')
    .addHelpText('after', '\nFeedback (when --ack asks for it): devhub feedback tail.');

  c2d
    .command('send')
    .description('send a command to a device (as the backend); prints its id and sequence number')
    .argument('<device-id>')
    .argument('<body>', "the command body: text, or @file for a file's bytes")
    .addOption(new Option('--ack <mode>', 'feedback to ask for').choices(ACK_MODES))
    .addOption(new Option('--ttl <seconds>', 'time to live').argParser(intIn(1, 2 * 24 * 3600)))
    .option('--message-id <id>', 'message id')
    .option('--correlation-id <id>', 'correlation id')
    .option('--user-id <id>', 'user id')
    .option('--content-type <type>', 'content type')
    .option('--content-encoding <encoding>', 'content encoding')
    .addOption(propertyOption())
    .action(async (id, bodyText, opts) => {
      const optional = <K extends string>(name: K, value: string | undefined) => (value !== undefined ? { [name]: value } : {});
      const result = await hub.service().sendCommand(id, {
        body: bodyArg(bodyText),
        properties: opts.property,
        ...(opts.ack ? { ack: opts.ack } : {}),
        ...(opts.ttl !== undefined ? { ttlSeconds: opts.ttl } : {}),
        ...optional('messageId', opts.messageId),
        ...optional('correlationId', opts.correlationId),
        ...optional('userId', opts.userId),
        ...optional('contentType', opts.contentType),
        ...optional('contentEncoding', opts.contentEncoding),
      });
      hub.line(result);
    });

  asDevice(c2d.command('receive'))
    .description('receive the next command as the device; prints it, its headers and its lock token (null with --json when none waits)')
    .addOption(new Option('--lock-timeout <seconds>', 'how long the command stays locked').argParser(intIn(1, 3600)))
    .action(async (opts: { lockTimeout?: number; device?: string; deviceConnectionString?: string }) => {
      const device = await hub.device(opts);
      const cmd = await device.receive(opts.lockTimeout === undefined ? {} : { lockTimeoutSeconds: opts.lockTimeout });
      if (cmd) hub.result(printable(cmd));
      else hub.result(null, 'no command is waiting');
    });

  for (const [outcome, done] of [
    ['complete', 'completed'],
    ['reject', 'rejected'],
    ['abandon', 'abandoned'],
  ] as const) {
    asDevice(c2d.command(outcome))
      .description(`${outcome} a received command as the device`)
      .argument('<lock-token>')
      .action(async (token: string, opts: { device?: string; deviceConnectionString?: string }) => {
        await (await hub.device(opts))[outcome](token);
        hub.result({ lockToken: token, outcome: done }, `${done} ${token}`);
      });
  }

  c2d
    .command('purge')
    .description('drop every pending command of a device')
    .argument('<device-id>')
    .action(async (id) => hub.line(await hub.service().purgeCommands(id)));

  return c2d;
}
