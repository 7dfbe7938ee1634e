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
  /**
   * Per shard, the last sequence number read: updated as records are yielded; a shard found here
   * is read from after it instead of `from` (to resume after an error, e.g. Kinesis restarting).
   */
  positions?: Map<string, string>;
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
    const after = opts.positions?.get(shard.ShardId);
    iterators.set(
      shard.ShardId,
      after === undefined
        ? await shardIterator(kinesis, streamName, shard.ShardId, opts.from)
        : (
            await kinesis.send(
              new GetShardIteratorCommand({
                StreamName: streamName,
                ShardId: shard.ShardId,
                ShardIteratorType: 'AFTER_SEQUENCE_NUMBER',
                StartingSequenceNumber: after,
              }),
            )
          ).ShardIterator,
    );
  }
  yield* readIterators(kinesis, iterators, opts);
}

async function shardIterator(
  kinesis: KinesisClient,
  streamName: string,
  shardId: string,
  from: StartPosition,
): Promise<string | undefined> {
  const request = (type: ShardIteratorType, signal?: AbortSignal) =>
    kinesis.send(
      new GetShardIteratorCommand({
        StreamName: streamName,
        ShardId: shardId,
        ShardIteratorType: type,
        ...(type === 'AT_TIMESTAMP' && from.type === 'at-timestamp' ? { Timestamp: from.time } : {}),
      }),
      signal ? { abortSignal: signal } : {},
    );
  if (from.type !== 'at-timestamp') return (await request(ITERATOR_TYPE[from.type])).ShardIterator;
  // kinesalite never answers AT_TIMESTAMP when no record in the shard is that recent. In that
  // case every future record is later than the timestamp, so LATEST is the same position.
  try {
    return (await request('AT_TIMESTAMP', AbortSignal.timeout(2000))).ShardIterator;
  } catch (err) {
    if ((err as Error).name !== 'AbortError' && (err as Error).name !== 'TimeoutError') throw err;
    return (await request('LATEST')).ShardIterator;
  }
}

/** A position in every shard: take it before acting, read what arrived after. */
export class StreamCursor {
  private constructor(
    private readonly kinesis: KinesisClient,
    private readonly iterators: Map<string, string | undefined>,
  ) {}

  static async latest(kinesis: KinesisClient, streamName: string): Promise<StreamCursor> {
    const shards = (await kinesis.send(new ListShardsCommand({ StreamName: streamName }))).Shards ?? [];
    const iterators = new Map<string, string | undefined>();
    for (const shard of shards) {
      if (shard.ShardId) iterators.set(shard.ShardId, await shardIterator(kinesis, streamName, shard.ShardId, { type: 'latest' }));
    }
    return new StreamCursor(kinesis, iterators);
  }

  /** Every record that arrived since the last call (one pass over all shards). */
  async next(): Promise<_Record[]> {
    const out: _Record[] = [];
    for await (const r of readIterators(this.kinesis, this.iterators, { from: { type: 'latest' } })) out.push(r);
    return out;
  }
}

async function* readIterators(
  kinesis: KinesisClient,
  iterators: Map<string, string | undefined>,
  opts: ReadOptions,
): AsyncGenerator<_Record> {
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
        if (record.SequenceNumber) opts.positions?.set(shardId, record.SequenceNumber);
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
