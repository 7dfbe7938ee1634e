/** Retries with capped exponential backoff and full jitter. */

export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
}

/** Delay before retry `attempt` (1-based): random in [0, min(max, base * 2^(attempt-1))]. */
export function backoffMs(attempt: number, o: BackoffOptions, random: () => number = Math.random): number {
  const cap = Math.min(o.maxMs, o.baseMs * 2 ** Math.min(30, attempt - 1));
  return Math.round(cap / 2 + (random() * cap) / 2);
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

const THROTTLING = new Set([
  'ProvisionedThroughputExceededException',
  'LimitExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'KMSThrottlingException',
]);

/** Kinesis and DynamoDB answers worth retrying: throttling, 5xx, dropped connections. */
export function isRetryable(err: unknown): boolean {
  const e = err as { name?: string; code?: string; $metadata?: { httpStatusCode?: number }; $retryable?: unknown };
  if (e.name && THROTTLING.has(e.name)) return true;
  if ((e.$metadata?.httpStatusCode ?? 0) >= 500) return true;
  if (e.$retryable) return true;
  return ['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'TimeoutError'].includes(e.code ?? e.name ?? '');
}

/** Runs `call`, retrying retryable errors up to `attempts` times in all; the last error is thrown. */
export async function withRetries<T>(
  call: () => Promise<T>,
  o: BackoffOptions & { attempts: number; signal?: AbortSignal; onRetry?: (err: unknown, attempt: number, delayMs: number) => void },
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      if (attempt >= o.attempts || !isRetryable(err) || o.signal?.aborted) throw err;
      const delay = backoffMs(attempt, o);
      o.onRetry?.(err, attempt, delay);
      await sleep(delay, o.signal);
    }
  }
}
