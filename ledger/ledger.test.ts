import { check, checkC2d, checkD2c, orderViolations, unmetTargets } from './check';
import { formatReport } from './report';
import { C2dLedger, D2cLedger, type CommandDelivery } from './ledger';

function acked(ledger: D2cLedger, deviceId: string, seqs: number[], channel: 'https' | 'websocket', request = (s: number) => `r${s}`) {
  for (const s of seqs) {
    ledger.attempt(deviceId, s, channel, request(s));
    ledger.ack(deviceId, s);
  }
}

function rowOf(ledger: D2cLedger, channel: string, endpoint: string) {
  const row = checkD2c(ledger).find((r) => r.channel === channel && r.endpoint === endpoint);
  if (!row) throw new Error('no row');
  return row;
}

describe('D2C ledger checks', () => {
  it('counts delivered, lost, duplicates and unacknowledged deliveries per channel and endpoint', () => {
    const l = new D2cLedger();
    acked(l, 'd1', [1, 2, 3], 'https');
    l.attempt('d1', 4, 'https', 'r4'); // never acknowledged (503), delivered anyway
    for (const s of [1, 2, 2, 4]) l.deliver('stream', 'd1', s);
    const row = rowOf(l, 'https', 'stream');
    expect(row).toMatchObject({ acknowledged: 3, delivered: 2, lost: 1, duplicates: 1, unacknowledgedDelivered: 1 });
    expect(row.duplicateRate).toBeCloseTo(1 / 3);
    expect(rowOf(l, 'websocket', 'stream')).toMatchObject({ acknowledged: 0, lost: 0 });
    expect(l.missing('stream').map((m) => m.seq)).toEqual([3]);
  });

  it('reports deliveries of messages never sent as unexpected and fails the run on them and on losses', () => {
    const l = new D2cLedger();
    acked(l, 'd1', [1], 'websocket');
    l.deliver('kinesis', 'd1', 1);
    l.deliver('kinesis', 'ghost', 7);
    const c = new C2dLedger();
    c.send('c1', 'd1', 0);
    c.sendOutcome('c1', 'accepted');
    c.feedback('c1', 'Expired');
    const report = check(l, c);
    expect(report.unexpectedD2c).toBe(1);
    expect(report.failures.join('\n')).toMatch(/1 D2C deliveries of messages never sent/);
    expect(report.failures.join('\n')).toMatch(/never reached stream/);
    expect(formatReport(report)).toMatch(/RESULT: FAILED/);
  });

  it('finds order violations among first deliveries and tells in-batch from across-request ones', () => {
    expect(orderViolations([1, 2, 3, 2, 4], (s) => `r${s}`)).toEqual({ inBatch: 0, across: 0 }); // a duplicate is not a violation
    expect(orderViolations([1, 3, 2, 4], (s) => `r${s}`)).toEqual({ inBatch: 0, across: 1 });
    expect(orderViolations([1, 3, 2, 4], (s) => (s <= 3 ? 'batch' : 'single'))).toEqual({ inBatch: 1, across: 0 });
    const l = new D2cLedger();
    acked(l, 'd1', [1, 2, 3], 'https', () => 'b1');
    for (const s of [1, 3, 2]) l.deliver('fifo', 'd1', s);
    for (const s of [3, 1, 2]) l.deliver('sqs', 'd1', s);
    expect(rowOf(l, 'https', 'fifo')).toMatchObject({ orderViolationsInBatch: 1, orderViolationsAcrossRequests: 0 });
    expect(rowOf(l, 'https', 'sqs')).toMatchObject({ orderChecked: false, orderViolationsInBatch: 0 });
  });

  it('fails the run on a cross-request order violation on the built-in stream and the consumer group only', () => {
    const l = new D2cLedger();
    acked(l, 'd1', [1, 2], 'https');
    for (const ep of ['stream', 'sqs', 'fifo', 'kinesis', 'group'] as const) for (const s of [2, 1]) l.deliver(ep, 'd1', s);
    const c = new C2dLedger();
    c.send('c1', 'd1', 0);
    c.sendOutcome('c1', 'accepted');
    c.feedback('c1', 'Purged');
    const failures = check(l, c).failures;
    expect(failures).toEqual([
      '1 https messages out of order across requests on the built-in stream',
      '1 https messages out of order across requests on the consumer group',
    ]);
  });
});

function delivery(over: Partial<CommandDelivery>): CommandDelivery {
  return {
    messageId: 'c1',
    deviceId: 'd1',
    holder: 'https:d1',
    lockToken: 't1',
    deliveryCount: 1,
    lockedAfterMs: 0,
    receivedAtMs: 10,
    lockMs: 5000,
    ...over,
  };
}

describe('C2D ledger checks', () => {
  function ledgerWith(...ids: string[]): C2dLedger {
    const c = new C2dLedger();
    for (const id of ids) {
      c.send(id, 'd1', 0);
      c.sendOutcome(id, 'accepted');
    }
    return c;
  }

  it('accepts a command completed once with Success feedback, and one that ended with failure feedback', () => {
    const c = ledgerWith('c1', 'c2');
    c.deliver(delivery({}));
    c.settleSent('t1', 100);
    c.settled('t1', 'complete', true, 120);
    c.feedback('c1', 'Success');
    c.feedback('c1', 'Success'); // a re-published outbox: a duplicate, allowed
    c.deliver(delivery({ messageId: 'c2', lockToken: 't2' }));
    c.settleSent('t2', 100);
    c.settled('t2', 'abandon', true, 120);
    c.feedback('c2', 'DeliveryCountExceeded');
    const s = checkC2d(c);
    expect(s).toMatchObject({ completedOnce: 1, failedWithFeedback: { DeliveryCountExceeded: 1 }, duplicateFeedback: 1, unresolved: 0 });
    expect(check(new D2cLedger(), c).failures).toEqual(['no D2C message was acknowledged']);
  });

  it('flags double completion, conflicting outcomes, missing outcomes and deliveries after completion', () => {
    const c = ledgerWith('twice', 'conflict', 'none', 'late');
    c.deliver(delivery({ messageId: 'twice', lockToken: 'a' }));
    c.deliver(delivery({ messageId: 'twice', lockToken: 'b', deliveryCount: 2, receivedAtMs: 9000, lockedAfterMs: 8000 }));
    c.settled('a', 'complete', true, 100);
    c.settled('b', 'complete', true, 9100);
    c.feedback('twice', 'Success');
    c.feedback('conflict', 'Expired');
    c.feedback('conflict', 'Purged');
    c.deliver(delivery({ messageId: 'late', lockToken: 'l1' }));
    c.settled('l1', 'complete', true, 200);
    c.feedback('late', 'Success');
    c.deliver(delivery({ messageId: 'late', lockToken: 'l2', deliveryCount: 2, lockedAfterMs: 300, receivedAtMs: 310 }));
    const s = checkC2d(c);
    expect(s).toMatchObject({ completedTwice: 1, conflictingFeedback: 1, unresolved: 1, deliveredAfterCompletion: 2 });
  });

  it('flags a command held by two locks at once, by interval overlap or by a repeated delivery count', () => {
    const overlap = ledgerWith('c1');
    overlap.deliver(delivery({ lockToken: 'a', holder: 'https:d1', receivedAtMs: 10, lockedAfterMs: 0 }));
    overlap.deliver(delivery({ lockToken: 'b', holder: 'ws:d1:1', deliveryCount: 2, receivedAtMs: 1000, lockedAfterMs: 900 }));
    expect(checkC2d(overlap).heldTwice).toBe(1);

    const sequential = ledgerWith('c1');
    sequential.deliver(delivery({ lockToken: 'a', receivedAtMs: 10, lockedAfterMs: 0 }));
    sequential.settleSent('a', 500); // abandoned at 500: the next lock may start after that
    sequential.deliver(delivery({ lockToken: 'b', deliveryCount: 2, receivedAtMs: 1000, lockedAfterMs: 900 }));
    const lapsed = ledgerWith('c1');
    lapsed.deliver(delivery({ lockToken: 'a', receivedAtMs: 10, lockedAfterMs: 0 }));
    lapsed.deliver(delivery({ lockToken: 'b', deliveryCount: 2, receivedAtMs: 5100, lockedAfterMs: 5050 }));
    expect(checkC2d(sequential).heldTwice).toBe(0);
    expect(checkC2d(lapsed).heldTwice).toBe(0);

    const sameCount = ledgerWith('c1');
    sameCount.deliver(delivery({ lockToken: 'a', receivedAtMs: 10, lockedAfterMs: 0, settleSentAtMs: 20 }));
    sameCount.deliver(delivery({ lockToken: 'b', receivedAtMs: 9000, lockedAfterMs: 8000 }));
    expect(checkC2d(sameCount).heldTwice).toBe(1);
  });

  it('flags deliveries to another device and anything for commands never sent', () => {
    const c = ledgerWith('c1');
    c.deliver(delivery({ deviceId: 'd2' }));
    c.deliver(delivery({ messageId: 'ghost' }));
    c.feedback('ghost2', 'Success');
    const s = checkC2d(c);
    expect(s).toMatchObject({ wrongDevice: 1, unexpected: 2 });
  });
});

describe('load targets', () => {
  it('lists what is missing per channel, for commands and fault cycles, and nothing once every count is reached', () => {
    const d2c = new D2cLedger();
    const c2d = new C2dLedger();
    const targets = { acknowledgedPerChannel: 2, commandsAccepted: 1, faultCycles: 1 };
    acked(d2c, 'd1', [1, 2], 'https');
    acked(d2c, 'd2', [1], 'websocket');
    d2c.attempt('d2', 2, 'websocket', 'r2'); // attempted, never acknowledged: does not count
    c2d.send('c1', 'd1', 0);
    c2d.sendOutcome('c1', 'refused');
    expect(unmetTargets(targets, d2c, c2d, 0)).toEqual(['websocket acknowledged 1 < 2', 'commands accepted 0 < 1', 'fault cycles 0 < 1']);
    d2c.ack('d2', 2);
    c2d.send('c2', 'd1', 0);
    c2d.sendOutcome('c2', 'accepted');
    expect(unmetTargets(targets, d2c, c2d, 1)).toEqual([]);
  });
});
