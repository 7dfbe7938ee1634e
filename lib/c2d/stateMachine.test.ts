import { deviceAction, enqueue, feedbackRecord, lock, settle, settledOutcome, sweepAt, view, wantsFeedback } from './stateMachine';
import { FEEDBACK_STATUSES } from './types';
import type { AckMode, FeedbackStatus } from './types';

const limits = { maxDeliveryCount: 2, outboxGraceMs: 1000 };
const T = 1_000_000;
const fresh = (ack: AckMode = 'full') =>
  enqueue(
    { messageId: 'm', ack, properties: {} },
    { deviceId: 'd', deviceGenerationId: 'g', sequenceNumber: 1, nowMs: T, expiresAtMs: T + 10_000, body: Buffer.from('x') },
    limits,
  );

describe('command state machine', () => {
  it('locks, completes, and produces the feedback record', () => {
    const locked = lock(fresh(), T, 500, 'tok', limits);
    expect([locked.state, locked.deliveryCount, locked.lockedUntilMs, locked.version]).toEqual(['Invisible', 1, T + 500, 1]);
    expect(view(locked, T + 499, 2).kind).toBe('locked');
    expect(view(locked, T + 500, 2).kind).toBe('visible'); // the lock lapsed
    const done = deviceAction(locked, 'tok', 'complete', T + 100, limits);
    if (!done.ok) throw new Error(done.reason);
    expect([done.record.state, done.record.outcome, done.record.feedbackDue, done.record.lockToken]).toEqual([
      'Settled',
      'Success',
      true,
      undefined,
    ]);
    expect(feedbackRecord(done.record)).toEqual({
      originalMessageId: 'm',
      deviceId: 'd',
      statusCode: 'Success',
      description: 'Success',
      enqueuedTimeUtc: new Date(T + 100).toISOString(),
      deviceGenerationId: 'g',
    });
  });

  it('every settled command has an outcome (what C2dSettled counts); an unsettled one has none to count', () => {
    for (const outcome of FEEDBACK_STATUSES) expect(settledOutcome(settle(fresh(), outcome, T, limits))).toBe(outcome);
    expect(() => settledOutcome(fresh())).toThrow(/Enqueued without an outcome/);
    expect(() => settledOutcome({ ...fresh(), state: 'Settled' })).toThrow(/Settled without an outcome/);
  });

  it('treats wrong, lapsed and expired locks as lost', () => {
    const locked = lock(fresh(), T, 500, 'tok', limits);
    expect(deviceAction(locked, 'other', 'complete', T, limits).ok).toBe(false);
    expect(deviceAction(locked, 'tok', 'complete', T + 500, limits).ok).toBe(false);
    expect(deviceAction(undefined, 'tok', 'complete', T, limits).ok).toBe(false);
    const long = lock(fresh(), T, 60_000, 'tok', limits);
    expect(deviceAction(long, 'tok', 'complete', T + 10_000, limits).ok).toBe(false);
  });

  it('abandon re-enqueues until the maximum delivery count dead-letters it; a lapsed final lock is dead too', () => {
    const first = deviceAction(lock(fresh(), T, 500, 'a', limits), 'a', 'abandon', T, limits);
    if (!first.ok) throw new Error(first.reason);
    expect([first.record.state, first.record.deliveryCount]).toEqual(['Enqueued', 1]);
    const second = lock(first.record, T, 500, 'b', limits);
    expect(sweepAt(second, limits)).toBe(T + 500); // the last delivery: the sweeper looks when the lock lapses
    const dead = deviceAction(second, 'b', 'abandon', T, limits);
    expect(dead.ok && [dead.record.state, dead.record.outcome]).toEqual(['Settled', 'DeliveryCountExceeded']);
    expect(view(second, T + 500, 2)).toEqual({ kind: 'dead', outcome: 'DeliveryCountExceeded' });
  });

  it('expiry wins over everything live, and is when the sweeper looks', () => {
    expect(view(fresh(), T + 10_000, 2)).toEqual({ kind: 'dead', outcome: 'Expired' });
    expect(sweepAt(fresh(), limits)).toBe(T + 10_000);
    expect(() => lock(fresh(), T + 10_000, 500, 't', limits)).toThrow();
  });

  it('a final outcome with feedback due is written as Settled (the outbox); one nobody is told about is a delete', () => {
    const act = (ack: AckMode, action: 'complete' | 'reject' | 'abandon', deliveries = 1) => {
      let record = fresh(ack);
      for (let i = 0; i < deliveries; i++) {
        record = lock(record, T, 500, `t${i}`, limits);
        if (i < deliveries - 1) {
          const back = deviceAction(record, `t${i}`, 'abandon', T, limits);
          if (!back.ok) throw new Error(back.reason);
          record = back.record;
        }
      }
      const result = deviceAction(record, `t${deliveries - 1}`, action, T + 1, limits);
      if (!result.ok) throw new Error(result.reason);
      return [result.write, result.record.state, result.record.outcome, result.record.feedbackDue, result.record.version - record.version];
    };
    expect(act('none', 'complete')).toEqual(['delete', 'Settled', 'Success', false, 1]);
    expect(act('none', 'reject')).toEqual(['delete', 'Settled', 'Rejected', false, 1]);
    expect(act('none', 'abandon', 2)).toEqual(['delete', 'Settled', 'DeliveryCountExceeded', false, 1]);
    expect(act('negative', 'complete')).toEqual(['delete', 'Settled', 'Success', false, 1]);
    expect(act('positive', 'reject')).toEqual(['delete', 'Settled', 'Rejected', false, 1]);
    expect(act('full', 'complete')).toEqual(['replace', 'Settled', 'Success', true, 1]);
    expect(act('positive', 'complete')).toEqual(['replace', 'Settled', 'Success', true, 1]);
    expect(act('negative', 'reject')).toEqual(['replace', 'Settled', 'Rejected', true, 1]);
    expect(act('negative', 'abandon', 2)).toEqual(['replace', 'Settled', 'DeliveryCountExceeded', true, 1]);
    // A lock given back is always written over the version read, whatever the ack.
    expect(act('none', 'abandon')).toEqual(['replace', 'Enqueued', undefined, undefined, 1]);
  });

  it('keeps the sweep time of a lock that is not the last delivery, and of an abandon (the index is not re-keyed)', () => {
    const record = fresh();
    const locked = lock(record, T, 500, 'a', limits);
    expect(locked.sweepAtMs).toBe(record.sweepAtMs);
    const back = deviceAction(locked, 'a', 'abandon', T, limits);
    expect(back.ok && back.record.sweepAtMs).toBe(record.sweepAtMs);
  });

  it('sends feedback by ack mode', () => {
    const outcomes: FeedbackStatus[] = ['Success', 'Expired', 'DeliveryCountExceeded', 'Rejected', 'Purged'];
    const table = (ack: AckMode) => outcomes.filter((o) => wantsFeedback(ack, o));
    expect(table('none')).toEqual([]);
    expect(table('positive')).toEqual(['Success']);
    expect(table('negative')).toEqual(['Expired', 'DeliveryCountExceeded', 'Rejected', 'Purged']);
    expect(table('full')).toEqual(outcomes);
  });
});
