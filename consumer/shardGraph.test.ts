/**
 * Parent/child ordering against fake shard listings (a stream resharded at random by splits and
 * merges while records of many partition keys arrive): reading only the shards readableShards()
 * offers, in any order it allows, yields every key's records in the order they were written.
 */
import fc from 'fast-check';
import { readableShards } from './shardGraph';
import { SHARD_END, type ShardInfo } from './types';

interface FakeShard extends ShardInfo {
  /** Hash range [lo, hi) over a small key space. */
  lo: number;
  hi: number;
  records: { key: number; seq: number }[];
}

type Op = { kind: 'write'; key: number } | { kind: 'split'; pick: number; at: number } | { kind: 'merge'; pick: number };

const KEYS = 64;

function buildStream(initial: number, ops: readonly Op[]): FakeShard[] {
  const shards: FakeShard[] = [];
  const width = Math.ceil(KEYS / initial);
  for (let i = 0; i < initial; i++) {
    shards.push({
      shardId: `s${shards.length}`,
      parentShardIds: [],
      closed: false,
      lo: i * width,
      hi: Math.min(KEYS, (i + 1) * width),
      records: [],
    });
  }
  const open = () => shards.filter((s) => !s.closed && s.hi > s.lo).sort((a, b) => a.lo - b.lo);
  let seq = 0;
  for (const op of ops) {
    if (op.kind === 'write') {
      const shard = open().find((s) => op.key >= s.lo && op.key < s.hi);
      shard?.records.push({ key: op.key, seq: seq++ });
    } else if (op.kind === 'split') {
      const candidates = open().filter((s) => s.hi - s.lo >= 2);
      const parent = candidates[op.pick % Math.max(1, candidates.length)];
      if (!parent) continue;
      const mid = parent.lo + 1 + (op.at % (parent.hi - parent.lo - 1));
      parent.closed = true;
      shards.push({ shardId: `s${shards.length}`, parentShardIds: [parent.shardId], closed: false, lo: parent.lo, hi: mid, records: [] });
      shards.push({ shardId: `s${shards.length}`, parentShardIds: [parent.shardId], closed: false, lo: mid, hi: parent.hi, records: [] });
    } else {
      const list = open();
      if (list.length < 2) continue;
      const i = op.pick % (list.length - 1);
      const [a, b] = [list[i], list[i + 1]];
      if (!a || !b) continue;
      a.closed = true;
      b.closed = true;
      shards.push({ shardId: `s${shards.length}`, parentShardIds: [a.shardId, b.shardId], closed: false, lo: a.lo, hi: b.hi, records: [] });
    }
  }
  return shards;
}

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('write' as const), key: fc.integer({ min: 0, max: KEYS - 1 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('split' as const), pick: fc.nat(), at: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('merge' as const), pick: fc.nat() }) },
);

describe('resharding order', () => {
  it('any reading order readableShards allows keeps every partition key in write order and reads everything', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }),
        fc.array(op, { maxLength: 120 }),
        fc.array(fc.nat(), { minLength: 1, maxLength: 30 }),
        (initial, ops, picks) => {
          const shards = buildStream(initial, ops);
          const checkpoints = new Map<string, { checkpoint?: string }>();
          const seen = new Map<number, number[]>();
          let reads = 0;
          for (let step = 0; ; step++) {
            // Only closed shards can be finished; an open shard is read and stays readable.
            const readable = [...readableShards(shards, checkpoints)].filter((id) => shards.find((s) => s.shardId === id)?.closed);
            const openUnread = shards.filter(
              (s) => !s.closed && !checkpoints.has(s.shardId) && readableShards(shards, checkpoints).has(s.shardId),
            );
            if (readable.length === 0) {
              for (const s of openUnread) {
                for (const r of s.records) seen.set(r.key, [...(seen.get(r.key) ?? []), r.seq]);
                checkpoints.set(s.shardId, { checkpoint: 'some-sequence-number' });
              }
              break;
            }
            const pick = readable[(picks[step % picks.length] ?? 0) % readable.length] ?? '';
            const shard = shards.find((s) => s.shardId === pick);
            if (!shard) throw new Error('unknown shard');
            for (const r of shard.records) seen.set(r.key, [...(seen.get(r.key) ?? []), r.seq]);
            checkpoints.set(pick, { checkpoint: SHARD_END });
            reads++;
          }
          const written = shards.flatMap((s) => s.records).length;
          expect([...seen.values()].reduce((n, l) => n + l.length, 0)).toBe(written);
          for (const seqs of seen.values()) expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
          expect(reads).toBe(shards.filter((s) => s.closed).length);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('offers a child only once every listed parent is finished', () => {
    const shards: ShardInfo[] = [
      { shardId: 'a', parentShardIds: [], closed: true },
      { shardId: 'b', parentShardIds: [], closed: true },
      { shardId: 'ab', parentShardIds: ['a', 'b'], closed: false },
      { shardId: 'c', parentShardIds: ['gone'], closed: false },
    ];
    expect([...readableShards(shards, new Map())].sort()).toEqual(['a', 'b', 'c']);
    expect([...readableShards(shards, new Map([['a', { checkpoint: SHARD_END }]]))].sort()).toEqual(['b', 'c']);
    const both = new Map([
      ['a', { checkpoint: SHARD_END }],
      ['b', { checkpoint: SHARD_END }],
    ]);
    expect([...readableShards(shards, both)].sort()).toEqual(['ab', 'c']);
  });
});
