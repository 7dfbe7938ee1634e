/**
 * The stream side for a group with enhanced fan-out: records are pushed over SubscribeToShard
 * through the group's registered stream consumer (its own 2 MB/s per shard) instead of polled
 * with GetRecords. It has the ShardSource shape, so the shard worker keeps everything else: the
 * same leases, checkpoints after the handler, ordering and at-least-once rules.
 *
 * An "iterator" here names a subscription the source keeps: where it continues from (the
 * ContinuationSequenceNumber of the last event) and records it received but did not hand out
 * yet (an event carries up to 10 000; the worker asks for `limit`). The next event is read only
 * when the worker asks for more (backpressure: HTTP/2 flow control holds the rest). AWS ends a
 * subscription after 5 minutes; the source then subscribes again from the continuation, as it
 * does after a retryable error (throttling, ResourceInUse while the previous subscription
 * closes, 5xx, a dropped connection). An event without a continuation ends a closed shard.
 *
 * The Kinesis client must speak HTTP/2 (the SDK's default handler does); kinesalite has no
 * SubscribeToShard, so this adapter is tested with a fake client (enhancedFanOutShardSource.test.ts).
 */
import {
  SubscribeToShardCommand,
  type KinesisClient,
  type StartingPosition,
  type SubscribeToShardEvent,
  type SubscribeToShardEventStream,
} from '@aws-sdk/client-kinesis';
import { backoffMs, isRetryable, sleep, type BackoffOptions } from './backoff';
import { KinesisShardSource, type KinesisShardSourceOptions } from './kinesisShardSource';
import type { IteratorStart, RawRecord, RecordsPage, ShardSource } from './ports';
import type { ShardInfo } from './types';

export interface EnhancedFanOutOptions {
  /** The group's registered consumer (stack output `EventsConsumer<Group>Arn`). */
  consumerArn: string;
  /** Retries of SubscribeToShard and of a failed subscription, in a row (default 8, 100 ms doubling to 5 s). */
  retry?: BackoffOptions & { attempts: number };
  /** Subscribe again after this long even if AWS did not end the subscription (default 5 minutes, AWS' limit). */
  maxSubscriptionMs?: number;
  /** Called when a subscription ends and another starts: `expired` (the 5-minute end) or `error`. */
  onResubscribe?: (shardId: string, reason: 'expired' | 'error', err?: unknown) => void;
  now?: () => number;
}

const DEFAULT_RETRY = { attempts: 8, baseMs: 100, maxMs: 5000 };
const FIVE_MINUTES = 5 * 60_000;

/** Also worth a new subscription: the previous one on the shard is still closing, or Kinesis failed inside the stream. */
const RESUBSCRIBE = new Set(['ResourceInUseException', 'InternalFailureException', 'KMSThrottlingException']);

interface Subscription {
  shardId: string;
  /** Where the next subscription starts: the continuation of the last event, or the initial position. */
  next: StartingPosition;
  events?: AsyncIterator<SubscribeToShardEventStream>;
  abort?: AbortController;
  startedAt: number;
  received: RawRecord[];
  millisBehindLatest: number;
  /** The shard is closed and every record of it was received. */
  shardEnded: boolean;
}

export class EnhancedFanOutShardSource implements ShardSource {
  private readonly polling: KinesisShardSource;
  private readonly subscriptions = new Map<string, Subscription>();
  private readonly byShard = new Map<string, string>();
  private readonly retry: BackoffOptions & { attempts: number };
  private readonly now: () => number;
  private counter = 0;

  constructor(
    private readonly kinesis: KinesisClient,
    streamName: string,
    private readonly o: EnhancedFanOutOptions,
    kinesisOptions: KinesisShardSourceOptions = {},
  ) {
    if (!/^arn:aws[\w-]*:kinesis:[^:]+:\d{12}:stream\/[^/]+\/consumer\/[^:]+:\d+$/.test(o.consumerArn))
      throw new Error(`not a Kinesis stream consumer ARN: ${o.consumerArn} (the stack output EventsConsumer<Group>Arn is one)`);
    this.polling = new KinesisShardSource(kinesis, streamName, kinesisOptions);
    this.retry = o.retry ?? DEFAULT_RETRY;
    this.now = o.now ?? Date.now;
  }

  /** The shard list comes from ListShards, as for polling groups. */
  listShards(): Promise<ShardInfo[]> {
    return this.polling.listShards();
  }

  async iterator(shardId: string, from: IteratorStart): Promise<string | undefined> {
    const previous = this.byShard.get(shardId);
    if (previous) this.release(previous);
    const id = `efo:${shardId}:${++this.counter}`;
    this.subscriptions.set(id, {
      shardId,
      next: startingPosition(from),
      startedAt: 0,
      received: [],
      millisBehindLatest: 0,
      shardEnded: false,
    });
    this.byShard.set(shardId, id);
    return id;
  }

  async getRecords(iterator: string, limit: number): Promise<RecordsPage> {
    const sub = this.subscriptions.get(iterator);
    if (!sub) throw Object.assign(new Error(`subscription ${iterator} is closed`), { name: 'ExpiredIteratorException' });
    if (sub.received.length === 0 && !sub.shardEnded) await this.receive(sub);
    const records = sub.received.splice(0, limit);
    const done = sub.shardEnded && sub.received.length === 0;
    if (done) this.release(iterator);
    return { records, millisBehindLatest: sub.millisBehindLatest, ...(done ? {} : { nextIterator: iterator }) };
  }

  /** Ends the subscription (the worker stopped, lost its lease, or moved on). */
  release(iterator: string): void {
    const sub = this.subscriptions.get(iterator);
    if (!sub) return;
    this.close(sub);
    this.subscriptions.delete(iterator);
    if (this.byShard.get(sub.shardId) === iterator) this.byShard.delete(sub.shardId);
  }

  /** Reads the next event into `sub.received` (possibly none: AWS sends empty events as heartbeats). */
  private async receive(sub: Subscription): Promise<void> {
    for (let failures = 0; ;) {
      try {
        if (sub.events && this.now() - sub.startedAt >= (this.o.maxSubscriptionMs ?? FIVE_MINUTES)) {
          this.close(sub);
          this.o.onResubscribe?.(sub.shardId, 'expired');
        }
        sub.events ??= await this.subscribe(sub);
        const r = await sub.events.next();
        if (r.done) {
          // AWS ends every subscription after 5 minutes: continue where it stopped.
          this.close(sub);
          this.o.onResubscribe?.(sub.shardId, 'expired');
          continue;
        }
        this.accept(sub, eventOf(r.value));
        return;
      } catch (err) {
        this.close(sub);
        failures++;
        if (failures >= this.retry.attempts || !(isRetryable(err) || RESUBSCRIBE.has((err as Error).name))) throw err;
        this.o.onResubscribe?.(sub.shardId, 'error', err);
        await sleep(backoffMs(failures, this.retry));
      }
    }
  }

  private async subscribe(sub: Subscription): Promise<AsyncIterator<SubscribeToShardEventStream>> {
    const abort = new AbortController();
    // Failures are retried by receive(), which subscribes again from the same position.
    const out = await this.kinesis.send(
      new SubscribeToShardCommand({ ConsumerARN: this.o.consumerArn, ShardId: sub.shardId, StartingPosition: sub.next }),
      { abortSignal: abort.signal },
    );
    if (!out.EventStream) throw new Error(`SubscribeToShard ${sub.shardId}: no event stream in the answer`);
    sub.abort = abort;
    sub.startedAt = this.now();
    return out.EventStream[Symbol.asyncIterator]();
  }

  private accept(sub: Subscription, event: SubscribeToShardEvent): void {
    const records = (event.Records ?? []).map((r) => ({
      sequenceNumber: r.SequenceNumber ?? '',
      partitionKey: r.PartitionKey ?? '',
      arrivedAt: r.ApproximateArrivalTimestamp ?? new Date(0),
      data: r.Data ?? new Uint8Array(),
    }));
    sub.received.push(...records);
    sub.millisBehindLatest = event.MillisBehindLatest ?? 0;
    if (event.ContinuationSequenceNumber) {
      sub.next = { Type: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: event.ContinuationSequenceNumber };
    } else {
      // No continuation: the shard is closed (split or merge) and this was its last event.
      sub.shardEnded = true;
      this.close(sub);
    }
  }

  private close(sub: Subscription): void {
    sub.abort?.abort();
    void sub.events?.return?.().catch(() => undefined);
    delete sub.events;
    delete sub.abort;
  }
}

function startingPosition(from: IteratorStart): StartingPosition {
  if ('afterSequenceNumber' in from) return { Type: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: from.afterSequenceNumber };
  if (from.type === 'trim-horizon') return { Type: 'TRIM_HORIZON' };
  if (from.type === 'latest') return { Type: 'LATEST' };
  return { Type: 'AT_TIMESTAMP', Timestamp: from.time };
}

/** The event of a stream item; an exception item is thrown as the error it names. */
function eventOf(item: SubscribeToShardEventStream): SubscribeToShardEvent {
  if (item.SubscribeToShardEvent) return item.SubscribeToShardEvent;
  const [name, value] = Object.entries(item).find(([, v]) => v !== undefined) ?? ['UnknownEvent', {}];
  const message = (value as { message?: string }).message ?? name;
  throw Object.assign(new Error(`SubscribeToShard: ${name}: ${message}`), { name });
}
