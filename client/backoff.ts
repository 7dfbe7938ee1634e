/**
 * Reconnect delays for device clients: exponential with full jitter ("Exponential Backoff And
 * Jitter", AWS Architecture Blog), so a fleet that lost its sockets at once (a hub deploy, the
 * 2-hour connection limit) does not come back at once. Pure.
 */
export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
  random?: () => number;
}

/** Delay before reconnect attempt `attempt` (0 = the first after a close). */
export function reconnectDelayMs(attempt: number, opts: BackoffOptions): number {
  const ceiling = Math.min(opts.maxMs, opts.baseMs * 2 ** Math.min(attempt, 30));
  return Math.floor((opts.random ?? Math.random)() * ceiling);
}

export const DEVICE_BACKOFF: BackoffOptions = { baseMs: 1000, maxMs: 60_000 };
/** Well inside API Gateway's 10-minute idle timeout. */
export const DEFAULT_PING_SECONDS = 300;
