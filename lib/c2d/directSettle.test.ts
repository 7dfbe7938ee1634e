/**
 * A final outcome that nobody gets feedback for (the default ack none) - a device's settle, an
 * expiry the sweeper or a receive finds, a purge - is stored as one conditional delete and a
 * release, without the Settled outbox write: what the store sees, what
 * a crash between the two leaves and who repairs it, and the races the version condition decides.
 */
import { CommandQueue, type DeviceRef } from './commandQueue';
import { LockLostError, QueueDepthExceededError } from './errors';
import { MemoryFeedback, MemoryStore } from './memoryStore';
import { metrics } from '../metrics';
import type { AckMode, CommandRecord, QueueLimits } from './types';

const LIMITS: QueueLimits = { maxDeliveryCount: 3, maxQueueDepth: 1, outboxGraceMs: 1000 };
const DEVICE: DeviceRef = { deviceId: 'dev', generationId: 'gen-1' };
const T = 1_000_000;

/** A MemoryStore that logs its writes and can fail the next release (a process dying after the delete). */
class RecordingStore extends MemoryStore {
  readonly writes: string[] = [];
  failReleases = 0;

  override async replace(next: CommandRecord, read: Pick<CommandRecord, 'version' | 'sweepAtMs'>) {
    this.writes.push(`replace ${next.state}`);
    return super.replace(next, read);
  }
  override async remove(deviceId: string, sequenceNumber: number, expectedVersion?: number) {
    this.writes.push('remove');
    return super.remove(deviceId, sequenceNumber, expectedVersion);
  }
  override async removeIfVersion(deviceId: string, sequenceNumber: number, expectedVersion: number) {
    this.writes.push('removeIfVersion');
    return super.removeIfVersion(deviceId, sequenceNumber, expectedVersion);
  }
  override async release(deviceId: string, sequenceNumbers: readonly number[]) {
    this.writes.push(`release ${sequenceNumbers.join(',')}`);
    if (this.failReleases > 0) {
      this.failReleases--;
      throw new Error('injected: process died before releasing');
    }
    return super.release(deviceId, sequenceNumbers);
  }
}

function setup(limits: QueueLimits = LIMITS) {
  let now = T;
  const store = new RecordingStore();
  const feedback = new MemoryFeedback();
  const queue = new CommandQueue(store, feedback, limits, { now: () => now });
  const send = (id: string, ack: AckMode = 'none') =>
    queue.send(DEVICE, { messageId: id, ack, properties: {} }, Buffer.from(id), T + 60_000);
  return { store, feedback, queue, send, advance: (ms: number) => (now += ms) };
}

async function received(queue: CommandQueue): Promise<CommandRecord & { lockToken: string }> {
  const msg = await queue.receive(DEVICE, 5000);
  if (!msg?.lockToken) throw new Error('nothing received');
  return { ...msg, lockToken: msg.lockToken };
}

let settledSpy: jest.SpyInstance;
beforeEach(() => (settledSpy = jest.spyOn(metrics, 'c2dSettled')));
afterEach(() => settledSpy.mockRestore());

describe('settling without feedback', () => {
  it.each([
    ['complete', 'none', 'Success'],
    ['reject', 'none', 'Rejected'],
    ['reject', 'positive', 'Rejected'],
    ['complete', 'negative', 'Success'],
  ] as const)('%s with ack %s: one conditional delete and one release, no Settled write, counted once', async (action, ack, outcome) => {
    const { store, feedback, queue, send } = setup();
    await send('a', ack);
    const msg = await received(queue);
    store.writes.length = 0;
    const settled = await queue.settleByDevice(DEVICE.deviceId, msg.lockToken, action);
    expect([settled.messageId, settled.state, settled.outcome]).toEqual(['a', 'Settled', outcome]);
    expect(store.writes).toEqual(['removeIfVersion', `release ${msg.sequenceNumber}`]);
    expect(store.snapshot(DEVICE.deviceId)).toEqual({ pending: [], records: [] });
    expect(settledSpy.mock.calls).toEqual([[outcome]]);
    expect(feedback.published).toEqual([]);
    // The token is spent.
    await expect(queue.settleByDevice(DEVICE.deviceId, msg.lockToken, action)).rejects.toBeInstanceOf(LockLostError);
    expect(settledSpy).toHaveBeenCalledTimes(1);
  });

  it('an abandon of the last delivery (DeliveryCountExceeded, ack none) is a delete too', async () => {
    const { store, queue, send } = setup();
    await send('a');
    for (let i = 1; i < LIMITS.maxDeliveryCount; i++)
      await queue.settleByDevice(DEVICE.deviceId, (await received(queue)).lockToken, 'abandon');
    const last = await received(queue);
    store.writes.length = 0;
    await queue.settleByDevice(DEVICE.deviceId, last.lockToken, 'abandon');
    expect(store.writes).toEqual(['removeIfVersion', `release ${last.sequenceNumber}`]);
    expect(settledSpy.mock.calls).toEqual([['DeliveryCountExceeded']]);
    expect(store.snapshot(DEVICE.deviceId)).toEqual({ pending: [], records: [] });
  });

  it('feedback due keeps the outbox: Settled first, then release, feedback, delete', async () => {
    const { store, feedback, queue, send } = setup();
    await send('a', 'full');
    const msg = await received(queue);
    store.writes.length = 0;
    await queue.settleByDevice(DEVICE.deviceId, msg.lockToken, 'complete');
    expect(store.writes).toEqual(['replace Settled', `release ${msg.sequenceNumber}`, 'remove']);
    expect(feedback.published.map((f) => [f.originalMessageId, f.statusCode])).toEqual([['a', 'Success']]);
    expect(settledSpy.mock.calls).toEqual([['Success']]);
  });
});

describe('the hub settling without feedback: expiry found by the sweeper or a receive, a purge', () => {
  const sweepAll = (queue: CommandQueue) => queue.sweep({ maxRecords: 10, deadlineMs: Date.now() + 60_000 });

  it.each([
    ['none', ['removeIfVersion', 'release 1'], []],
    ['negative', ['replace Settled', 'release 1', 'remove'], ['Expired']],
  ] as const)('the sweeper expires a command with ack %s', async (ack, writes, feedbackStatuses) => {
    const { store, feedback, queue, send, advance } = setup();
    await send('a', ack);
    advance(61_000);
    store.writes.length = 0;
    expect(await sweepAll(queue)).toMatchObject({ settled: 1, failed: 0 });
    expect(store.writes).toEqual(writes);
    expect(feedback.published.map((f) => f.statusCode)).toEqual(feedbackStatuses);
    expect(settledSpy.mock.calls).toEqual([['Expired']]);
    expect(store.snapshot(DEVICE.deviceId)).toEqual({ pending: [], records: [] });
  });

  it('a receive that finds an expired command (ack none) deletes it and gives the slot back', async () => {
    const { store, queue, send, advance } = setup();
    await send('a');
    advance(61_000);
    store.writes.length = 0;
    expect(await queue.receive(DEVICE, 5000)).toBeUndefined();
    expect(store.writes).toEqual(['removeIfVersion', 'release 1']);
    expect(settledSpy.mock.calls).toEqual([['Expired']]);
    expect(store.snapshot(DEVICE.deviceId)).toEqual({ pending: [], records: [] });
  });

  it('a purge deletes commands nobody gets feedback for and keeps the outbox for the others', async () => {
    const { store, feedback, queue, send } = setup({ ...LIMITS, maxQueueDepth: 2 });
    await send('quiet', 'none');
    await send('told', 'full');
    store.writes.length = 0;
    expect(await queue.purge(DEVICE.deviceId)).toBe(2);
    expect(store.writes).toEqual(['removeIfVersion', 'release 1', 'replace Settled', 'release 2', 'remove']);
    expect(feedback.published.map((f) => [f.originalMessageId, f.statusCode])).toEqual([['told', 'Purged']]);
    expect(settledSpy.mock.calls).toEqual([['Purged'], ['Purged']]);
    expect(store.snapshot(DEVICE.deviceId)).toEqual({ pending: [], records: [] });
  });

  it('a sweeper that dies before its release leaves the slot to the next receive, never a record', async () => {
    const { store, queue, send, advance } = setup();
    await send('a');
    advance(61_000);
    store.failReleases = 1;
    expect(await sweepAll(queue)).toMatchObject({ settled: 0 });
    expect(store.snapshot(DEVICE.deviceId)).toEqual({ pending: [1], records: [] });
    expect(await sweepAll(queue)).toMatchObject({ examined: 0 }); // nothing left in the index
    expect(await queue.receive(DEVICE, 5000)).toBeUndefined();
    expect(store.snapshot(DEVICE.deviceId).pending).toEqual([]);
    expect(settledSpy.mock.calls).toEqual([['Expired']]);
  });
});

describe('a crash between the delete and the release', () => {
  it('the device still gets its success; the slot is counted, never listed, and the next receive gives it back', async () => {
    const { store, queue, send } = setup();
    await send('a');
    const msg = await received(queue);
    store.failReleases = 1;
    await expect(queue.settleByDevice(DEVICE.deviceId, msg.lockToken, 'complete')).resolves.toMatchObject({ outcome: 'Success' });
    expect(settledSpy).toHaveBeenCalledTimes(1);
    expect(store.snapshot(DEVICE.deviceId)).toEqual({ pending: [msg.sequenceNumber], records: [] });
    // The bound: until the device's next receive the slot holds the depth (maxQueueDepth 1 here).
    expect(await queue.pendingCount(DEVICE.deviceId)).toBe(1);
    expect(await queue.list(DEVICE.deviceId)).toEqual([]);
    await expect(send('b')).rejects.toBeInstanceOf(QueueDepthExceededError);
    expect(await queue.receive(DEVICE, 5000)).toBeUndefined(); // scans past the number: releases it
    expect(store.snapshot(DEVICE.deviceId).pending).toEqual([]);
    await send('c');
    expect((await received(queue)).messageId).toBe('c');
    expect(settledSpy).toHaveBeenCalledTimes(1);
  });

  it('a receive that locks an earlier command keeps a later vanished slot; one that scans past it releases it', async () => {
    const { store, queue, send } = setup({ ...LIMITS, maxQueueDepth: 3 });
    await send('first');
    await send('second');
    const first = await received(queue);
    const second = await received(queue);
    await queue.settleByDevice(DEVICE.deviceId, first.lockToken, 'abandon'); // visible again, in front
    store.failReleases = 1;
    await queue.settleByDevice(DEVICE.deviceId, second.lockToken, 'complete');
    expect(store.snapshot(DEVICE.deviceId).pending).toEqual([first.sequenceNumber, second.sequenceNumber]);
    const again = await received(queue);
    expect(again.messageId).toBe('first');
    expect(store.snapshot(DEVICE.deviceId).pending).toEqual([first.sequenceNumber, second.sequenceNumber]);
    expect(await queue.receive(DEVICE, 5000)).toBeUndefined(); // 'first' is locked: this one scans past 'second'
    expect(store.snapshot(DEVICE.deviceId).pending).toEqual([first.sequenceNumber]);
  });

  it('a purge gives the slot back too', async () => {
    const { store, queue, send } = setup();
    await send('a');
    const msg = await received(queue);
    store.failReleases = 1;
    await queue.settleByDevice(DEVICE.deviceId, msg.lockToken, 'complete');
    expect(await queue.purge(DEVICE.deviceId)).toBe(0);
    expect(store.snapshot(DEVICE.deviceId)).toEqual({ pending: [], records: [] });
  });
});

describe('races decided by the version condition', () => {
  it('complete and abandon with one token at once: exactly one applies, and the store agrees with it', async () => {
    const won = new Set<string>();
    for (let round = 0; round < 20; round++) {
      settledSpy.mockClear();
      const { store, queue, send } = setup();
      await send(`r${round}`);
      const msg = await received(queue);
      const settleBy = (action: 'complete' | 'abandon') => queue.settleByDevice(DEVICE.deviceId, msg.lockToken, action);
      // Who reaches the store first alternates, so both outcomes are exercised.
      const [complete, abandon] =
        round % 2 === 0
          ? await Promise.allSettled([settleBy('complete'), settleBy('abandon')])
          : await Promise.allSettled([settleBy('abandon'), settleBy('complete')]).then(([a, c]) => [c, a] as const);
      won.add(complete.status === 'fulfilled' ? 'complete' : 'abandon');
      const winners = [complete, abandon].filter((r) => r.status === 'fulfilled');
      expect(winners).toHaveLength(1);
      const loser = [complete, abandon].find((r) => r.status === 'rejected');
      expect(loser?.status === 'rejected' && loser.reason).toBeInstanceOf(LockLostError);
      const snap = store.snapshot(DEVICE.deviceId);
      if (complete.status === 'fulfilled') {
        expect(snap).toEqual({ pending: [], records: [] });
        expect(settledSpy).toHaveBeenCalledTimes(1);
      } else {
        expect(snap.pending).toEqual([msg.sequenceNumber]);
        expect(snap.records.map((r) => r.state)).toEqual(['Enqueued']);
        expect(settledSpy).not.toHaveBeenCalled();
      }
    }
    expect([...won].sort()).toEqual(['abandon', 'complete']);
  });

  it('concurrent completes with one token: exactly one wins, counted once', async () => {
    const { queue, send } = setup();
    await send('a');
    const msg = await received(queue);
    const results = await Promise.allSettled(
      Array.from({ length: 5 }, () => queue.settleByDevice(DEVICE.deviceId, msg.lockToken, 'complete')),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'rejected' && r.reason instanceof LockLostError)).toHaveLength(4);
    expect(settledSpy).toHaveBeenCalledTimes(1);
  });

  it('the sweeper and a device settling a final lock that lapsed meanwhile: one outcome, counted once', async () => {
    const outcomes = new Set<string>();
    for (let round = 0; round < 20; round++) {
      settledSpy.mockClear();
      const store = new RecordingStore();
      const limits = { ...LIMITS, maxDeliveryCount: 1 };
      let deviceNow = T;
      const device = new CommandQueue(store, new MemoryFeedback(), limits, { now: () => deviceNow });
      // The sweeper's clock is past the lock; the device's (it read the record in time) is not.
      const sweeper = new CommandQueue(store, new MemoryFeedback(), limits, { now: () => T + 10_000 });
      await device.send(DEVICE, { messageId: 'a', ack: 'none', properties: {} }, Buffer.from('a'), T + 60_000);
      const msg = await received(device);
      deviceNow = T + 100;
      const settle = () =>
        device.settleByDevice(DEVICE.deviceId, msg.lockToken, 'complete').then(
          () => 'ok',
          (err: unknown) => (err instanceof LockLostError ? 'lockLost' : Promise.reject(err)),
        );
      const sweep = () => sweeper.sweep({ maxRecords: 10, deadlineMs: Date.now() + 60_000 });
      // The sweeper starts a few store calls ahead or behind the device, so either can win.
      const lead = round % 4;
      const [byDevice, report] =
        round % 2 === 0 ? await Promise.all([settle(), ticks(lead).then(sweep)]) : await Promise.all([ticks(lead).then(settle), sweep()]);
      outcomes.add(byDevice);
      expect(byDevice === 'ok' ? 0 : 1).toBe(report.settled);
      expect(settledSpy.mock.calls).toEqual([[byDevice === 'ok' ? 'Success' : 'DeliveryCountExceeded']]);
      expect(store.snapshot(DEVICE.deviceId)).toEqual({ pending: [], records: [] });
    }
    expect([...outcomes].sort()).toEqual(['lockLost', 'ok']);
  });
});

const ticks = async (n: number) => {
  for (let i = 0; i < n; i++) await new Promise<void>((resolve) => setImmediate(resolve));
};
