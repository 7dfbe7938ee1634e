/** devhub send: telemetry as a device over the HTTPS device API (or the WebSocket with --ws). */
import { Command, type CommandUnknownOpts } from '@commander-js/extra-typings';
import { parseConnectionString } from '../../lib/sas';
import { bodyArg, deviceConnectionStringOption, deviceOption, propertyOption } from '../args';
import type { Hub } from '../hub';
import { sendOverWebSocket } from './listen';

export function sendCommand(hub: Hub): CommandUnknownOpts {
  return new Command('send')
    .description('send one telemetry message as a device (HTTPS, or the WebSocket channel with --ws)')
    .argument('<body>', "the message body: text, or @file for a file's bytes")
    .addOption(deviceOption())
    .addOption(deviceConnectionStringOption())
    .addOption(propertyOption())
    .option('--content-type <type>', 'e.g. application/json (needed for $body routing)')
    .option('--content-encoding <encoding>', 'e.g. utf-8')
    .option('--message-id <id>', 'message id (otherwise none, as in IoT Hub)')
    .option('--correlation-id <id>', 'correlation id')
    .option('--ws', 'send over the WebSocket channel and wait for the ack')
    .addHelpText('after', '\nOne of --device and --device-connection-string is required.')
    .action(async (bodyText, opts) => {
      const body = bodyArg(bodyText);
      const cs = await hub.deviceConnectionString(opts);
      const msg = {
        body,
        properties: opts.property,
        ...(opts.contentType !== undefined ? { contentType: opts.contentType } : {}),
        ...(opts.contentEncoding !== undefined ? { contentEncoding: opts.contentEncoding } : {}),
        ...(opts.messageId !== undefined ? { messageId: opts.messageId } : {}),
        ...(opts.correlationId !== undefined ? { correlationId: opts.correlationId } : {}),
      };
      if (opts.ws) await sendOverWebSocket(hub, cs, msg);
      else await (await hub.device({ deviceConnectionString: cs })).send(msg);
      const { deviceId } = parseConnectionString(cs);
      hub.result(
        {
          deviceId,
          bytes: body.length,
          ...(msg.messageId ? { messageId: msg.messageId } : {}),
          transport: opts.ws ? 'websocket' : 'https',
        },
        `sent ${body.length} bytes${msg.messageId ? ` (message id ${msg.messageId})` : ''}`,
      );
    });
}
