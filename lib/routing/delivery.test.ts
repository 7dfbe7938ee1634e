import { chunk, SQS_BATCH } from './batching';
import { deliver, type EntryFailure, type SendBatch } from './delivery';
import { outgoing, type OutgoingMessage } from './outgoing';
import { envelope } from './testkit';

const messages = (n: number, device = 'd') =>
  Array.from({ length: n }, (_, i) =>
    outgoing({ sequenceNumber: String(i), eventId: `s:${i}` }, 'ep', ['r'], envelope({ deviceId: device, properties: { i: String(i) } })),
  );
const opts = {
  maxAttempts: 4,
  baseDelayMs: 1,
  sleep: async () => undefined,
  split: (m: readonly OutgoingMessage[]) => chunk(m, SQS_BATCH, () => 1),
};
const idx = (m: OutgoingMessage) => Number(m.envelope.properties.i);

/** A fake endpoint: records calls, fails entries as the script says. */
function endpoint(script: (call: number, batch: OutgoingMessage[]) => Map<number, EntryFailure> | Error) {
  const calls: number[][] = [];
  const stored: number[] = [];
  const send: SendBatch = async (batch) => {
    calls.push(batch.map(idx));
    const out = script(calls.length, batch);
    if (out instanceof Error) throw out;
    batch.forEach((m, i) => {
      if (!out.has(i)) stored.push(idx(m));
    });
    return out;
  };
  return { send, calls, stored };
}

describe('delivery with retries', () => {
  it('sends in batches of 10, in order', async () => {
    const ep = endpoint(() => new Map());
    const r = await deliver(messages(25), ep.send, opts);
    expect(ep.calls.map((c) => c.length)).toEqual([10, 10, 5]);
    expect(ep.stored).toEqual(Array.from({ length: 25 }, (_, i) => i));
    expect(r).toMatchObject({ delivered: 25, failed: [], retried: false });
  });

  it('re-sends only the failed entries of a partial failure, before the next batch', async () => {
    const ep = endpoint((call) =>
      call === 1
        ? new Map([
            [2, { error: 'Throttled', permanent: false }],
            [7, { error: 'Throttled', permanent: false }],
          ])
        : new Map(),
    );
    const r = await deliver(messages(15), ep.send, opts);
    expect(ep.calls).toEqual([
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
      [2, 7],
      [10, 11, 12, 13, 14],
    ]);
    expect(ep.stored.sort((a, b) => a - b)).toEqual(Array.from({ length: 15 }, (_, i) => i));
    expect(r).toMatchObject({ delivered: 15, retried: true, lastError: 'Throttled' });
  });

  it('gives up after the retry budget, and then tries later batches only once', async () => {
    const ep = endpoint(() => new Error('QueueDoesNotExist'));
    const r = await deliver(messages(25), ep.send, opts);
    expect(ep.calls.map((c) => c.length)).toEqual([10, 10, 10, 10, 10, 5]);
    expect(r.delivered).toBe(0);
    expect(r.failed.map((f) => idx(f.message))).toEqual(Array.from({ length: 25 }, (_, i) => i));
    expect(r.failed[0]).toMatchObject({ attempts: 4, permanent: false });
    expect(r.failed[0]?.error).toMatch(/QueueDoesNotExist/);
  });

  it('does not retry an entry the endpoint refused as invalid', async () => {
    const ep = endpoint((call) => (call === 1 ? new Map([[1, { error: 'InvalidParameterValue: too long', permanent: true }]]) : new Map()));
    const r = await deliver(messages(3), ep.send, opts);
    expect(ep.calls).toEqual([[0, 1, 2]]);
    expect(r.failed.map((f) => [idx(f.message), f.permanent, f.attempts])).toEqual([[1, true, 1]]);
    expect(r.delivered).toBe(2);
  });

  it('isolates a poison entry that fails the whole call: resent one per call, only it fails (permanently), the rest are stored', async () => {
    const poison = Object.assign(new Error('too long'), { name: 'InvalidParameterValue' });
    const ep = endpoint((_, batch) => (batch.some((m) => idx(m) === 1) ? poison : new Map()));
    const r = await deliver(messages(3), ep.send, { ...opts, isPoison: (e) => e === poison });
    expect(ep.calls).toEqual([[0, 1, 2], [0], [1], [2]]);
    expect(r.failed.map((f) => [idx(f.message), f.permanent, f.attempts])).toEqual([[1, true, 1]]);
    expect(r.failed[0]?.error).toMatch(/InvalidParameterValue: too long/);
    expect(ep.stored).toEqual([0, 2]);
    expect(r.retried).toBe(false);
  });

  it('backs off exponentially between attempts', async () => {
    const delays: number[] = [];
    const ep = endpoint(() => new Error('down'));
    await deliver(messages(1), ep.send, { ...opts, baseDelayMs: 100, random: () => 0.5, sleep: async (ms) => void delays.push(ms) });
    expect(delays).toEqual([100, 200, 400]);
  });
});
