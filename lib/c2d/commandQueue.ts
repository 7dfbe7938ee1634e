/**
 * Per-device command queues: the state machine (stateMachine.ts) driven over a QueueStore
 * (store.ts). No AWS here; correctness rests only on the store's single-item conditional
 * writes, never on timing:
 * - a receive locks a record only if its version is still the one it read, so two receivers
 *   can never both lock it; the loser moves on to the next message;
 * - a device's complete/reject/abandon applies only to the record version holding its token;
 * - a final outcome someone gets feedback for is first recorded in the record (Settled, feedback
 *   due), then the depth slot is released, feedback published and the record deleted: a crash
 *   anywhere in that outbox leaves a Settled record in the sweep index, and the sweeper finishes it;
 * - a final outcome nobody gets feedback for (the default ack none; a device's settle, an expiry
 *   or a purge alike) skips the outbox: the record is deleted on the version read, then the slot
 *   released. A crash in between leaves a pending number without a record, which the device's
 *   next receive or a purge releases (store.ts); nothing is lost, as nothing was left to do but
 *   give the slot back.
 * Cost per operation is one device's pending set plus the records in front of the first
 * visible one (bounded by the queue depth), independent of the number of devices.
 */
import { log, errorFields } from '../log';
import { metrics, type Transport } from '../metrics';
import { LockLostError, QueueDepthExceededError, StaleDeviceError } from './errors';
import { lockTokenSequence, newLockToken } from './lockToken';
import { deviceAction, enqueue, feedbackRecord, lock, settle, settledOutcome, sweepAction, view, type DeviceAction } from './stateMachine';
import { RecordExistsError, type FeedbackSink, type QueueStore } from './store';
import type { CommandContent, CommandRecord, FeedbackStatus, QueueLimits } from './types';

export interface DeviceRef {
  deviceId: string;
  generationId: string;
}

export interface PendingCommand {
  messageId: string;
  sequenceNumber: number;
  /** Enqueued (visible), Invisible (locked by a receiver), Expiring (dead, settled by the next read or sweep). */
  state: 'Enqueued' | 'Invisible' | 'Expiring';
  deliveryCount: number;
  ack: string;
  enqueuedTime: string;
  expiryTime: string;
  correlationId?: string;
}

export interface SweepReport {
  examined: number;
  settled: number;
  finished: number;
  orphansRemoved: number;
  failed: number;
}

export interface CommandQueueOptions {
  now?: () => number;
  lockToken?: (sequenceNumber: number) => string;
  /** An unreserved record younger than this may be a send in progress; older ones are orphans. */
  orphanGraceMs?: number;
  /**
   * The device's current generation read from the registry (strongly consistent, never cached),
   * or undefined when no such device exists. Consulted only when a record's generation differs
   * from the receiver's. Without it such records are left alone, never purged.
   */
  currentGeneration?: (deviceId: string) => Promise<string | undefined>;
}

const INSERT_ATTEMPTS = 3;
const SETTLE_ATTEMPTS = 5;

export class CommandQueue {
  private readonly now: () => number;
  private readonly lockToken: (sequenceNumber: number) => string;
  private readonly orphanGraceMs: number;
  private readonly currentGeneration: ((deviceId: string) => Promise<string | undefined>) | undefined;

  constructor(
    private readonly store: QueueStore,
    private readonly feedback: FeedbackSink,
    readonly limits: QueueLimits,
    opts: CommandQueueOptions = {},
  ) {
    this.now = opts.now ?? Date.now;
    this.lockToken = opts.lockToken ?? newLockToken;
    this.orphanGraceMs = opts.orphanGraceMs ?? 60_000;
    this.currentGeneration = opts.currentGeneration;
  }

  /** Enqueues a command; resolves only once it is durably stored and counted. */
  async send(device: DeviceRef, content: CommandContent, body: Buffer, expiresAtMs: number): Promise<CommandRecord> {
    const nowMs = this.now();
    for (let attempt = 1; ; attempt++) {
      const sequenceNumber = await this.store.nextSequence(device.deviceId);
      const record = enqueue(
        content,
        { deviceId: device.deviceId, deviceGenerationId: device.generationId, sequenceNumber, nowMs, expiresAtMs, body },
        this.limits,
      );
      try {
        await this.store.insert(record);
      } catch (err) {
        // Only a leftover record of a deleted-and-recreated device can hold a fresh number; take another.
        if (attempt < INSERT_ATTEMPTS && err instanceof RecordExistsError) continue;
        throw err;
      }
      if (await this.store.reserve(device.deviceId, sequenceNumber, this.limits.maxQueueDepth)) {
        metrics.add('C2dSent', 1);
        return record;
      }
      metrics.add('C2dQueueFull', 1);
      // Not counted, so never delivered; if this delete fails the sweeper removes the orphan.
      await this.store
        .remove(device.deviceId, sequenceNumber, record.version)
        .catch((err: unknown) => log.warn('c2d: orphan left for the sweeper', errorFields(err)));
      throw new QueueDepthExceededError(device.deviceId, this.limits.maxQueueDepth);
    }
  }

  /**
   * Locks the first visible command (lowest sequence number) for `lockMs`, or undefined if none.
   * A record of another generation than `device`'s is purged only once the registry confirms it
   * is not the current generation; if it is, the caller's device is stale (StaleDeviceError) and
   * nothing is touched: a generation mismatch never settles a command of the current device.
   */
  async receive(device: DeviceRef, lockMs: number, transport: Transport = 'https'): Promise<CommandRecord | undefined> {
    const nowMs = this.now();
    let current: Promise<string | undefined> | undefined;
    const pending = await this.store.pending(device.deviceId);
    const first = pending[0];
    const last = pending[pending.length - 1];
    if (first === undefined || last === undefined) return undefined;
    const live = new Set(pending);
    const seen = new Set<number>();
    let locked: CommandRecord | undefined;
    let scannedTo = -1;
    for await (const record of this.store.records(device.deviceId, first)) {
      const seq = record.sequenceNumber;
      if (seq > last) break; // beyond the pending range: sends in progress or orphans
      seen.add(seq);
      scannedTo = seq;
      if (!live.has(seq)) continue;
      if (record.deviceGenerationId !== device.generationId) {
        if (!this.currentGeneration) continue;
        current ??= this.currentGeneration(device.deviceId);
        const registered = await current;
        if (registered === record.deviceGenerationId) throw new StaleDeviceError();
        await this.settleRecord(record, 'Purged', nowMs); // sent to an earlier device of the same id
        continue;
      }
      const v = view(record, nowMs, this.limits.maxDeliveryCount);
      if (v.kind === 'dead') await this.settleRecord(record, v.outcome, nowMs); // unless it changed meanwhile: then whoever changed it owns it
      if (v.kind !== 'visible') continue;
      locked = await this.store.replace(lock(record, nowMs, lockMs, this.lockToken(seq), this.limits), record);
      if (locked) break; // otherwise another receiver got it first: try the next one
    }
    if (!locked) scannedTo = Number.POSITIVE_INFINITY; // the whole pending range was scanned
    // A pending number we scanned past without seeing its record was settled and deleted by
    // a writer that died before releasing the slot: release it now.
    const vanished = pending.filter((s) => s < scannedTo && !seen.has(s));
    if (vanished.length > 0) await this.store.release(device.deviceId, vanished);
    if (locked) metrics.add('C2dDelivered', 1, { Transport: transport });
    return locked;
  }

  /** complete / reject / abandon by the device holding `lockToken`; LockLostError otherwise. */
  async settleByDevice(deviceId: string, lockToken: string, action: DeviceAction): Promise<CommandRecord> {
    const nowMs = this.now();
    const seq = lockTokenSequence(lockToken);
    const record = seq === undefined ? undefined : await this.store.get(deviceId, seq);
    const result = deviceAction(record, lockToken, action, nowMs, this.limits);
    if (!result.ok) throw new LockLostError(result.reason);
    if (!record) throw new LockLostError('the message changed meanwhile'); // deviceAction accepts no missing record
    if (result.write === 'delete') {
      // The version read is the lock this token holds: a concurrent abandon, a sweeper that found
      // the final lock lapsed, or a second complete with the same token changed or deleted it first.
      if (!(await this.deleteSettled(record, settledOutcome(result.record))).deleted)
        throw new LockLostError('the message changed meanwhile');
      return result.record;
    }
    const stored = await this.store.replace(result.record, record);
    if (!stored) throw new LockLostError('the message changed meanwhile');
    if (stored.state === 'Settled') await this.finishSettled(stored);
    return stored;
  }

  /** Commands counted against the device's queue depth (IoT Hub's cloudToDeviceMessageCount). */
  async pendingCount(deviceId: string): Promise<number> {
    return (await this.store.pending(deviceId)).length;
  }

  /** The device's pending commands as a service sees them (no bodies, no lock tokens), oldest first. */
  async list(deviceId: string): Promise<PendingCommand[]> {
    const nowMs = this.now();
    const pending = await this.store.pending(deviceId);
    const live = new Set(pending);
    const first = pending[0];
    if (first === undefined) return [];
    const out: PendingCommand[] = [];
    for await (const record of this.store.records(deviceId, first)) {
      if (!live.has(record.sequenceNumber) || record.state === 'Settled') continue;
      const v = view(record, nowMs, this.limits.maxDeliveryCount);
      out.push({
        messageId: record.messageId,
        sequenceNumber: record.sequenceNumber,
        // A dead record the sweeper has not settled yet is reported as what it will become.
        state: v.kind === 'locked' ? 'Invisible' : v.kind === 'dead' ? 'Expiring' : 'Enqueued',
        deliveryCount: record.deliveryCount,
        ack: record.ack,
        enqueuedTime: new Date(record.enqueuedAtMs).toISOString(),
        expiryTime: new Date(record.expiresAtMs).toISOString(),
        ...(record.correlationId !== undefined ? { correlationId: record.correlationId } : {}),
      });
    }
    return out;
  }

  /** Dead-letters every live command of the device as Purged; returns how many. */
  async purge(deviceId: string): Promise<number> {
    const nowMs = this.now();
    const pending = await this.store.pending(deviceId);
    const live = new Set(pending);
    const seen = new Set<number>();
    let purged = 0;
    for await (const record of this.store.records(deviceId, 0)) {
      seen.add(record.sequenceNumber);
      if (record.state === 'Settled' || !live.has(record.sequenceNumber)) continue;
      if ((await this.settleLatest(record, nowMs, 'Purged')) === 'Purged') purged++;
    }
    // Pending numbers whose record is gone (a settle that died before releasing): give them back.
    const vanished = pending.filter((s) => !seen.has(s));
    if (vanished.length > 0) await this.store.release(deviceId, vanished);
    return purged;
  }

  /** The device is deleted: its queue goes with it (Purged feedback where asked). */
  async dropDevice(deviceId: string): Promise<number> {
    const purged = await this.purge(deviceId);
    await this.store.dropDevice(deviceId);
    return purged;
  }

  /** One sweeper pass over what is due: expiries, lapsed final locks, unfinished outboxes, orphans. */
  async sweep(budget: { maxRecords: number; deadlineMs: number }): Promise<SweepReport> {
    const nowMs = this.now();
    const report: SweepReport = { examined: 0, settled: 0, finished: 0, orphansRemoved: 0, failed: 0 };
    const pendingByDevice = new Map<string, Set<number>>();
    const isLive = async (deviceId: string, seq: number) => {
      let set = pendingByDevice.get(deviceId);
      if (!set) pendingByDevice.set(deviceId, (set = new Set(await this.store.pending(deviceId))));
      return set.has(seq);
    };
    for await (const key of this.store.due(nowMs)) {
      if (report.examined >= budget.maxRecords || Date.now() >= budget.deadlineMs) break;
      report.examined++;
      try {
        const record = await this.store.get(key.deviceId, key.sequenceNumber);
        if (!record) continue; // the index lags deletes
        const action = sweepAction(record, nowMs, this.limits.maxDeliveryCount);
        if (action.kind === 'finish') {
          if (await this.finish(record)) report.finished++;
          else report.failed++;
        } else if (action.kind === 'settle') {
          if (await isLive(key.deviceId, key.sequenceNumber)) {
            const done = await this.settleRecord(record, action.outcome, nowMs);
            if (done.settled && done.finished) report.settled++;
          } else if (nowMs - record.enqueuedAtMs > this.orphanGraceMs) {
            await this.store.remove(key.deviceId, key.sequenceNumber, record.version);
            report.orphansRemoved++;
          }
        }
      } catch (err) {
        report.failed++;
        log.warn('c2d sweep: record left for the next pass', {
          deviceId: key.deviceId,
          sequenceNumber: key.sequenceNumber,
          ...errorFields(err),
        });
      }
    }
    return report;
  }

  /**
   * Settles `record` (as read) with `outcome` unless it changed meanwhile. An outcome somebody
   * gets feedback for goes through the Settled outbox (finishSettled); one nobody does is a
   * conditional delete and a release (deleteSettled), as a device's settle is. `settled`: this
   * call recorded the outcome; `finished`: and its slot is released (and feedback published).
   */
  private async settleRecord(
    record: CommandRecord,
    outcome: FeedbackStatus,
    nowMs: number,
  ): Promise<{ settled: boolean; finished: boolean }> {
    const next = settle(record, outcome, nowMs, this.limits);
    if (!next.feedbackDue) {
      const { deleted, released } = await this.deleteSettled(record, outcome);
      return { settled: deleted, finished: released };
    }
    const stored = await this.store.replace(next, record);
    if (!stored) return { settled: false, finished: false };
    return { settled: true, finished: await this.finishSettled(stored) };
  }

  /**
   * A final outcome nobody gets feedback for: the record is deleted on the version read, the
   * outcome counted once, then the slot released. A release that fails leaves a vanished slot
   * (store.ts) that the device's next receive or a purge gives back; nothing else is left to do.
   */
  private async deleteSettled(read: CommandRecord, outcome: FeedbackStatus): Promise<{ deleted: boolean; released: boolean }> {
    if (!(await this.store.removeIfVersion(read.deviceId, read.sequenceNumber, read.version))) return { deleted: false, released: false };
    metrics.c2dSettled(outcome);
    const released = await this.store.release(read.deviceId, [read.sequenceNumber]).then(
      () => true,
      (err: unknown) => {
        log.warn('c2d: depth slot left for the next receive', {
          deviceId: read.deviceId,
          sequenceNumber: read.sequenceNumber,
          ...errorFields(err),
        });
        return false;
      },
    );
    return { deleted: true, released };
  }

  /** Settles the latest version of a record, re-reading on conflicts; returns the outcome it recorded. */
  private async settleLatest(record: CommandRecord, nowMs: number, outcome: FeedbackStatus): Promise<FeedbackStatus | undefined> {
    let current: CommandRecord | undefined = record;
    for (let attempt = 0; current && current.state !== 'Settled' && attempt < SETTLE_ATTEMPTS; attempt++) {
      const v = view(current, nowMs, this.limits.maxDeliveryCount);
      const actual = v.kind === 'dead' && v.outcome === 'Expired' ? 'Expired' : outcome;
      if ((await this.settleRecord(current, actual, nowMs)).settled) return actual;
      current = await this.store.get(record.deviceId, record.sequenceNumber);
    }
    return undefined;
  }

  /** A record this instance just settled: count its outcome once, then run its outbox. */
  private async finishSettled(record: CommandRecord): Promise<boolean> {
    metrics.c2dSettled(settledOutcome(record));
    return this.finish(record);
  }

  /** The outbox of a settled record. Failures are left for the sweeper (the record stays Settled). */
  private async finish(record: CommandRecord): Promise<boolean> {
    try {
      await this.store.release(record.deviceId, [record.sequenceNumber]);
      if (record.feedbackDue) await this.feedback.publish([feedbackRecord(record)]);
      await this.store.remove(record.deviceId, record.sequenceNumber, record.version);
      return true;
    } catch (err) {
      log.warn('c2d: outbox left for the sweeper', {
        deviceId: record.deviceId,
        sequenceNumber: record.sequenceNumber,
        ...errorFields(err),
      });
      return false;
    }
  }
}
