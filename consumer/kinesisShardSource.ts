/**
 * The stream side: shard listing, iterators and GetRecords on Kinesis (kinesalite locally),
 * with bounded retries and backoff on throttling. The client is the caller's (locally it
 * needs a NodeHttpHandler: kinesalite does not speak HTTP/2).
 */
import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListShardsCommand,
  type KinesisClient,
  type ListShardsCommandOutput,
  type ShardIteratorType,
} from '@aws-sdk/client-kinesis';
import { withRetries, type BackoffOptions } from './backoff';
import type { IteratorStart, RecordsPage, ShardSource } from './ports';
import type { ShardInfo } from './types';

export interface KinesisShardSourceOptions {
  retry?: BackoffOptions & { attempts: number };
  /** Called on every retried call (throttling, 5xx). */
  onRetry?: (operation: string, err: unknown, attempt: number, delayMs: number) => void;
  /**
   * How long to wait for an AT_TIMESTAMP iterator. kinesalite never answers one when the shard
   * has no record that recent; the source then reads from TRIM_HORIZON instead and the caller
   * drops records before the time (same records, no gap).
   */
  atTimestampTimeoutMs?: number;
}

const DEFAULT_RETRY = { attempts: 8, baseMs: 100, maxMs: 5000 };

export class KinesisShardSource implements ShardSource {
  private readonly retry: BackoffOptions & { attempts: number };

  constructor(
    private readonly kinesis: KinesisClient,
    private readonly streamName: string,
    private readonly o: KinesisShardSourceOptions = {},
  ) {
    this.retry = o.retry ?? DEFAULT_RETRY;
  }

  private call<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    return withRetries(fn, { ...this.retry, onRetry: (err, attempt, delay) => this.o.onRetry?.(operation, err, attempt, delay) });
  }

  async listShards(): Promise<ShardInfo[]> {
    const shards: ShardInfo[] = [];
    let next: string | undefined;
    do {
      const token = next;
      const out: ListShardsCommandOutput = await this.call('ListShards', () =>
        this.kinesis.send(new ListShardsCommand(token ? { NextToken: token } : { StreamName: this.streamName })),
      );
      for (const s of out.Shards ?? []) {
        if (!s.ShardId) continue;
        shards.push({
          shardId: s.ShardId,
          parentShardIds: [s.ParentShardId, s.AdjacentParentShardId].filter((p): p is string => typeof p === 'string'),
          closed: s.SequenceNumberRange?.EndingSequenceNumber !== undefined,
        });
      }
      next = out.NextToken;
    } while (next);
    return shards;
  }

  async iterator(shardId: string, from: IteratorStart): Promise<string | undefined> {
    const send = (type: ShardIteratorType, extra: Record<string, unknown> = {}, signal?: AbortSignal) =>
      this.call('GetShardIterator', () =>
        this.kinesis.send(
          new GetShardIteratorCommand({ StreamName: this.streamName, ShardId: shardId, ShardIteratorType: type, ...extra }),
          signal ? { abortSignal: signal } : {},
        ),
      );
    if ('afterSequenceNumber' in from)
      return (await send('AFTER_SEQUENCE_NUMBER', { StartingSequenceNumber: from.afterSequenceNumber })).ShardIterator;
    if (from.type === 'trim-horizon') return (await send('TRIM_HORIZON')).ShardIterator;
    if (from.type === 'latest') return (await send('LATEST')).ShardIterator;
    try {
      return (await send('AT_TIMESTAMP', { Timestamp: from.time }, AbortSignal.timeout(this.o.atTimestampTimeoutMs ?? 2000))).ShardIterator;
    } catch (err) {
      if ((err as Error).name !== 'AbortError' && (err as Error).name !== 'TimeoutError') throw err;
      return (await send('TRIM_HORIZON')).ShardIterator;
    }
  }

  async getRecords(iterator: string, limit: number): Promise<RecordsPage> {
    const out = await this.call('GetRecords', () => this.kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: limit })));
    return {
      records: (out.Records ?? []).map((r) => ({
        sequenceNumber: r.SequenceNumber ?? '',
        partitionKey: r.PartitionKey ?? '',
        arrivedAt: r.ApproximateArrivalTimestamp ?? new Date(0),
        data: r.Data ?? new Uint8Array(),
      })),
      ...(out.NextShardIterator ? { nextIterator: out.NextShardIterator } : {}),
      millisBehindLatest: out.MillisBehindLatest ?? 0,
    };
  }
}
