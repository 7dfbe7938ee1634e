/**
 * Reads every shard of a Kinesis stream from a starting point: what `devhub tail` and the
 * tests use to see the built-in endpoint exactly as any Kinesis consumer would.
 */
import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListShardsCommand,
  type KinesisClient,
  type ShardIteratorType,
  type _Record,
} from '@aws-sdk/client-kinesis';

export type StartPosition = { type: 'trim-horizon' } | { type: 'latest' } | { type: 'at-timestamp'; time: Date };

export function parseStartPosition(value: string | undefined): StartPosition {
  if (value === undefined || value === 'trim-horizon') return { type: 'trim-horizon' };
  if (value === 'latest') return { type: 'latest' };
  const time = new Date(value);
  if (Number.isNaN(time.getTime())) throw new Error(`--from must be trim-horizon, latest or an ISO time, got "${value}"`);
  return { type: 'at-timestamp', time };
}

export interface ReadOptions {
  from: StartPosition;
  /** Stop after this many records (across shards). */
  limit?: number;
  /** Keep polling for new records until `signal` aborts. */
  follow?: boolean;
  signal?: AbortSignal;
  pollMs?: number;
}

const ITERATOR_TYPE: Record<StartPosition['type'], ShardIteratorType> = {
  'trim-horizon': 'TRIM_HORIZON',
  latest: 'LATEST',
  'at-timestamp': 'AT_TIMESTAMP',
};

export async function* readStream(kinesis: KinesisClient, streamName: string, opts: ReadOptions): AsyncGenerator<_Record> {
  const shards = (await kinesis.send(new ListShardsCommand({ StreamName: streamName }))).Shards ?? [];
  const iterators = new Map<string, string | undefined>();
  for (const shard of shards) {
    if (!shard.ShardId) continue;
    const out = await kinesis.send(
      new GetShardIteratorCommand({
        StreamName: streamName,
        ShardId: shard.ShardId,
        ShardIteratorType: ITERATOR_TYPE[opts.from.type],
        ...(opts.from.type === 'at-timestamp' ? { Timestamp: opts.from.time } : {}),
      }),
    );
    iterators.set(shard.ShardId, out.ShardIterator);
  }
  let delivered = 0;
  for (;;) {
    let sawAny = false;
    let behind = false;
    for (const [shardId, iterator] of iterators) {
      if (!iterator) continue;
      const out = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }));
      iterators.set(shardId, out.NextShardIterator);
      if ((out.MillisBehindLatest ?? 0) > 0) behind = true;
      for (const record of out.Records ?? []) {
        sawAny = true;
        yield record;
        delivered++;
        if (opts.limit !== undefined && delivered >= opts.limit) return;
      }
    }
    if (opts.signal?.aborted) return;
    if (!sawAny && !behind) {
      if (!opts.follow) return;
      await new Promise((r) => setTimeout(r, opts.pollMs ?? 500));
      if (opts.signal?.aborted) return;
    }
  }
}

export function decodeRecord<T = unknown>(record: _Record): T {
  return JSON.parse(Buffer.from(record.Data ?? new Uint8Array()).toString('utf8')) as T;
}
