/**
 * Reads one leased shard: fetch a page, hand it to the handler, checkpoint, repeat. The next
 * page is fetched only after the handler finished (backpressure). A failed handler gets the
 * same records again after a backoff, never checkpointed past them. Nothing is handed to the
 * handler unless the lease is valid.
 */
import { backoffMs, sleep, withRetries, type BackoffOptions } from './backoff';
import { LeaseLostError } from './errors';
import type { IteratorStart, LeaseStore, RawRecord, ShardSource } from './ports';
import {
  SHARD_END,
  type Batch,
  type BatchHandler,
  type ConsumedRecord,
  type ConsumerEvent,
  type ShardStatus,
  type StartPosition,
} from './types';

export type WorkerEnd = 'finished' | 'stopped' | 'lost';

export interface ShardWorkerOptions<T> {
  group: string;
  shardId: string;
  me: string;
  source: ShardSource;
  store: LeaseStore;
  /** The group's start position, used when the lease has no checkpoint. */
  start: StartPosition;
  checkpoint?: string;
  handler: BatchHandler<T>;
  decode: (data: Uint8Array) => T;
  batchSize: number;
  idleMs: number;
  handlerRetry: BackoffOptions;
  storeRetry: BackoffOptions & { attempts: number };
  /** True while this instance holds the lease (checked before every delivery). */
  leaseValid: () => boolean;
  emit: (e: ConsumerEvent) => void;
}

export class ShardWorker<T> {
  private stopping = false;
  private readonly wake = new AbortController();
  private readonly lease = new AbortController();
  /** The current iterator (for enhanced fan-out: a subscription), released when the worker ends. */
  private iterator: string | undefined;
  readonly status: ShardStatus;

  constructor(private readonly o: ShardWorkerOptions<T>) {
    this.status = {
      shardId: o.shardId,
      millisBehindLatest: 0,
      recordsDelivered: 0,
      caughtUp: false,
      handlerFailures: 0,
      ...(o.checkpoint ? { checkpoint: o.checkpoint } : {}),
    };
  }

  /** Finish the current batch (and checkpoint it), then end. */
  stop(): void {
    this.stopping = true;
    this.wake.abort();
  }

  /** The lease is gone: tell the handler and end without checkpointing. */
  abort(): void {
    this.stopping = true;
    this.lease.abort();
    this.wake.abort();
  }

  async run(): Promise<WorkerEnd> {
    try {
      return await this.read();
    } finally {
      if (this.iterator) this.o.source.release?.(this.iterator);
    }
  }

  private async read(): Promise<WorkerEnd> {
    const o = this.o;
    let position: IteratorStart = o.checkpoint ? { afterSequenceNumber: o.checkpoint } : o.start;
    // AT_TIMESTAMP may fall back to TRIM_HORIZON (kinesalite): drop what came before the time.
    const notBefore = !o.checkpoint && o.start.type === 'at-timestamp' ? o.start.time.getTime() : undefined;
    let failures = 0;
    while (!this.stopping) {
      if (!o.leaseValid()) return 'lost';
      let page;
      try {
        this.iterator ??= await o.source.iterator(o.shardId, position);
        if (!this.iterator) return await this.finish();
        page = await o.source.getRecords(this.iterator, o.batchSize);
        failures = 0;
      } catch (err) {
        // Expired iterator, or the stream failing past the retries: start again from the position.
        if (this.iterator) o.source.release?.(this.iterator);
        this.iterator = undefined;
        failures++;
        o.emit({ type: 'error', where: `read ${o.shardId}`, error: err as Error });
        await sleep(backoffMs(failures, { baseMs: 200, maxMs: 5000 }), this.wake.signal);
        continue;
      }
      const raw = page.records.filter((r) => notBefore === undefined || r.arrivedAt.getTime() >= notBefore);
      const last = page.records[page.records.length - 1];
      this.status.millisBehindLatest = Math.max(page.millisBehindLatest, last ? Date.now() - last.arrivedAt.getTime() : 0);
      if (raw.length > 0) {
        const end = await this.deliver(raw, page.millisBehindLatest);
        if (end) return end;
      }
      if (last) position = { afterSequenceNumber: last.sequenceNumber };
      this.iterator = page.nextIterator;
      if (!this.iterator) return await this.finish();
      o.emit({
        type: 'lag',
        shardId: o.shardId,
        millisBehindLatest: this.status.millisBehindLatest,
        recordsDelivered: this.status.recordsDelivered,
      });
      this.status.caughtUp = page.records.length === 0 && page.millisBehindLatest === 0;
      if (page.records.length === 0) await sleep(o.idleMs, this.wake.signal);
    }
    return 'stopped';
  }

  private decode(raw: RawRecord[]): ConsumedRecord<T>[] {
    const out: ConsumedRecord<T>[] = [];
    for (const r of raw) {
      try {
        out.push({
          shardId: this.o.shardId,
          sequenceNumber: r.sequenceNumber,
          partitionKey: r.partitionKey,
          arrivedAt: r.arrivedAt,
          value: this.o.decode(r.data),
        });
      } catch (err) {
        this.o.emit({ type: 'decode-error', shardId: this.o.shardId, sequenceNumber: r.sequenceNumber, error: err as Error });
      }
    }
    return out;
  }

  /** Hands the records to the handler until it succeeds, then checkpoints; an end when the worker must stop. */
  private async deliver(raw: RawRecord[], millisBehindLatest: number): Promise<WorkerEnd | undefined> {
    const o = this.o;
    const lastSeq = raw[raw.length - 1]?.sequenceNumber ?? '';
    let records = this.decode(raw);
    let checkpointed: string | undefined;
    for (let attempt = 1; records.length > 0; attempt++) {
      if (!o.leaseValid() || this.lease.signal.aborted) return 'lost';
      const batch: Batch<T> = { shardId: o.shardId, records, millisBehindLatest };
      const ctx = {
        signal: this.lease.signal,
        checkpoint: async (record?: ConsumedRecord<T>) => {
          const seq = record?.sequenceNumber ?? records[records.length - 1]?.sequenceNumber;
          if (seq === undefined || !records.some((r) => r.sequenceNumber === seq))
            throw new Error('checkpoint(record): the record is not in this batch');
          await this.checkpoint(seq);
          checkpointed = seq;
        },
      };
      try {
        await o.handler(batch, ctx);
        this.status.recordsDelivered += records.length;
        break;
      } catch (err) {
        if (err instanceof LeaseLostError) return 'lost';
        this.status.handlerFailures++;
        const retryInMs = backoffMs(attempt, o.handlerRetry);
        o.emit({ type: 'handler-error', shardId: o.shardId, attempt, error: err as Error, retryInMs });
        // Records the handler checkpointed itself are done; the rest come again.
        if (checkpointed !== undefined) {
          const done = records.findIndex((r) => r.sequenceNumber === checkpointed);
          records = records.slice(done + 1);
        }
        await sleep(retryInMs, this.wake.signal);
        if (this.stopping) return this.lease.signal.aborted ? 'lost' : 'stopped';
      }
    }
    try {
      await this.checkpoint(lastSeq);
    } catch (err) {
      if (err instanceof LeaseLostError) return 'lost';
      throw err;
    }
    return undefined;
  }

  /** Writes a checkpoint, retrying while the lease holds; LeaseLostError when it does not. */
  private async checkpoint(sequenceNumber: string): Promise<void> {
    const o = this.o;
    for (let attempt = 1; ; attempt++) {
      if (!o.leaseValid()) throw new LeaseLostError(o.shardId);
      try {
        await withRetries(() => o.store.checkpoint(o.group, o.shardId, o.me, sequenceNumber), o.storeRetry);
        this.status.checkpoint = sequenceNumber;
        this.status.lastSequenceNumber = sequenceNumber;
        o.emit({ type: 'checkpoint', shardId: o.shardId, sequenceNumber });
        return;
      } catch (err) {
        if (err instanceof LeaseLostError) throw err;
        o.emit({ type: 'error', where: `checkpoint ${o.shardId}`, error: err as Error });
        await sleep(backoffMs(attempt, { baseMs: 200, maxMs: 2000 }));
      }
    }
  }

  private async finish(): Promise<WorkerEnd> {
    try {
      await this.checkpoint(SHARD_END);
    } catch (err) {
      if (err instanceof LeaseLostError) return 'lost';
      throw err;
    }
    this.o.emit({ type: 'shard-finished', shardId: this.o.shardId });
    return 'finished';
  }
}
