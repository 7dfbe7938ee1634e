import { ThrottledError } from './errors';
import { DeviceRateLimiter } from './rateLimit';

describe('DeviceRateLimiter', () => {
  it('is off at 0', () => {
    const limiter = new DeviceRateLimiter(0);
    for (let i = 0; i < 1000; i++) limiter.take('d');
  });

  it('allows the burst, then throttles with Retry-After, then refills over time', () => {
    let now = 0;
    const limiter = new DeviceRateLimiter(2, 2, () => now);
    limiter.take('d');
    limiter.take('d');
    let err: unknown;
    try {
      limiter.take('d');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ThrottledError);
    expect((err as ThrottledError).status).toBe(429);
    expect((err as ThrottledError).headers['Retry-After']).toBe('1');
    now = 500; // half a second: one token back
    limiter.take('d');
    expect(() => limiter.take('d')).toThrow(ThrottledError);
  });

  it('keeps devices independent', () => {
    const limiter = new DeviceRateLimiter(1, 1, () => 0);
    limiter.take('a');
    limiter.take('b');
    expect(() => limiter.take('a')).toThrow(ThrottledError);
  });
});
