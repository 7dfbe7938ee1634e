/**
 * CloudWatch Logs volume of the hub's EMF metric lines under per-instance aggregation
 * (lib/metrics.ts): each live Lambda instance publishes what it recorded once per
 * METRICS_FLUSH_INTERVAL_MS window, or after `invocationsPerLine` invocations when a distribution
 * (one value per invocation) fills a line, whichever comes first. Pure.
 */

export interface EmfVolumeInput {
  invocations: number;
  /** The period the invocations arrive in. */
  seconds: number;
  /** Instances the invocations are spread over (at least 1 when there are invocations). */
  instances: number;
  flushIntervalMs: number;
  /** Fixed part of one publication: the lines' names, dimensions and sums. */
  bytesPerFlush: number;
  /** What each invocation adds to a publication: its distribution values. */
  valueBytesPerInvocation: number;
  /** null: the function records no distribution, only the interval publishes. */
  invocationsPerLine: number | null;
}

export interface EmfVolume {
  /** Publications in the period. */
  flushes: number;
  /** Invocations one publication covers. */
  invocationsPerFlush: number;
  bytes: number;
}

/**
 * An instance that serves r invocations a second covers r × interval of them per window (at least
 * one: an invocation in a window of its own still publishes it). Instances retired with an
 * unpublished window write less; the estimate ignores that (it errs high).
 */
export function emfVolume(i: EmfVolumeInput): EmfVolume {
  if (!(i.invocations > 0) || !(i.seconds > 0)) return { flushes: 0, invocationsPerFlush: 0, bytes: 0 };
  const perInstancePerSecond = i.invocations / i.seconds / Math.max(1, i.instances);
  let perFlush = Math.max(1, (perInstancePerSecond * Math.max(0, i.flushIntervalMs)) / 1000);
  if (i.invocationsPerLine !== null) perFlush = Math.min(perFlush, Math.max(1, i.invocationsPerLine));
  const flushes = i.invocations / perFlush;
  return { flushes, invocationsPerFlush: perFlush, bytes: flushes * i.bytesPerFlush + i.invocations * i.valueBytesPerInvocation };
}
