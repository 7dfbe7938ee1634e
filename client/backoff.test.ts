import { reconnectDelayMs } from './backoff';

describe('reconnect backoff', () => {
  it('grows exponentially to a cap, with full jitter', () => {
    const opts = { baseMs: 1000, maxMs: 60_000 };
    expect([0, 1, 2, 3, 10, 100].map((a) => reconnectDelayMs(a, { ...opts, random: () => 0.999999 }))).toEqual([
      999, 1999, 3999, 7999, 59_999, 59_999,
    ]);
    expect(reconnectDelayMs(5, { ...opts, random: () => 0 })).toBe(0);
    const spread = new Set(Array.from({ length: 50 }, () => reconnectDelayMs(4, opts)));
    expect(spread.size).toBeGreaterThan(10); // jittered, not one value
  });
});
