/** The devhub CLI: `devhub <command> ...`. Errors are one line on stderr and a non-zero exit. */
import { CommanderError } from '@commander-js/extra-typings';
import { ApiError } from '../client/clients';
import { UsageError } from './context';
import { Hub } from './hub';
import { buildProgram } from './program';

/** Exit status: 0 done, 1 failed (or the command said so), 2 usage error. */
export async function main(argv: string[]): Promise<number> {
  const hub = new Hub();
  try {
    await buildProgram(hub).parseAsync(argv, { from: 'user' });
    return hub.exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      // commander has printed the message, or the help: asked for (exit code 0), or because a
      // command group was given without its subcommand (a usage error).
      return err.exitCode === 0 ? 0 : 2;
    }
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
      // The address says which front door failed: the service API (DEVHUB_URL) or the device host.
      console.error(
        `devhub: cannot reach the hub (${e.message}): for the local hub, is 'npm start' running? For a deployed hub, check DEVHUB_URL and, for device commands, DEVHUB_DEVICE_URL.`,
      );
      return 1;
    }
    console.error(`devhub: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  } finally {
    hub.close();
  }
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
