/** devhub consume: read the built-in endpoint as a consumer group (leases, checkpoints, resume). */
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { createConsumer, parsePosition, type ConsumerEvent, type StartPosition } from '../../consumer';
import { flag, intOption, parse, str } from '../args';
import { UsageError, type HubContext } from '../context';
import { streamClients } from './aws';

const usage = `Usage: devhub consume --group <name> [--from trim-horizon|latest|<ISO time>] [--follow] [options]

Reads the built-in endpoint as the consumer group <name>, one JSON envelope per line on stdout,
and checkpoints after every batch it printed. Run it twice (or with backend instances using the
consumer library) and the group's shards are split between them; stop one and the other takes
its shards over. A group that ran before resumes after its last checkpoint.
  --group       the group (letters, digits, . _ -; at most 128)
  --from        where a new group starts (default trim-horizon); ignored once the group exists
                (use 'devhub groups reset' to move it)
  --follow      keep reading (Ctrl-C stops: checkpoints, releases the leases, exits);
                without it, stops once every shard it reads is read to the tip
  --meta        print {"shardId","sequenceNumber","envelope"} per record instead of the envelope
  --lease-ms    lease duration (default 10000): how soon another instance takes over from a dead one
  --batch-size  records per read and per batch (default 500)
  --instance    this instance's name in the lease table (default host-pid-random)
  --efo         read through the group's enhanced fan-out consumer (SubscribeToShard) with this
                consumer ARN (stack output EventsConsumer<Group>Arn); AWS only: kinesalite has none
Lease changes and checkpoints are logged on stderr.`;

const GROUP_NAME = /^[A-Za-z0-9._-]{1,128}$/;

export async function consumeCommand(argv: string[], ctx: HubContext): Promise<void> {
  const p = parse(
    argv,
    {
      group: { type: 'string' },
      from: { type: 'string' },
      follow: { type: 'boolean' },
      meta: { type: 'boolean' },
      'lease-ms': { type: 'string' },
      'batch-size': { type: 'string' },
      'idle-ms': { type: 'string' },
      instance: { type: 'string' },
      efo: { type: 'string' },
    },
    usage,
  );
  if (!p) return;
  const group = str(p, 'group');
  if (group === undefined) throw new UsageError(`--group is required\n\n${usage}`);
  if (!GROUP_NAME.test(group)) throw new UsageError(`--group must be 1-128 letters, digits, '.', '_' or '-', got "${group}"`);
  let from: StartPosition = { type: 'trim-horizon' };
  const fromText = str(p, 'from');
  if (fromText !== undefined) {
    try {
      from = parsePosition(fromText);
    } catch (err) {
      throw new UsageError(`--from: ${(err as Error).message}`);
    }
  }
  const follow = flag(p, 'follow');
  const meta = flag(p, 'meta');
  const leaseMs = intOption(p, 'lease-ms', 500, 3_600_000);
  const batchSize = intOption(p, 'batch-size', 1, 10_000);
  const idleMs = intOption(p, 'idle-ms', 10, 60_000);
  const instanceId = str(p, 'instance');
  const consumerArn = str(p, 'efo');
  const clients = streamClients(ctx);
  if (consumerArn !== undefined && process.env.AWS_ENDPOINT_URL_KINESIS) {
    clients.destroy();
    throw new UsageError(
      `--efo needs Kinesis in AWS: the local stream (${process.env.AWS_ENDPOINT_URL_KINESIS}, kinesalite) has no SubscribeToShard`,
    );
  }
  // SubscribeToShard is an HTTP/2 event stream: the SDK's default handler, not the HTTP/1.1 one kinesalite needs.
  const subscriber = consumerArn !== undefined ? new KinesisClient({}) : undefined;
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const onEvent = (e: ConsumerEvent) => {
    if (e.type === 'lag') return;
    if (e.type === 'checkpoint') log(`checkpoint ${e.shardId} ${e.sequenceNumber}`);
    else if (e.type === 'handler-error' || e.type === 'error') log(`${e.type} ${'shardId' in e ? e.shardId : e.where}: ${e.error.message}`);
    else if (e.type === 'decode-error') log(`decode-error ${e.shardId} ${e.sequenceNumber}: ${e.error.message}`);
    else
      log(
        `${e.type} ${e.shardId}${'stolenFrom' in e && e.stolenFrom ? ` from ${e.stolenFrom}` : ''}${'reason' in e ? ` (${e.reason})` : ''}`,
      );
  };
  const consumer = createConsumer({
    group,
    from,
    kinesis: clients.kinesis,
    dynamo: clients.dynamo,
    streamName: ctx.resourceName('EVENTS_STREAM'),
    tableName: ctx.resourceName('CHECKPOINTS_TABLE'),
    handler: async (batch) => {
      const lines = batch.records.map((r) =>
        JSON.stringify(meta ? { shardId: r.shardId, sequenceNumber: r.sequenceNumber, envelope: r.value } : r.value),
      );
      // Written (to the pipe) before the batch is checkpointed.
      await new Promise<void>((resolve, reject) => process.stdout.write(`${lines.join('\n')}\n`, (err) => (err ? reject(err) : resolve())));
    },
    onEvent,
    ...(consumerArn !== undefined && subscriber ? { kinesis: subscriber, enhancedFanOut: { consumerArn } } : {}),
    ...(leaseMs !== undefined ? { leaseMs } : {}),
    ...(batchSize !== undefined ? { batchSize } : {}),
    // Enhanced fan-out pushes records: no pause between reads unless asked for.
    ...(idleMs !== undefined ? { idleMs } : consumerArn !== undefined ? {} : { idleMs: follow ? 1000 : 200 }),
    ...(instanceId !== undefined ? { instanceId } : {}),
  });
  let stopRequested = false;
  const onSignal = () => (stopRequested = true);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    await consumer.start();
    log(`instance ${consumer.instanceId} reading group ${group}`);
    const started = Date.now();
    for (;;) {
      await new Promise((r) => setTimeout(r, 100));
      if (stopRequested) break;
      if (!follow) {
        const status = consumer.status();
        const tick = (leaseMs ?? 10_000) / 3;
        // Caught up on every shard it reads; or it got none (another instance reads them all).
        if (status.length > 0 ? status.every((s) => s.caughtUp) : Date.now() - started > 3 * tick + 2000) break;
      }
    }
  } finally {
    await consumer.stop();
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    clients.destroy();
    subscriber?.destroy();
  }
}
