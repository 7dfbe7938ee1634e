/**
 * What the consumer needs from the outside world, as interfaces: the lease table and the
 * stream. Adapters: dynamoLeaseStore.ts (DynamoDB) and kinesisShardSource.ts (Kinesis).
 */
import type { GroupInfo, Lease, ShardInfo, StartPosition } from './types';

export interface LeaseStore {
  /** Creates the group's row if it does not exist; returns the stored one (its start position wins). */
  ensureGroup(info: GroupInfo): Promise<GroupInfo>;
  getGroup(group: string): Promise<GroupInfo | undefined>;
  listGroups(): Promise<{ group: GroupInfo; leases: Lease[] }[]>;
  leases(group: string): Promise<Lease[]>;
  /** Adds a shard's lease row unless it exists. */
  createLease(group: string, shardId: string, parentShardIds: string[]): Promise<void>;
  /** Takes a free or expired lease if it is still as observed; undefined when another instance won. */
  take(lease: Lease, me: string, expiresAt: number): Promise<Lease | undefined>;
  /** Extends an owned lease; throws LeaseLostError when another instance owns it now. */
  renew(group: string, shardId: string, me: string, expiresAt: number, lagMs: number | undefined): Promise<Lease>;
  /** Asks the owner to hand the lease over; false when it changed meanwhile. */
  requestTransfer(lease: Lease, me: string): Promise<boolean>;
  /** Gives an owned lease up (reserved for `reserveFor` until `until`, for a handoff). No-op if lost. */
  release(group: string, shardId: string, me: string, reserveFor?: { to: string; until: number }): Promise<void>;
  /** Records progress; throws LeaseLostError when this instance no longer owns the lease. */
  checkpoint(group: string, shardId: string, me: string, sequenceNumber: string): Promise<void>;
  /** Moves a group to a new start: every checkpoint and lease dropped. Throws UnknownGroupError. */
  reset(group: string, start: StartPosition, now: number): Promise<number>;
}

export type IteratorStart = { afterSequenceNumber: string } | StartPosition;

export interface RawRecord {
  sequenceNumber: string;
  partitionKey: string;
  arrivedAt: Date;
  data: Uint8Array;
}

export interface RecordsPage {
  records: RawRecord[];
  /** Absent once a closed shard has been read to its end. */
  nextIterator?: string;
  millisBehindLatest: number;
}

export interface ShardSource {
  listShards(): Promise<ShardInfo[]>;
  /** An iterator for a shard; `at-timestamp` records earlier than the time are filtered by `getRecords`' caller. */
  iterator(shardId: string, from: IteratorStart): Promise<string | undefined>;
  getRecords(iterator: string, limit: number): Promise<RecordsPage>;
  /** The worker is done with an iterator (a subscription to close, for enhanced fan-out). */
  release?(iterator: string): void;
}
