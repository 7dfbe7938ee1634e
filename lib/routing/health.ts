/** The endpoint health state machine (see EndpointHealth in model.ts). Pure. */
import type { EndpointHealth, HealthStatus } from './model';

export interface DeliveryOutcome {
  /** Messages the endpoint accepted. */
  delivered: number;
  /** Messages that could not be delivered within the retry budget (dead-lettered). */
  failed: number;
  /** True when some call had to be retried. */
  retried: boolean;
  /** The last error seen, if any (kept even when a retry then succeeded). */
  error?: string;
}

export function initialHealth(endpoint: string, now: Date): EndpointHealth {
  const t = now.toISOString();
  return { endpoint, status: 'unknown', since: t, consecutiveFailures: 0, updatedTime: t };
}

/**
 * The next health after one delivery round. Any failure makes the endpoint unhealthy, and
 * dead once `deadAfterFailures` rounds in a row failed; a round that delivered everything
 * makes it healthy, or degraded when it needed retries. A round with nothing to deliver
 * changes nothing.
 */
export function nextHealth(prev: EndpointHealth, outcome: DeliveryOutcome, now: Date, deadAfterFailures: number): EndpointHealth {
  if (outcome.delivered === 0 && outcome.failed === 0) return prev;
  const t = now.toISOString();
  let status: HealthStatus;
  const next: EndpointHealth = { ...prev, updatedTime: t };
  if (outcome.failed > 0) {
    next.consecutiveFailures = prev.consecutiveFailures + 1;
    status = next.consecutiveFailures >= deadAfterFailures ? 'dead' : 'unhealthy';
    next.lastFailureTime = t;
  } else {
    next.consecutiveFailures = 0;
    status = outcome.retried ? 'degraded' : 'healthy';
    next.lastSuccessTime = t;
  }
  if (outcome.error !== undefined) next.lastError = outcome.error;
  if (outcome.delivered > 0 && outcome.failed === 0 && !outcome.retried) delete next.lastError;
  if (status !== prev.status) next.since = t;
  next.status = status;
  return next;
}

/**
 * Calls allowed per batch for an endpoint in this state: a dead endpoint gets one probe, so
 * that it costs the router almost nothing until it comes back (the probe's success revives it).
 */
export function attemptsFor(health: EndpointHealth | undefined, maxAttempts: number): number {
  return health?.status === 'dead' ? 1 : maxAttempts;
}

/** Of two records of the same endpoint (written by different router instances), the newer. */
export function newerHealth(a: EndpointHealth | undefined, b: EndpointHealth | undefined): EndpointHealth | undefined {
  if (!a) return b;
  if (!b) return a;
  return a.updatedTime >= b.updatedTime ? a : b;
}
