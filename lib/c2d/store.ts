/**
 * What the command queue needs from storage. Every mutation is a conditional write on ONE item
 * (dynalite has no transactions, and one item is all DynamoDB can make atomic cheaply):
 *
 * - Each device has a "pending set": the sequence numbers of its commands that count against
 *   the depth limit. `reserve` adds one only while the set is smaller than the limit, so
 *   concurrent senders can never exceed it; `release` removes numbers and is idempotent, so a
 *   retry or the sweeper can repeat it safely.
 * - A command is live iff its record exists, is not Settled, AND its number is in the pending
 *   set. A sender writes the record first and reserves second: a crash in between leaves an
 *   orphan record that nobody delivers (and the sweeper deletes).
 * - A pending number without a record is "vanished": a settle that needed no feedback (a
 *   device's, or an expiry or purge the hub records) deletes the record first and releases
 *   second, and died in between. It is not live (nothing
 *   to deliver) but holds a depth slot until the device's next receive that scans past it, or
 *   a purge, releases it (both read the pending set BEFORE the records, and a number is only
 *   reserved after its record was written, so a number they do not find a record for is gone
 *   for good). Until then pendingCount() counts it and a send at the depth limit is refused;
 *   list() never shows it.
 * - Records change only through `replace(next, read)` and `removeIfVersion`: the version read
 *   makes every transition computed from a stale read fail instead of overwriting a newer state.
 */
import type { CommandRecord, FeedbackRecord } from './types';

/** A store's `insert` found the key taken. */
export class RecordExistsError extends Error {}

export interface QueueStore {
  /** A fresh sequence number for the device (an unconditional counter; gaps are harmless). */
  nextSequence(deviceId: string): Promise<number>;
  /** Writes a new record; throws RecordExistsError if the key is taken. */
  insert(record: CommandRecord): Promise<void>;
  /** Adds `sequenceNumber` to the pending set iff it holds fewer than `maxDepth`; false when full. */
  reserve(deviceId: string, sequenceNumber: number, maxDepth: number): Promise<boolean>;
  /** Removes numbers from the pending set (idempotent). */
  release(deviceId: string, sequenceNumbers: readonly number[]): Promise<void>;
  /** The pending set, ascending. */
  pending(deviceId: string): Promise<number[]>;
  /** The device's records with sequence number ≥ `from`, ascending, read in small pages, without bodies. */
  records(deviceId: string, from: number): AsyncIterable<CommandRecord>;
  /** One record with its body (strongly consistent). */
  get(deviceId: string, sequenceNumber: number): Promise<CommandRecord | undefined>;
  /**
   * Writes the mutable fields of `next` iff the stored version is `read.version`; returns the
   * stored record (with body) or undefined. `read` is the record `next` was computed from: the
   * same version has the same sweep time, so a store may skip re-writing an unchanged one.
   */
  replace(next: CommandRecord, read: Pick<CommandRecord, 'version' | 'sweepAtMs'>): Promise<CommandRecord | undefined>;
  /** Deletes a record iff the stored version is `expectedVersion` (or unconditionally when undefined); ignores a failed condition. */
  remove(deviceId: string, sequenceNumber: number, expectedVersion?: number): Promise<void>;
  /**
   * Deletes a record iff the stored version is `expectedVersion`; true iff THIS call deleted it.
   * A request retried after a lost response whose first attempt did the delete counts as this
   * call's. A store that cannot tell (DynamoDB: a retried request that finds no record) answers
   * true: wrong only if the first attempt was NOT applied and another writer removed the record
   * in the retry's backoff, which needs a network fault inside that window.
   */
  removeIfVersion(deviceId: string, sequenceNumber: number, expectedVersion: number): Promise<boolean>;
  /** Deletes the device's queue bookkeeping (after its records are gone). */
  dropDevice(deviceId: string): Promise<void>;
  /** Keys of records whose sweep time is ≤ nowMs, across all devices, oldest first per shard. */
  due(nowMs: number): AsyncIterable<{ deviceId: string; sequenceNumber: number }>;
}

/** Where feedback records go (the feedback SQS queue). */
export interface FeedbackSink {
  publish(records: readonly FeedbackRecord[]): Promise<void>;
}
