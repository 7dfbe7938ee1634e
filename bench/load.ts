/**
 * Open-loop load at a fixed arrival rate: request i is due at start + i/rate and is sent then
 * whether or not earlier requests finished, and its latency is measured from when it was due.
 * A slow system therefore shows up as latency instead of silently lowering the offered rate
 * (no coordinated omission).
 */
export interface Stats {
  rate: number;
  offered: number;
  completed: number;
  errors: number;
  /** Requests never sent because too many were outstanding (counted as failures). */
  dropped: number;
  durationSeconds: number;
  achievedPerSecond: number;
  p50: number;
  p95: number;
  p99: number;
  p999: number;
  max: number;
  /** The first failure's message, so a report says why a step failed. */
  firstError?: string;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p * sorted.length) / 100 - 1e-9) - 1));
  return sorted[index] ?? Number.NaN;
}

export function summarize(
  rate: number,
  latencies: number[],
  errors: number,
  dropped: number,
  offered: number,
  durationSeconds: number,
): Stats {
  const sorted = [...latencies].sort((a, b) => a - b);
  const round = (n: number) => Math.round(n * 100) / 100;
  return {
    rate,
    offered,
    completed: latencies.length,
    errors,
    dropped,
    durationSeconds: round(durationSeconds),
    achievedPerSecond: round(latencies.length / durationSeconds),
    p50: round(percentile(sorted, 50)),
    p95: round(percentile(sorted, 95)),
    p99: round(percentile(sorted, 99)),
    p999: round(percentile(sorted, 99.9)),
    max: round(sorted[sorted.length - 1] ?? Number.NaN),
  };
}

/** Runs `op(i)` at `rate` per second for `seconds`; `op` resolves when the work is done. */
export async function openLoop(rate: number, seconds: number, op: (i: number) => Promise<void>, maxOutstanding = 5000): Promise<Stats> {
  const total = Math.max(1, Math.round(rate * seconds));
  const latencies: number[] = [];
  let errors = 0;
  let dropped = 0;
  let outstanding = 0;
  let firstError: string | undefined;
  const start = performance.now();
  const inflight: Promise<void>[] = [];
  let next = 0;
  while (next < total) {
    const now = performance.now();
    while (next < total && start + (next * 1000) / rate <= now) {
      const due = start + (next * 1000) / rate;
      if (outstanding >= maxOutstanding) {
        dropped++;
      } else {
        outstanding++;
        inflight.push(
          op(next).then(
            () => {
              latencies.push(performance.now() - due);
              outstanding--;
            },
            (err: unknown) => {
              errors++;
              outstanding--;
              firstError ??= err instanceof Error ? err.message : String(err);
            },
          ),
        );
      }
      next++;
    }
    const wait = start + (next * 1000) / rate - performance.now();
    await new Promise((r) => setTimeout(r, Math.max(0, Math.min(wait, 10))));
  }
  await Promise.all(inflight);
  // Completions per second of the offering window: draining the last requests' latency after
  // the window is latency (already in the percentiles), not lost throughput.
  const stats = summarize(rate, latencies, errors, dropped, total, Math.max(seconds, total / rate));
  return firstError === undefined ? stats : { ...stats, firstError };
}

/** A step is sustained when p99 is under the bound and (almost) nothing failed. */
export function sustained(s: Stats, p99BoundMs: number): boolean {
  return s.p99 <= p99BoundMs && s.errors + s.dropped <= s.offered * 0.001 && s.achievedPerSecond >= s.rate * 0.9;
}

export interface RampOptions {
  p99BoundMs?: number;
  /** Seconds of load at the first rate before measuring (JIT, connection pools, Lambda-like module caches). */
  warmupSeconds?: number;
}

/**
 * Raises the rate step by step; returns every step and the highest sustained rate. The scenario is
 * warmed up first (unmeasured), and a step that is not sustained is repeated once before the ramp
 * stops: one cold or disturbed step (a GC pause, another process on a shared machine) must not end
 * the ramp, a rate the system cannot carry fails twice. Repeated steps are reported with `retry: true`.
 */
export async function ramp(
  rates: readonly number[],
  seconds: number,
  op: (i: number) => Promise<void>,
  options: RampOptions | number = {},
): Promise<{ steps: (Stats & { retry?: boolean })[]; maxSustained: number; p99BoundMs: number; warmup?: Stats }> {
  const o = typeof options === 'number' ? { p99BoundMs: options } : options;
  const p99BoundMs = o.p99BoundMs ?? 100;
  const warmupSeconds = o.warmupSeconds ?? Math.min(5, seconds);
  const steps: (Stats & { retry?: boolean })[] = [];
  let maxSustained = 0;
  const first = rates[0];
  const warmup = first !== undefined && warmupSeconds > 0 ? await openLoop(first, warmupSeconds, op) : undefined;
  for (const rate of rates) {
    let s: Stats & { retry?: boolean } = await openLoop(rate, seconds, op);
    steps.push(s);
    if (!sustained(s, p99BoundMs)) {
      s = { ...(await openLoop(rate, seconds, op)), retry: true };
      steps.push(s);
    }
    if (sustained(s, p99BoundMs)) maxSustained = rate;
    else break;
  }
  return { steps, maxSustained, p99BoundMs, ...(warmup ? { warmup } : {}) };
}
