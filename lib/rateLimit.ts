/**
 * Per-device request rate limiting: a token bucket per device in the function instance's
 * memory. It bounds what one device can make one instance do; across instances the effective
 * limit is the per-instance rate times the instance count (documented in README). Pure.
 */
import { ThrottledError } from './errors';
import { metrics } from './metrics';
import { TtlCache } from './ttlCache';

interface Bucket {
  tokens: number;
  updatedMs: number;
}

export class DeviceRateLimiter {
  private readonly buckets: TtlCache<Bucket>;

  constructor(
    /** Sustained requests per second per device; 0 disables limiting. */
    private readonly perSecond: number,
    /** Burst size (defaults to one second's worth). */
    private readonly burst = Math.max(1, perSecond),
    private readonly now: () => number = Date.now,
  ) {
    this.buckets = new TtlCache(50_000, now);
  }

  /** Takes one token for the device or throws 429 with a Retry-After in whole seconds. */
  take(deviceId: string): void {
    if (this.perSecond <= 0) return;
    const now = this.now();
    const bucket = this.buckets.get(deviceId) ?? { tokens: this.burst, updatedMs: now };
    bucket.tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.updatedMs) / 1000) * this.perSecond);
    bucket.updatedMs = now;
    if (bucket.tokens < 1) {
      this.buckets.set(deviceId, bucket, 60_000);
      metrics.add('Throttled', 1);
      throw new ThrottledError(Math.max(1, Math.ceil((1 - bucket.tokens) / this.perSecond)));
    }
    bucket.tokens -= 1;
    this.buckets.set(deviceId, bucket, 60_000);
  }
}
