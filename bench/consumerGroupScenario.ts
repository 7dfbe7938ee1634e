/**
 * Scenario 9: a consumer group (consumer/) reading a 2-shard stream in the same kinesalite.
 *   - ceiling: raw GetRecords (Limit 10 000) draining a backlog, records/s per shard;
 *   - the group draining the same backlog with a no-op handler (checkpoint per batch), records/s per shard;
 *   - the group at steady input rates: records/s delivered per shard and the lag it holds
 *     (handler time minus the record's arrival time), p50/p99/max.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  CreateStreamCommand,
  DeleteStreamCommand,
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  ListShardsCommand,
  PutRecordsCommand,
} from '@aws-sdk/client-kinesis';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { randomBytes } from 'node:crypto';
import { createConsumer } from '../consumer';

export interface GroupBenchResult {
  shards: number;
  backlog: number;
  ceilingPerShard: number;
  drainPerShard: number;
  steady: {
    offeredPerSecond: number;
    /** What the writer achieved (PutRecords of up to 500 into the same kinesalite). */
    writtenPerSecond: number;
    /** Records delivered to the handler per second of the step, per shard (the step's tail included). */
    deliveredPerShard: number[];
    deliveredOfWritten: number;
    lagMs: { p50: number; p99: number; max: number };
  }[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function percentile(sorted: number[], p: number): number {
  return sorted.length === 0 ? 0 : (sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0);
}

async function fill(k: KinesisClient, stream: string, count: number, payload: Buffer): Promise<void> {
  for (let i = 0; i < count; i += 500) {
    const n = Math.min(500, count - i);
    await k.send(
      new PutRecordsCommand({
        StreamName: stream,
        Records: Array.from({ length: n }, (_, j) => ({ PartitionKey: `dev-${(i + j) % 97}`, Data: payload })),
      }),
    );
  }
}

export async function consumerGroupScenario(
  tableName: string,
  o: { backlog: number; rates: number[]; seconds: number },
): Promise<GroupBenchResult> {
  const k = new KinesisClient({ requestHandler: new NodeHttpHandler() });
  const raw = new DynamoDBClient({ requestHandler: new NodeHttpHandler() });
  const dynamo = DynamoDBDocumentClient.from(raw);
  const stream = `bench-group-${randomBytes(3).toString('hex')}`;
  const shards = 2;
  const payload = Buffer.alloc(1024, 'x');
  try {
    await k.send(new CreateStreamCommand({ StreamName: stream, ShardCount: shards }));
    while ((await k.send(new DescribeStreamSummaryCommand({ StreamName: stream }))).StreamDescriptionSummary?.StreamStatus !== 'ACTIVE')
      await sleep(50);
    await fill(k, stream, o.backlog, payload);

    // Ceiling: raw GetRecords over each shard, one after the other.
    const ids = ((await k.send(new ListShardsCommand({ StreamName: stream }))).Shards ?? []).map((s) => s.ShardId ?? '');
    const rates: number[] = [];
    for (const shardId of ids) {
      let it = (await k.send(new GetShardIteratorCommand({ StreamName: stream, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' })))
        .ShardIterator;
      let n = 0;
      const t0 = Date.now();
      while (it) {
        const out = await k.send(new GetRecordsCommand({ ShardIterator: it, Limit: 10_000 }));
        n += out.Records?.length ?? 0;
        if ((out.Records?.length ?? 0) === 0) break;
        it = out.NextShardIterator;
      }
      rates.push(n / ((Date.now() - t0) / 1000));
    }
    const ceilingPerShard = Math.round(rates.reduce((a, b) => a + b, 0) / rates.length);

    // The group drains the same backlog.
    const perShard = new Map<string, number>();
    let lags: number[] = [];
    const consumer = createConsumer<null>({
      group: `bench-${randomBytes(3).toString('hex')}`,
      kinesis: k,
      dynamo,
      streamName: stream,
      tableName,
      batchSize: 1000,
      idleMs: 200,
      decode: () => null,
      handler: async (batch) => {
        perShard.set(batch.shardId, (perShard.get(batch.shardId) ?? 0) + batch.records.length);
        const now = Date.now();
        for (const r of batch.records) lags.push(now - r.arrivedAt.getTime());
      },
    });
    const t0 = Date.now();
    await consumer.start();
    while ([...perShard.values()].reduce((a, b) => a + b, 0) < o.backlog) await sleep(20);
    const drainSeconds = (Date.now() - t0) / 1000;
    const drainPerShard = Math.round(o.backlog / drainSeconds / shards);

    const steady: GroupBenchResult['steady'] = [];
    for (const rate of o.rates) {
      perShard.clear();
      lags = [];
      const started = Date.now();
      let sent = 0;
      // Open loop: every 100 ms, what is due by then.
      while (Date.now() - started < o.seconds * 1000) {
        const due = Math.floor(((Date.now() - started) / 1000) * rate);
        if (due > sent) {
          await fill(k, stream, due - sent, payload);
          sent = due;
        }
        await sleep(100);
      }
      const sendSeconds = (Date.now() - started) / 1000;
      // The tail of the step: until what was written is delivered (at most 10 s).
      const tailUntil = Date.now() + 10_000;
      while ([...perShard.values()].reduce((a, b) => a + b, 0) < sent && Date.now() < tailUntil) await sleep(50);
      const sorted = [...lags].sort((a, b) => a - b);
      const delivered = [...perShard.values()].reduce((a, b) => a + b, 0);
      steady.push({
        offeredPerSecond: rate,
        writtenPerSecond: Math.round(sent / sendSeconds),
        deliveredPerShard: ids.map((id) => Math.round((perShard.get(id) ?? 0) / sendSeconds)),
        deliveredOfWritten: sent === 0 ? 0 : Math.round((delivered / sent) * 1000) / 1000,
        lagMs: { p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted[sorted.length - 1] ?? 0 },
      });
    }
    await consumer.stop();
    return { shards, backlog: o.backlog, ceilingPerShard, drainPerShard, steady };
  } finally {
    await k.send(new DeleteStreamCommand({ StreamName: stream })).catch(() => undefined);
    k.destroy();
    raw.destroy();
  }
}
