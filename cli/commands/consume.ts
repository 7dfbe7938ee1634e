/** devhub consume: read the built-in endpoint as a consumer group (leases, checkpoints, resume). */
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { createConsumer, parsePosition, type ConsumerEvent, type StartPosition } from '../../consumer';
import { Command, InvalidArgumentError, Option, type CommandUnknownOpts } from '@commander-js/extra-typings';
import { intIn, parsedBy } from '../args';
import { UsageError } from '../context';
import type { Hub } from '../hub';

const GROUP_NAME = /^[A-Za-z0-9._-]{1,128}$/;

function groupName(value: string): string {
  if (!GROUP_NAME.test(value)) throw new InvalidArgumentError("must be 1-128 letters, digits, '.', '_' or '-'");
  return value;
}

export function consumeCommand(hub: Hub): CommandUnknownOpts {
  return new Command('consume')
    .description('read the built-in endpoint as a consumer group (leases, checkpoints, resume); one JSON envelope per line')
    .addOption(new Option('--group <name>', 'the group (letters, digits, . _ -; at most 128)').argParser(groupName).makeOptionMandatory())
    .addOption(
      new Option(
        '--from <position>',
        "where a new group starts: trim-horizon, latest or an ISO time; ignored once the group exists (use 'devhub groups reset' to move it)",
      )
        .argParser(parsedBy(parsePosition))
        .default(parsePosition('trim-horizon'), 'trim-horizon'),
    )
    .option(
      '--follow',
      'keep reading (Ctrl-C stops: checkpoints, releases the leases, exits); without it, stops once every shard it reads is read to the tip',
    )
    .option('--meta', 'print {"shardId","sequenceNumber","envelope"} per record instead of the envelope')
    .addOption(
      new Option('--lease-ms <n>', 'lease duration: how soon another instance takes over from a dead one')
        .argParser(intIn(500, 3_600_000))
        .default(10_000),
    )
    .addOption(new Option('--batch-size <n>', 'records per read and per batch (default 500)').argParser(intIn(1, 10_000)))
    .addOption(new Option('--idle-ms <n>', 'pause between reads of a shard at its tip').argParser(intIn(10, 60_000)).hideHelp())
    .option('--instance <name>', "this instance's name in the lease table (default host-pid-random)")
    .option(
      '--efo <consumerArn>',
      "read through the group's enhanced fan-out consumer (SubscribeToShard); the stack output EventsConsumer<Group>Arn. AWS only: kinesalite has none",
    )
    .addHelpText(
      'after',
      `
Reads the built-in endpoint as the consumer group <name>, one JSON envelope per line on stdout,
and checkpoints after every batch it printed. Run it twice (or with backend instances using the
consumer library) and the group's shards are split between them; stop one and the other takes
its shards over. A group that ran before resumes after its last checkpoint. Lease changes and
checkpoints are logged on stderr.`,
    )
    .action((opts) => consume(hub, opts));
}

interface ConsumeOptions {
  group: string;
  from: StartPosition;
  follow?: true;
  meta?: true;
  leaseMs: number;
  batchSize?: number;
  idleMs?: number;
  instance?: string;
  efo?: string;
}

async function consume(hub: Hub, opts: ConsumeOptions): Promise<void> {
  const { group, from, leaseMs, batchSize, idleMs, instance: instanceId } = opts;
  const follow = opts.follow === true;
  const meta = opts.meta === true;
  // Applies the hub's AWS environment (the local emulators' endpoints) first.
  const clients = hub.aws();
  const consumerArn = opts.efo;
  if (consumerArn !== undefined && process.env.AWS_ENDPOINT_URL_KINESIS) {
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
    streamName: hub.context.resourceName('EVENTS_STREAM'),
    tableName: hub.context.resourceName('CHECKPOINTS_TABLE'),
    handler: async (batch) => {
      const lines = batch.records.map((r) =>
        JSON.stringify(meta ? { shardId: r.shardId, sequenceNumber: r.sequenceNumber, envelope: r.value } : r.value),
      );
      // Written (to the pipe) before the batch is checkpointed.
      await new Promise<void>((resolve, reject) => process.stdout.write(`${lines.join('\n')}\n`, (err) => (err ? reject(err) : resolve())));
    },
    onEvent,
    ...(consumerArn !== undefined && subscriber ? { kinesis: subscriber, enhancedFanOut: { consumerArn } } : {}),
    leaseMs,
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
        const tick = leaseMs / 3;
        // Caught up on every shard it reads; or it got none (another instance reads them all).
        if (status.length > 0 ? status.every((s) => s.caughtUp) : Date.now() - started > 3 * tick + 2000) break;
      }
    }
  } finally {
    await consumer.stop();
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    subscriber?.destroy();
  }
}
