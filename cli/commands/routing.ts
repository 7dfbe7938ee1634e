/** devhub routing failures [list] | devhub routing failures replay (--all | --start <seq>): the router's given-up ranges. */
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SQSClient } from '@aws-sdk/client-sqs';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { listFailures, queueUrl, replayFailure } from '../../client/routerFailures';
import { flag, parse, str } from '../args';
import { UsageError, type HubContext } from '../context';

const usage = `Usage: devhub routing failures [list]
       devhub routing failures replay (--all | --start <sequence number>)

The router's event source mapping gives up on a batch after its retries (or when its records
are older than maximumRecordAgeInSeconds, an hour below the stream's retention) and records
the batch's shard and sequence range in the router-failures queue. 'list' prints those ranges
(one JSON object per line); 'replay' reads each range back from the built-in stream and hands
it to the router function as the event source mapping would, then removes the range from the
queue if every record was routed or dead-lettered. Uses your AWS credentials (locally, the
emulators 'npm start' runs); the router function is <hub>-router (DEVHUB_ROUTER_FUNCTION).`;

export async function routingCommand(argv: string[], ctx: HubContext): Promise<void> {
  const [what, sub = 'list', ...rest] = argv;
  if (what === undefined || what === '--help' || what === '-h' || sub === '--help' || sub === '-h') {
    console.log(usage);
    if (what === undefined) throw new UsageError('missing routing command');
    return;
  }
  if (what !== 'failures') throw new UsageError(`unknown routing command "${what}"\n\n${usage}`);
  const p = parse(rest, { all: { type: 'boolean' }, start: { type: 'string' } }, usage);
  if (!p) return;
  ctx.applyAwsEnvironment();
  const handler = new NodeHttpHandler();
  const sqs = new SQSClient({ requestHandler: handler, useQueueUrlAsEndpoint: false });
  const kinesis = new KinesisClient({ requestHandler: handler });
  const lambda = new LambdaClient({ requestHandler: handler });
  try {
    const url = await queueUrl(sqs, ctx.resourceName('ROUTER_FAILURE_QUEUE'));
    if (sub === 'list') {
      for (const e of await listFailures(sqs, url, 0)) console.log(JSON.stringify(e.range));
      return;
    }
    if (sub !== 'replay') throw new UsageError(`unknown failures command "${sub}"\n\n${usage}`);
    const start = str(p, 'start');
    if (!flag(p, 'all') && start === undefined) throw new UsageError('replay needs --all or --start <sequence number>');
    const entries = (await listFailures(sqs, url, 120)).filter((e) => start === undefined || e.range.startSequenceNumber === start);
    if (entries.length === 0) throw new Error(start ? `no failure range starts at ${start}` : 'no failure ranges to replay');
    const deps = {
      sqs,
      kinesis,
      lambda,
      queueUrl: url,
      streamName: ctx.resourceName('EVENTS_STREAM'),
      functionName: process.env.DEVHUB_ROUTER_FUNCTION ?? `${ctx.resourceName('HUB_NAME')}-router`,
      region: (await sqs.config.region()) ?? 'us-east-1',
    };
    for (const entry of entries) {
      const r = await replayFailure(deps, entry);
      console.log(JSON.stringify({ ...entry.range, replayed: r.records, failed: r.failed.length }));
      if (r.failed.length > 0) process.exitCode = 1;
    }
  } finally {
    sqs.destroy();
    kinesis.destroy();
    lambda.destroy();
  }
}
