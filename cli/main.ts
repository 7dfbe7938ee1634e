/** The devhub CLI: `devhub <command> ...`. Errors are one line on stderr and a non-zero exit. */
import { ApiError } from '../client/clients';
import { HubContext, UsageError } from './context';
import { deviceCommand } from './commands/device';
import { sendCommand } from './commands/send';
import { tailCommand } from './commands/tail';
import { initCommand } from './commands/init';
import { listenCommand, sendOverWebSocket } from './commands/listen';
import { deadletterCommand } from './commands/deadletter';
import { endpointCommand } from './commands/endpoint';
import { enrichmentCommand } from './commands/enrichment';
import { routeCommand } from './commands/route';
import { c2dCommand } from './commands/c2d';
import { feedbackCommand } from './commands/feedback';
import { HubDownError, statusCommand } from './commands/status';
import { consumeCommand } from './commands/consume';
import { groupsCommand } from './commands/groups';
import { routingCommand } from './commands/routing';

const usage = `Usage: devhub <command> [options]   (devhub <command> --help for details)

Commands:
  device     create, show, list, delete, enable, disable devices; connection strings
  send       send telemetry as a device (HTTPS, or WebSocket with --ws)
  listen     hold a WebSocket as a device and print the commands it is sent
  tail       print the built-in endpoint's messages (decoded at a terminal; --raw for envelopes; no position kept)
  status     the local hub's components, stream lag, queue depths, counts (exit 1 if a part is down)
  consume    read the built-in endpoint as a consumer group (leases, checkpoints, resume)
  groups     list consumer groups (owners, checkpoints, lag); reset one to a position
  init       create the access policies of a deployed hub (AWS credentials)
  endpoint   add, list, show, remove custom routing endpoints; endpoint health
  route      add, list, show, remove, enable, disable, test routes; the fallback route
  enrichment add, list, remove message enrichments per endpoint
  deadletter list and redrive messages routing could not deliver
  routing    failures: list and replay the ranges the router gave up on
  c2d        send, receive, complete, reject, abandon, purge cloud-to-device commands
  feedback   tail the cloud-to-device feedback queue

The CLI finds the hub through DEVHUB_CONNECTION_STRING (else .devhub/iothubowner.connection,
written by 'npm start') and DEVHUB_URL (else the URL 'npm start' recorded).`;

type Command = (argv: string[], ctx: HubContext) => Promise<void>;

const commands: Record<string, Command> = {
  device: deviceCommand,
  send: (argv, ctx) => sendCommand(argv, ctx, (cs, msg) => sendOverWebSocket(ctx, cs, msg)),
  listen: listenCommand,
  tail: tailCommand,
  status: statusCommand,
  consume: consumeCommand,
  groups: groupsCommand,
  init: (argv) => initCommand(argv),
  endpoint: endpointCommand,
  route: routeCommand,
  enrichment: enrichmentCommand,
  deadletter: deadletterCommand,
  routing: routingCommand,
  c2d: c2dCommand,
  feedback: feedbackCommand,
};

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage);
    return name === undefined ? 2 : 0;
  }
  const command = commands[name];
  try {
    if (!command) throw new UsageError(`unknown command "${name}"\n\n${usage}`);
    await command(rest, new HubContext());
    return 0;
  } catch (err) {
    if (err instanceof HubDownError) return 1; // the report said what is down
    if (err instanceof UsageError) {
      console.error(`devhub: ${err.message}`);
      return 2;
    }
    if (err instanceof ApiError) {
      console.error(`devhub: ${err.message}`);
      return 1;
    }
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ECONNREFUSED') {
      console.error(`devhub: cannot reach the hub (${e.message}); is 'npm start' running?`);
      return 1;
    }
    console.error(`devhub: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
