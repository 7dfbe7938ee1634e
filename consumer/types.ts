/**
 * The public shapes of the consumer-group library: positions, leases, batches, events.
 * Pure types; no AWS.
 */
import type { Envelope } from '../lib/envelope';

/** Where a new group (or a reset) starts reading each shard. */
export type StartPosition = { type: 'trim-horizon' } | { type: 'latest' } | { type: 'at-timestamp'; time: Date };

/** The checkpoint value of a shard read to its end (closed by a split or merge). */
export const SHARD_END = 'SHARD_END';

/** One shard as the stream lists it (ids of parents for the ones a split or merge created). */
export interface ShardInfo {
  shardId: string;
  parentShardIds: string[];
  /** Set once the shard is closed (resharding): it gets no new records. */
  closed: boolean;
}

/** One row of the lease table: who reads a shard for a group, until when, and how far it got. */
export interface Lease {
  group: string;
  shardId: string;
  owner?: string;
  /** Wall-clock ms; the lease is free once this has passed. */
  expiresAt: number;
  /** Bumped by every take, renew and release: the fencing token for conditional writes. */
  counter: number;
  /** Last sequence number processed, or SHARD_END; absent: start from the group's position. */
  checkpoint?: string;
  parentShardIds: string[];
  /** An instance asked the owner to hand the lease over (balancing). */
  transferTo?: string;
  /** Last lag the owner reported, and when. */
  lagMs?: number;
  lagAt?: number;
}

export interface GroupInfo {
  group: string;
  streamName: string;
  start: StartPosition;
  createdAt: number;
}

/** A record as the handler gets it. */
export interface ConsumedRecord<T = Envelope> {
  shardId: string;
  sequenceNumber: string;
  partitionKey: string;
  arrivedAt: Date;
  /** The decoded record (the hub's envelope, by default). */
  value: T;
}

export interface Batch<T = Envelope> {
  shardId: string;
  records: ConsumedRecord<T>[];
  /** How far this batch is behind the tip of its shard (ms). */
  millisBehindLatest: number;
}

export interface BatchContext<T = Envelope> {
  /**
   * Records progress mid-batch: everything up to and including `record` (default: the last
   * record of the batch) is done. The batch is checkpointed anyway when the handler returns.
   */
  checkpoint(record?: ConsumedRecord<T>): Promise<void>;
  /** Aborted when this instance loses the shard's lease or stops: finish up quickly. */
  signal: AbortSignal;
}

export type BatchHandler<T = Envelope> = (batch: Batch<T>, ctx: BatchContext<T>) => Promise<void>;

/** What a consumer reports as it works (wire it to your logs and metrics). */
export type ConsumerEvent =
  | { type: 'lease-taken'; shardId: string; stolenFrom?: string }
  | { type: 'lease-lost'; shardId: string; reason: string }
  | { type: 'lease-released'; shardId: string }
  | { type: 'transfer-requested'; shardId: string; from: string }
  | { type: 'checkpoint'; shardId: string; sequenceNumber: string }
  | { type: 'shard-finished'; shardId: string }
  | { type: 'lag'; shardId: string; millisBehindLatest: number; recordsDelivered: number }
  | { type: 'handler-error'; shardId: string; attempt: number; error: Error; retryInMs: number }
  | { type: 'decode-error'; shardId: string; sequenceNumber: string; error: Error }
  | { type: 'error'; where: string; error: Error }
  /** Enhanced fan-out: a subscription ended (`expired`: AWS' 5-minute end; `error`: retried) and the next one continues from it. */
  | { type: 'resubscribed'; shardId: string; reason: 'expired' | 'error'; error?: Error };

export interface ShardStatus {
  shardId: string;
  lastSequenceNumber?: string;
  checkpoint?: string;
  millisBehindLatest: number;
  recordsDelivered: number;
  handlerFailures: number;
  /** The last read found nothing new: the shard is read up to its tip. */
  caughtUp: boolean;
}
