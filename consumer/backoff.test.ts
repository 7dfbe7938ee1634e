import fc from 'fast-check';
import { backoffMs, isRetryable, withRetries } from './backoff';

describe('backoff', () => {
  it('grows exponentially, stays within [cap/2, cap] and never exceeds the maximum', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 60 }), fc.double({ min: 0, max: 1, noNaN: true }), (attempt, r) => {
        const d = backoffMs(attempt, { baseMs: 50, maxMs: 5000 }, () => r);
        const cap = Math.min(5000, 50 * 2 ** (attempt - 1));
        expect(d).toBeGreaterThanOrEqual(Math.floor(cap / 2));
        expect(d).toBeLessThanOrEqual(cap);
      }),
    );
  });

  it('retries throttling a bounded number of times, then gives the error back', async () => {
    const throttled = Object.assign(new Error('slow down'), { name: 'ProvisionedThroughputExceededException' });
    let calls = 0;
    await expect(
      withRetries(
        async () => {
          calls++;
          throw throttled;
        },
        { attempts: 4, baseMs: 1, maxMs: 2 },
      ),
    ).rejects.toBe(throttled);
    expect(calls).toBe(4);
  });

  it('does not retry errors that a retry cannot fix', async () => {
    const bad = Object.assign(new Error('no'), { name: 'ConditionalCheckFailedException', $metadata: { httpStatusCode: 400 } });
    let calls = 0;
    await expect(
      withRetries(
        async () => {
          calls++;
          throw bad;
        },
        { attempts: 4, baseMs: 1, maxMs: 2 },
      ),
    ).rejects.toBe(bad);
    expect(calls).toBe(1);
    expect(isRetryable({ $metadata: { httpStatusCode: 503 } })).toBe(true);
  });
});
