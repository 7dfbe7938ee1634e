/** devhub deadletter list|redrive: the routing dead-letter queue. */
import { Command, Option, type CommandUnknownOpts } from '@commander-js/extra-typings';
import { intIn } from '../args';
import type { Hub } from '../hub';

export function deadletterCommand(hub: Hub): CommandUnknownOpts {
  const deadletter = new Command('deadletter').description('list and redrive messages routing could not deliver');
  deadletter
    .command('list')
    .description('print dead-lettered messages, one JSON object per line (they stay queued)')
    .option('--endpoint <name>', "only this endpoint's messages")
    .addOption(new Option('--top <n>', 'at most n messages').argParser(intIn(1, 1000)).default(100))
    .action(async (opts) => {
      for (const d of await hub.routing().listDeadLetters(opts.top, opts.endpoint)) hub.line(d);
    });
  deadletter
    .command('redrive')
    .description('send them to their endpoints again; delivered ones leave the queue (exit 1 when some still fail)')
    .option('--endpoint <name>', "only this endpoint's messages")
    .action(async (opts) => {
      const r = await hub.routing().redrive(opts.endpoint);
      hub.result(r, `redriven ${r.redriven}, still failing ${r.failed}, skipped ${r.skipped}`);
      if (r.failed > 0) hub.exitCode = 1;
    });
  return deadletter;
}
