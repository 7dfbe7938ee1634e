/** devhub routing failures [list] | devhub routing failures replay (--all | --start <seq>): the router's given-up ranges. */
import { Command, type CommandUnknownOpts } from '@commander-js/extra-typings';
import { listFailures, queueUrl, replayFailure } from '../../client/routerFailures';
import { UsageError } from '../context';
import type { Hub } from '../hub';

const about = `
The router's event source mapping gives up on a batch after its retries (or when its records
are older than maximumRecordAgeInSeconds, an hour below the stream's retention) and records
the batch's shard and sequence range in the router-failures queue. 'list' prints those ranges
(one JSON object per line); 'replay' reads each range back from the built-in stream and hands
it to the router function as the event source mapping would, then removes the range from the
queue if every record was routed or dead-lettered. Uses your AWS credentials (locally, the
emulators 'npm start' runs); the router function is <hub>-router (DEVHUB_ROUTER_FUNCTION).`;

export function routingCommand(hub: Hub): CommandUnknownOpts {
  const routing = new Command('routing').description('failures: list and replay the ranges the router gave up on');
  const failures = routing
    .command('failures')
    .description('the ranges of the built-in stream the router gave up on (default: list)')
    .addHelpText('after', about);
  const failureQueue = async () => queueUrl(hub.aws().sqs, hub.context.resourceName('ROUTER_FAILURE_QUEUE'));

  failures
    .command('list', { isDefault: true })
    .description('print the failed ranges, one JSON object per line')
    .addHelpText('after', about)
    .action(async () => {
      for (const e of await listFailures(hub.aws().sqs, await failureQueue(), 0)) hub.line(e.range);
    });

  failures
    .command('replay')
    .description('hand the failed ranges to the router again; prints one JSON object per range (exit 1 if records still fail)')
    .option('--all', 'every range')
    .option('--start <sequence-number>', 'only the range that starts there')
    .addHelpText('after', about)
    .action(async (opts) => {
      if (!opts.all && opts.start === undefined) throw new UsageError('replay needs --all or --start <sequence number>');
      const start = opts.start;
      const { sqs, kinesis, lambda } = hub.aws();
      const url = await failureQueue();
      const entries = (await listFailures(sqs, url, 120)).filter((e) => start === undefined || e.range.startSequenceNumber === start);
      if (entries.length === 0) throw new Error(start ? `no failure range starts at ${start}` : 'no failure ranges to replay');
      const deps = {
        sqs,
        kinesis,
        lambda,
        queueUrl: url,
        streamName: hub.context.resourceName('EVENTS_STREAM'),
        functionName: process.env.DEVHUB_ROUTER_FUNCTION ?? `${hub.context.resourceName('HUB_NAME')}-router`,
        region: (await sqs.config.region()) ?? 'us-east-1',
      };
      for (const entry of entries) {
        const r = await replayFailure(deps, entry);
        hub.line({ ...entry.range, replayed: r.records, failed: r.failed.length });
        if (r.failed.length > 0) hub.exitCode = 1;
      }
    });
  return routing;
}
