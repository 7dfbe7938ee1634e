/**
 * An in-memory QueueStore with the same single-item atomicity as DynamoDB's conditional
 * writes. It is the reference the unit and property tests run the queue against; every
 * method yields once before acting so that concurrent callers interleave as they would over
 * the network.
 */
import { RecordExistsError, type FeedbackSink, type QueueStore } from './store';
import type { CommandRecord, FeedbackRecord } from './types';

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A deep copy (structuredClone would turn the Buffer body into a plain Uint8Array). */
function copy(r: CommandRecord): CommandRecord {
  return { ...r, properties: { ...r.properties }, ...(r.body ? { body: Buffer.from(r.body) } : {}) };
}

export class MemoryStore implements QueueStore {
  private readonly devices = new Map<string, { nextSeq: number; pending: Set<number>; records: Map<number, CommandRecord> }>();

  private device(deviceId: string) {
    let d = this.devices.get(deviceId);
    if (!d) this.devices.set(deviceId, (d = { nextSeq: 0, pending: new Set(), records: new Map() }));
    return d;
  }

  async nextSequence(deviceId: string): Promise<number> {
    await tick();
    return ++this.device(deviceId).nextSeq;
  }

  async insert(record: CommandRecord): Promise<void> {
    await tick();
    const d = this.device(record.deviceId);
    if (d.records.has(record.sequenceNumber)) throw new RecordExistsError();
    d.records.set(record.sequenceNumber, copy(record));
  }

  async reserve(deviceId: string, sequenceNumber: number, maxDepth: number): Promise<boolean> {
    await tick();
    const d = this.device(deviceId);
    if (d.pending.size >= maxDepth) return false;
    d.pending.add(sequenceNumber);
    return true;
  }

  async release(deviceId: string, sequenceNumbers: readonly number[]): Promise<void> {
    await tick();
    for (const s of sequenceNumbers) this.device(deviceId).pending.delete(s);
  }

  async pending(deviceId: string): Promise<number[]> {
    await tick();
    return [...this.device(deviceId).pending].sort((a, b) => a - b);
  }

  async *records(deviceId: string, from: number): AsyncIterable<CommandRecord> {
    await tick();
    const keys = [...this.device(deviceId).records.keys()].filter((k) => k >= from).sort((a, b) => a - b);
    for (const k of keys) {
      const r = this.device(deviceId).records.get(k);
      if (!r) continue;
      const { body: _body, ...withoutBody } = copy(r);
      yield withoutBody;
    }
  }

  async get(deviceId: string, sequenceNumber: number): Promise<CommandRecord | undefined> {
    await tick();
    const r = this.device(deviceId).records.get(sequenceNumber);
    return r && copy(r);
  }

  async replace(next: CommandRecord, read: Pick<CommandRecord, 'version' | 'sweepAtMs'>): Promise<CommandRecord | undefined> {
    await tick();
    const d = this.device(next.deviceId);
    const stored = d.records.get(next.sequenceNumber);
    if (!stored || stored.version !== read.version) return undefined;
    const updated = { ...copy(next), ...(stored.body ? { body: stored.body } : {}) };
    d.records.set(next.sequenceNumber, updated);
    return copy(updated);
  }

  async remove(deviceId: string, sequenceNumber: number, expectedVersion?: number): Promise<void> {
    await tick();
    const d = this.device(deviceId);
    const stored = d.records.get(sequenceNumber);
    if (stored && (expectedVersion === undefined || stored.version === expectedVersion)) d.records.delete(sequenceNumber);
  }

  async removeIfVersion(deviceId: string, sequenceNumber: number, expectedVersion: number): Promise<boolean> {
    await tick();
    const d = this.device(deviceId);
    if (d.records.get(sequenceNumber)?.version !== expectedVersion) return false;
    d.records.delete(sequenceNumber);
    return true;
  }

  async dropDevice(deviceId: string): Promise<void> {
    await tick();
    // Like the DynamoDB store: the counter and pending set go; leftover records become orphans.
    const d = this.device(deviceId);
    d.pending.clear();
    d.nextSeq = 0;
  }

  async *due(nowMs: number): AsyncIterable<{ deviceId: string; sequenceNumber: number }> {
    await tick();
    const due: CommandRecord[] = [];
    for (const d of this.devices.values()) for (const r of d.records.values()) if (r.sweepAtMs <= nowMs) due.push(r);
    due.sort((a, b) => a.sweepAtMs - b.sweepAtMs);
    for (const r of due) yield { deviceId: r.deviceId, sequenceNumber: r.sequenceNumber };
  }

  /** Everything stored, for test assertions. */
  snapshot(deviceId: string): { pending: number[]; records: CommandRecord[] } {
    const d = this.device(deviceId);
    return { pending: [...d.pending].sort((a, b) => a - b), records: [...d.records.values()].map((r) => copy(r)) };
  }
}

/** Collects feedback in memory; `failNext` makes the next publishes throw (outbox tests). */
export class MemoryFeedback implements FeedbackSink {
  readonly published: FeedbackRecord[] = [];
  failNext = 0;

  async publish(records: readonly FeedbackRecord[]): Promise<void> {
    await tick();
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error('injected feedback failure');
    }
    this.published.push(...records);
  }
}
