/**
 * The command state machine, pure (no I/O, no clock: `now` is always passed in).
 *
 *   Enqueued ──receive──▶ Invisible (lock token, lockedUntil, deliveryCount + 1)
 *   Invisible ──complete──▶ Settled(Success)        ──reject──▶ Settled(Rejected)
 *   Invisible ──abandon──▶ Enqueued, or Settled(DeliveryCountExceeded) once deliveryCount ≥ max
 *   (a device's final outcome that nobody gets feedback for skips Settled: the record is deleted
 *   directly, see DeviceActionResult.write)
 *   Invisible ──lock lapses──▶ visible again (a lapsed lock at deliveryCount ≥ max is dead-lettered on the next look)
 *   any live state past expiry ──next look──▶ Settled(Expired)
 *
 * Every function returns a new record with `version + 1`; the store writes it only if the
 * stored version is still the one it was computed from, so a transition computed from a
 * stale read can never be applied.
 */
import type { AckMode, CommandContent, CommandRecord, FeedbackRecord, FeedbackStatus, QueueLimits } from './types';

/** What a receiver sees when it looks at a record at `now`. */
export type View =
  | { kind: 'visible' }
  | { kind: 'locked' }
  | { kind: 'settled' }
  /** Dead: must be settled with this outcome before anything else happens to it. */
  | { kind: 'dead'; outcome: FeedbackStatus };

export function view(record: CommandRecord, nowMs: number, maxDeliveryCount: number): View {
  if (record.state === 'Settled') return { kind: 'settled' };
  if (nowMs >= record.expiresAtMs) return { kind: 'dead', outcome: 'Expired' };
  if (record.state === 'Invisible' && (record.lockedUntilMs ?? 0) > nowMs) return { kind: 'locked' };
  if (record.deliveryCount >= maxDeliveryCount) return { kind: 'dead', outcome: 'DeliveryCountExceeded' };
  return { kind: 'visible' };
}

export function wantsFeedback(ack: AckMode, outcome: FeedbackStatus): boolean {
  if (ack === 'full') return true;
  if (ack === 'positive') return outcome === 'Success';
  if (ack === 'negative') return outcome !== 'Success';
  return false;
}

/** The next time the record changes state with no device action (the sweeper's due time). */
export function sweepAt(record: Omit<CommandRecord, 'sweepAtMs'>, limits: Limits): number {
  if (record.state === 'Settled') return (record.settledAtMs ?? 0) + limits.outboxGraceMs;
  if (record.state === 'Invisible' && record.deliveryCount >= limits.maxDeliveryCount) {
    // The last delivery: when its lock lapses the command is dead, even if no device polls.
    return Math.min(record.lockedUntilMs ?? record.expiresAtMs, record.expiresAtMs);
  }
  return record.expiresAtMs;
}

type Limits = Pick<QueueLimits, 'maxDeliveryCount' | 'outboxGraceMs'>;

function next(record: CommandRecord, changes: Partial<CommandRecord>, limits: Limits): CommandRecord {
  const updated: CommandRecord = { ...record, ...changes, version: record.version + 1 };
  if (updated.state !== 'Invisible') {
    delete updated.lockToken;
    delete updated.lockedUntilMs;
  }
  updated.sweepAtMs = sweepAt(updated, limits);
  return updated;
}

export interface NewCommand {
  deviceId: string;
  deviceGenerationId: string;
  sequenceNumber: number;
  nowMs: number;
  expiresAtMs: number;
  body: Buffer;
}

export function enqueue(content: CommandContent, c: NewCommand, limits: Limits): CommandRecord {
  const record: Omit<CommandRecord, 'sweepAtMs'> = {
    ...content,
    deviceId: c.deviceId,
    deviceGenerationId: c.deviceGenerationId,
    sequenceNumber: c.sequenceNumber,
    enqueuedAtMs: c.nowMs,
    expiresAtMs: c.expiresAtMs,
    state: 'Enqueued',
    deliveryCount: 0,
    version: 0,
    body: c.body,
  };
  return { ...record, sweepAtMs: sweepAt(record, limits) };
}

/** Locks a visible record for one receiver. */
export function lock(record: CommandRecord, nowMs: number, lockMs: number, lockToken: string, limits: Limits): CommandRecord {
  const v = view(record, nowMs, limits.maxDeliveryCount);
  if (v.kind !== 'visible') throw new Error(`cannot lock a ${v.kind} command`);
  return next(record, { state: 'Invisible', lockToken, lockedUntilMs: nowMs + lockMs, deliveryCount: record.deliveryCount + 1 }, limits);
}

/** Records a final outcome; the outbox (release, feedback, delete) is still to do. */
export function settle(record: CommandRecord, outcome: FeedbackStatus, nowMs: number, limits: Limits): CommandRecord {
  if (record.state === 'Settled') throw new Error('command is already settled');
  return next(record, { state: 'Settled', outcome, settledAtMs: nowMs, feedbackDue: wantsFeedback(record.ack, outcome) }, limits);
}

export type DeviceAction = 'complete' | 'reject' | 'abandon';

/**
 * How a device's transition is stored:
 * - `replace`: write `record` over the version read (a lock given back, or a final outcome with
 *   feedback due: Settled is then the outbox that guarantees the feedback is sent);
 * - `delete`: a final outcome nobody is told about (wantsFeedback false; the default ack is
 *   none). Recording Settled would only protect the release of the depth slot, and a slot whose
 *   record is gone is released by the device's next receive anyway, so the record is deleted
 *   directly (conditional on the version read) and the slot released after it. `record` is the
 *   Settled record the delete stands for (its outcome is what C2dSettled counts).
 */
export type DeviceActionResult = { ok: true; record: CommandRecord; write: 'replace' | 'delete' } | { ok: false; reason: string };

/** A device settling the message it holds. Any token but the current, unexpired lock's is "lock lost". */
export function deviceAction(
  record: CommandRecord | undefined,
  lockToken: string,
  action: DeviceAction,
  nowMs: number,
  limits: Limits,
): DeviceActionResult {
  if (!record || record.state !== 'Invisible' || record.lockToken !== lockToken)
    return { ok: false, reason: 'the lock token is not the current lock of any message' };
  if ((record.lockedUntilMs ?? 0) <= nowMs) return { ok: false, reason: 'the lock has timed out' };
  if (nowMs >= record.expiresAtMs) return { ok: false, reason: 'the message has expired' };
  if (action === 'complete') return final(settle(record, 'Success', nowMs, limits));
  if (action === 'reject') return final(settle(record, 'Rejected', nowMs, limits));
  if (record.deliveryCount >= limits.maxDeliveryCount) return final(settle(record, 'DeliveryCountExceeded', nowMs, limits));
  return { ok: true, record: next(record, { state: 'Enqueued' }, limits), write: 'replace' };
}

function final(settled: CommandRecord): DeviceActionResult {
  return { ok: true, record: settled, write: settled.feedbackDue ? 'replace' : 'delete' };
}

/** What the sweeper does with a record it found due. */
export type SweepAction = { kind: 'finish' } | { kind: 'settle'; outcome: FeedbackStatus } | { kind: 'none' };

export function sweepAction(record: CommandRecord, nowMs: number, maxDeliveryCount: number): SweepAction {
  const v = view(record, nowMs, maxDeliveryCount);
  if (v.kind === 'settled') return { kind: 'finish' };
  if (v.kind === 'dead') return { kind: 'settle', outcome: v.outcome };
  return { kind: 'none' };
}

const DESCRIPTIONS: Record<FeedbackStatus, string> = {
  Success: 'Success',
  Expired: 'Message expired',
  DeliveryCountExceeded: 'Message exceeded the maximum delivery count',
  Rejected: 'Message rejected by the device',
  Purged: 'Message purged from the device queue',
};

/** The outcome of a settled command (`settle` records one with the state; anything else is a bug). */
export function settledOutcome(record: CommandRecord): FeedbackStatus {
  const outcome = record.outcome;
  if (record.state !== 'Settled' || !outcome) throw new Error(`command ${record.sequenceNumber} is ${record.state} without an outcome`);
  return outcome;
}

export function feedbackRecord(record: CommandRecord): FeedbackRecord {
  if (record.state !== 'Settled') throw new Error('feedback exists only for settled commands');
  const outcome = settledOutcome(record);
  return {
    originalMessageId: record.messageId,
    deviceId: record.deviceId,
    statusCode: outcome,
    description: DESCRIPTIONS[outcome],
    enqueuedTimeUtc: new Date(record.settledAtMs ?? record.enqueuedAtMs).toISOString(),
    deviceGenerationId: record.deviceGenerationId,
  };
}
