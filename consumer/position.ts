/** Start positions as users write them: `trim-horizon`, `latest` or an ISO time. Pure. */
import type { StartPosition } from './types';

export class PositionError extends Error {
  override name = 'PositionError';
}

export function parsePosition(value: string): StartPosition {
  if (value === 'trim-horizon') return { type: 'trim-horizon' };
  if (value === 'latest') return { type: 'latest' };
  // Only full ISO dates: `new Date('1')` is a valid date, but certainly not what was meant.
  const time = /^\d{4}-\d{2}-\d{2}/.test(value) ? new Date(value) : new Date(Number.NaN);
  if (Number.isNaN(time.getTime())) throw new PositionError(`position must be trim-horizon, latest or an ISO time, got "${value}"`);
  return { type: 'at-timestamp', time };
}

export function formatPosition(p: StartPosition): string {
  return p.type === 'at-timestamp' ? p.time.toISOString() : p.type;
}

/**
 * `latest` is pinned to a time when a group is created or reset, so that every shard (and a
 * lease taken minutes later by another instance) starts from the same moment instead of
 * whatever the tip is when that shard is first read.
 */
export function pinPosition(p: StartPosition, now: number): StartPosition {
  return p.type === 'latest' ? { type: 'at-timestamp', time: new Date(now) } : p;
}
