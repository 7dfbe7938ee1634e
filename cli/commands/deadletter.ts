/** devhub deadletter list|redrive: the routing dead-letter queue. */
import { intOption, parse, str } from '../args';
import { UsageError, type HubContext } from '../context';
import { routingClient } from './endpoint';

const usage = `Usage: devhub deadletter <command> [options]

Commands:
  list [--endpoint <name>] [--top n]
                         print dead-lettered messages (one JSON object per line; they stay queued)
  redrive [--endpoint <name>]
                         send them to their endpoints again; delivered ones leave the queue`;

export async function deadletterCommand(argv: string[], ctx: HubContext): Promise<void> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '--help' || sub === '-h') {
    console.log(usage);
    if (sub === undefined) throw new UsageError('missing deadletter command');
    return;
  }
  const p = parse(rest, { endpoint: { type: 'string' }, top: { type: 'string' } }, usage);
  if (!p) return;
  const client = routingClient(ctx);
  switch (sub) {
    case 'list':
      for (const d of await client.listDeadLetters(intOption(p, 'top', 1, 1000) ?? 100, str(p, 'endpoint'))) console.log(JSON.stringify(d));
      return;
    case 'redrive': {
      const r = await client.redrive(str(p, 'endpoint'));
      console.log(`redriven ${r.redriven}, still failing ${r.failed}, skipped ${r.skipped}`);
      if (r.failed > 0) process.exitCode = 1;
      return;
    }
    default:
      throw new UsageError(`unknown deadletter command "${sub}"\n\n${usage}`);
  }
}
