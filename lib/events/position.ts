/**
 * The reading position of a `GET /events` client: for every shard of the built-in stream,
 * where to continue. The client keeps it (an opaque base64url string) and sends it back, so
 * the hub keeps no state per reader. Pure: no AWS, no clock.
 *
 * Per shard the position holds the sequence number of the last record handed out (durable for
 * the stream's retention), or a time to start at when nothing was read yet, plus the shard
 * iterator Kinesis returned last and when (iterators expire after 5 minutes; a fresh one saves
 * a GetShardIterator call, whose limit is 5 per second per shard).
 */
export interface ShardPosition {
  /** Continue after this sequence number. */
  after?: string;
  /** Nothing read yet: start at this time (ms since epoch). */
  atMs?: number;
  /** The NextShardIterator of the last read, and when it was issued (ms since epoch). */
  iterator?: string;
  iteratorAtMs?: number;
  /** The shard is closed (resharding) and fully read. */
  done?: boolean;
}

/** Shards absent from a position are read from their beginning (children of a split shard). */
export type StreamPosition = Record<string, ShardPosition>;

export class InvalidPositionError extends Error {}

const SHARD_ID = /^shardId-\d{12}$/;
const SEQUENCE = /^\d{1,128}$/;
// Kinesis iterators are base64 text of a few hundred characters.
const ITERATOR = /^[A-Za-z0-9+/=_-]{1,1024}$/;
const MAX_SHARDS = 64;
/** Iterators older than this are not used (Kinesis expires them after 300 s). */
export const ITERATOR_MAX_AGE_MS = 240_000;

export function encodePosition(position: StreamPosition): string {
  const compact: Record<string, (string | number)[]> = {};
  for (const [shardId, p] of Object.entries(position)) {
    compact[shardId] = [p.after ?? '', p.atMs ?? 0, p.iterator ?? '', p.iteratorAtMs ?? 0, p.done ? 1 : 0];
  }
  return Buffer.from(JSON.stringify({ v: 1, s: compact }), 'utf8').toString('base64url');
}

/** Parses a position this API issued; anything else is an InvalidPositionError. */
export function decodePosition(token: string): StreamPosition {
  if (token.length > 64 * 1024 || !/^[A-Za-z0-9_-]+$/.test(token)) throw new InvalidPositionError('not a position this API issued');
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidPositionError('not a position this API issued');
  }
  const shards = (parsed as { v?: unknown; s?: unknown } | null)?.s;
  if ((parsed as { v?: unknown }).v !== 1 || typeof shards !== 'object' || shards === null || Array.isArray(shards))
    throw new InvalidPositionError('not a position this API issued');
  const entries = Object.entries(shards as Record<string, unknown>);
  if (entries.length > MAX_SHARDS) throw new InvalidPositionError('too many shards');
  const out: StreamPosition = {};
  for (const [shardId, value] of entries) {
    if (!SHARD_ID.test(shardId) || !Array.isArray(value) || value.length !== 5) throw new InvalidPositionError(`bad shard entry`);
    const [after, atMs, iterator, iteratorAtMs, done] = value as unknown[];
    if (typeof after !== 'string' || (after !== '' && !SEQUENCE.test(after))) throw new InvalidPositionError('bad sequence number');
    if (typeof iterator !== 'string' || (iterator !== '' && !ITERATOR.test(iterator))) throw new InvalidPositionError('bad iterator');
    if (!isTime(atMs) || !isTime(iteratorAtMs) || (done !== 0 && done !== 1)) throw new InvalidPositionError('bad shard entry');
    out[shardId] = {
      ...(after ? { after } : {}),
      ...(atMs ? { atMs } : {}),
      ...(iterator ? { iterator, iteratorAtMs } : {}),
      ...(done ? { done: true } : {}),
    };
  }
  return out;
}

function isTime(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value < 1e14;
}

/** How to (re)open a shard: a still-fresh iterator, after a sequence number, at a time, or from the start. */
export type ShardStart =
  | { kind: 'iterator'; iterator: string }
  | { kind: 'after'; sequenceNumber: string }
  | { kind: 'at'; timeMs: number }
  | { kind: 'trim-horizon' };

export function shardStart(p: ShardPosition | undefined, nowMs: number): ShardStart {
  if (p?.iterator && p.iteratorAtMs !== undefined && nowMs - p.iteratorAtMs < ITERATOR_MAX_AGE_MS && p.iteratorAtMs <= nowMs)
    return { kind: 'iterator', iterator: p.iterator };
  return reopen(p);
}

/** The start when the iterator cannot be used (expired, refused). */
export function reopen(p: ShardPosition | undefined): ShardStart {
  if (p?.after) return { kind: 'after', sequenceNumber: p.after };
  if (p?.atMs) return { kind: 'at', timeMs: p.atMs };
  return { kind: 'trim-horizon' };
}

/** Where a new reader starts: `latest` (now), `trim-horizon`, or an ISO time. */
export function startPosition(shardIds: readonly string[], from: string | undefined, nowMs: number): StreamPosition {
  const out: StreamPosition = {};
  if (from === 'trim-horizon') {
    for (const id of shardIds) out[id] = {};
    return out;
  }
  let atMs = nowMs;
  if (from !== undefined && from !== 'latest') {
    atMs = Date.parse(from);
    if (!/^\d{4}-\d{2}-\d{2}T/.test(from) || Number.isNaN(atMs))
      throw new InvalidPositionError('from must be latest, trim-horizon or an ISO time');
  }
  for (const id of shardIds) out[id] = { atMs: Math.max(1, atMs) };
  return out;
}
