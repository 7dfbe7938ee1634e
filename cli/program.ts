/** The devhub command tree (commander): every command, the global --json, help, completion. */
import { Command, type CommandUnknownOpts } from '@commander-js/extra-typings';
import type { Command as PlainCommand } from 'commander';
import tab from '@bomb.sh/tab/commander';
import type { Hub } from './hub';
import { c2dCommand } from './commands/c2d';
import { consumeCommand } from './commands/consume';
import { deadletterCommand } from './commands/deadletter';
import { deviceCommand } from './commands/device';
import { endpointCommand } from './commands/endpoint';
import { enrichmentCommand } from './commands/enrichment';
import { feedbackCommand } from './commands/feedback';
import { groupsCommand } from './commands/groups';
import { initCommand } from './commands/init';
import { listenCommand } from './commands/listen';
import { routeCommand } from './commands/route';
import { routingCommand } from './commands/routing';
import { sendCommand } from './commands/send';
import { statusCommand } from './commands/status';
import { tailCommand } from './commands/tail';

const FINDING_THE_HUB = `
The CLI finds the hub through DEVHUB_CONNECTION_STRING (else .devhub/iothubowner.connection,
written by 'npm start') and DEVHUB_URL (else the URL 'npm start' recorded). Errors are one
line on stderr: exit code 2 for usage errors, 1 for anything else.
Shell completion: source <(devhub completion bash)   (also zsh, fish, powershell).`;

/** commander's messages quote with '...'; devhub's say "..." everywhere. */
export function devhubMessage(commanderMessage: string): string {
  return commanderMessage
    .replace(/^error: /, '')
    .replace(/'([^']*)'/g, '"$1"')
    .trimEnd();
}

/** Settings every command shares: errors as one devhub line, global options in every help. */
function configure(command: CommandUnknownOpts, path: string): void {
  command
    .exitOverride()
    .configureHelp({ showGlobalOptions: true, sortSubcommands: false })
    .configureOutput({ outputError: (message, write) => write(`devhub: ${devhubMessage(message)}\n`) })
    .showHelpAfterError(`(${path} --help for usage)`);
  for (const sub of command.commands) configure(sub, `${path} ${sub.name()}`);
}

export function buildProgram(hub: Hub): Command<[], { json?: true }> {
  const program = new Command('devhub')
    .description('devhub: an IoT messaging hub that speaks Azure IoT Hub')
    .option('--json', 'print results as JSON (one object, or one object per line for lists and streams)')
    .addHelpText('after', FINDING_THE_HUB)
    .hook('preAction', (root) => {
      hub.json = root.opts().json === true;
    });
  for (const command of [
    deviceCommand,
    sendCommand,
    listenCommand,
    tailCommand,
    statusCommand,
    consumeCommand,
    groupsCommand,
    initCommand,
    endpointCommand,
    routeCommand,
    enrichmentCommand,
    deadletterCommand,
    routingCommand,
    c2dCommand,
    feedbackCommand,
  ])
    program.addCommand(command(hub));
  // `devhub completion <shell>` prints the script; the script asks `devhub complete -- <words>`.
  // tab is typed against commander's own Command, the class extra-typings re-exports.
  tab(program as unknown as PlainCommand, { completionCommandName: 'completion' });
  program.commands
    .find((c) => c.name() === 'completion')
    ?.description('print the shell completion script: source <(devhub completion bash)');
  configure(program, 'devhub');
  return program;
}
