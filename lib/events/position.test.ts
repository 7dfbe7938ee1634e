import { decodePosition, encodePosition, InvalidPositionError, ITERATOR_MAX_AGE_MS, reopen, shardStart, startPosition } from './position';

const shard = 'shardId-000000000000';

describe('positions', () => {
  it('round-trip through their opaque encoding', () => {
    const p = {
      [shard]: { after: '49650000000000000000000000000000000000000000000000000002', iterator: 'AAAA+/==', iteratorAtMs: 1_700_000_000_000 },
      'shardId-000000000001': { atMs: 1_700_000_000_000 },
      'shardId-000000000002': { after: '1', done: true },
      'shardId-000000000003': {},
    };
    const token = encodePosition(p);
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodePosition(token)).toEqual(p);
  });

  it.each([
    ['', 'empty'],
    ['!!!', 'not base64url'],
    [Buffer.from('not json').toString('base64url'), 'not JSON'],
    [Buffer.from('{"v":2,"s":{}}').toString('base64url'), 'another version'],
    [Buffer.from('{"v":1,"s":[]}').toString('base64url'), 'shards not an object'],
    [Buffer.from('{"v":1,"s":{"../x":["",0,"",0,0]}}').toString('base64url'), 'a bad shard id'],
    [Buffer.from(`{"v":1,"s":{"${shard}":["12a",0,"",0,0]}}`).toString('base64url'), 'a bad sequence number'],
    [Buffer.from(`{"v":1,"s":{"${shard}":["",0,"a b",0,0]}}`).toString('base64url'), 'a bad iterator'],
    [Buffer.from(`{"v":1,"s":{"${shard}":["",-1,"",0,0]}}`).toString('base64url'), 'a negative time'],
    [Buffer.from(`{"v":1,"s":{"${shard}":["",0,"",0,2]}}`).toString('base64url'), 'a bad done flag'],
    [Buffer.from(`{"v":1,"s":{"${shard}":["",0,""]}}`).toString('base64url'), 'a short entry'],
  ])('refuses %j (%s)', (token) => {
    expect(() => decodePosition(token)).toThrow(InvalidPositionError);
  });

  it('refuses more than 64 shards', () => {
    const many = Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`shardId-${String(i).padStart(12, '0')}`, {}]));
    expect(() => decodePosition(encodePosition(many))).toThrow(/too many shards/);
  });
});

describe('where a shard is read from', () => {
  const now = 1_700_000_000_000;

  it('uses a fresh iterator, else the sequence number, else the start time, else the trim horizon', () => {
    expect(shardStart({ after: '5', iterator: 'it', iteratorAtMs: now - 1000 }, now)).toEqual({ kind: 'iterator', iterator: 'it' });
    expect(shardStart({ after: '5', iterator: 'it', iteratorAtMs: now - ITERATOR_MAX_AGE_MS }, now)).toEqual({
      kind: 'after',
      sequenceNumber: '5',
    });
    // An iterator "from the future" (a clock step) is not trusted.
    expect(shardStart({ after: '5', iterator: 'it', iteratorAtMs: now + 60_000 }, now)).toEqual({ kind: 'after', sequenceNumber: '5' });
    expect(shardStart({ atMs: now - 5 }, now)).toEqual({ kind: 'at', timeMs: now - 5 });
    expect(shardStart(undefined, now)).toEqual({ kind: 'trim-horizon' });
    expect(reopen({ after: '7', iterator: 'x', iteratorAtMs: now })).toEqual({ kind: 'after', sequenceNumber: '7' });
  });

  it('starts new readers at now, at the trim horizon, or at an ISO time', () => {
    const shards = [shard, 'shardId-000000000001'];
    expect(startPosition(shards, undefined, now)).toEqual({ [shard]: { atMs: now }, 'shardId-000000000001': { atMs: now } });
    expect(startPosition(shards, 'latest', now)[shard]).toEqual({ atMs: now });
    expect(startPosition(shards, 'trim-horizon', now)[shard]).toEqual({});
    expect(startPosition(shards, '2026-01-01T00:00:00Z', now)[shard]).toEqual({ atMs: Date.parse('2026-01-01T00:00:00Z') });
    expect(() => startPosition(shards, 'yesterday', now)).toThrow(InvalidPositionError);
    expect(() => startPosition(shards, '1700000000', now)).toThrow(InvalidPositionError);
  });
});
