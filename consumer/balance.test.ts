/**
 * The balancer as a group of instances would run it: every instance in turn renews its leases,
 * hands over leases others asked for, and applies its own decision with the same conditions the
 * lease table enforces. Whatever the order, the number of instances, shards and crashes, the
 * group settles with every shard owned by exactly one live instance and ⌊S/N⌋ or ⌈S/N⌉ each.
 */
import fc from 'fast-check';
import { balance, isLive, type BalanceLease } from './balance';

const LEASE_MS = 1000;

class Table {
  readonly leases = new Map<string, BalanceLease>();
  now = 1;
  constructor(shards: number) {
    for (let i = 0; i < shards; i++)
      this.leases.set(`shard-${String(i).padStart(3, '0')}`, { shardId: `shard-${String(i).padStart(3, '0')}`, expiresAt: 0 });
  }

  /** One lease tick of `me`; returns whether anything changed. */
  tick(me: string): boolean {
    this.now++;
    let changed = false;
    for (const l of this.leases.values()) {
      if (l.owner !== me || !isLive(l, this.now)) continue;
      if (l.transferTo !== undefined) {
        this.leases.set(l.shardId, { shardId: l.shardId, expiresAt: this.now + LEASE_MS, transferTo: l.transferTo });
        changed = true;
      } else l.expiresAt = this.now + LEASE_MS;
    }
    const all = [...this.leases.values()];
    const decision = balance(me, this.now, all, new Set(this.leases.keys()));
    for (const shardId of decision.take) {
      const l = this.leases.get(shardId);
      if (!l || isLive(l, this.now)) continue; // the conditional write fails
      this.leases.set(shardId, { shardId, owner: me, expiresAt: this.now + LEASE_MS });
      changed = true;
    }
    if (decision.steal) {
      const l = this.leases.get(decision.steal.shardId);
      if (l && l.owner === decision.steal.from && isLive(l, this.now) && l.transferTo === undefined) {
        l.transferTo = me;
        changed = true;
      }
    }
    return changed;
  }

  counts(live: readonly string[]): Map<string, number> {
    const out = new Map(live.map((w) => [w, 0]));
    for (const l of this.leases.values()) if (l.owner !== undefined && isLive(l, this.now)) out.set(l.owner, (out.get(l.owner) ?? 0) + 1);
    return out;
  }
}

/** Runs rounds in the given orders until one full round changes nothing. */
function settle(table: Table, live: readonly string[], orders: readonly number[][]): number {
  for (let round = 0; round < 500; round++) {
    const order = orders[round % orders.length] ?? [];
    const sequence = [...live].sort((a, b) => (order[live.indexOf(a)] ?? 0) - (order[live.indexOf(b)] ?? 0));
    let changed = false;
    for (const me of sequence) changed = table.tick(me) || changed;
    if (!changed) return round;
  }
  throw new Error('the group never settled');
}

function expectBalanced(table: Table, live: readonly string[]): void {
  const counts = table.counts(live);
  const s = table.leases.size;
  const n = live.length;
  for (const [w, c] of counts) {
    expect(live).toContain(w);
    expect([Math.floor(s / n), Math.ceil(s / n)]).toContain(c);
  }
  expect([...counts.values()].reduce((a, b) => a + b, 0)).toBe(s);
  for (const l of table.leases.values()) expect(l.transferTo).toBeUndefined();
}

const orders = fc.array(fc.array(fc.integer({ min: 0, max: 100 }), { minLength: 12, maxLength: 12 }), { minLength: 1, maxLength: 5 });

describe('lease balancing', () => {
  it('N instances and S shards settle at ⌊S/N⌋ or ⌈S/N⌉ each, every shard owned once', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 24 }), fc.integer({ min: 1, max: 12 }), orders, (shards, instances, order) => {
        const table = new Table(shards);
        const live = Array.from({ length: instances }, (_, i) => `i${i}`);
        settle(table, live, order);
        expectBalanced(table, live);
      }),
      { numRuns: 300 },
    );
  });

  it('rebalances when instances join late and when some crash (their leases expire)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 2, max: 8 }),
        fc.integer({ min: 1, max: 7 }),
        fc.integer({ min: 0, max: 6 }),
        orders,
        (shards, first, later, crashes, order) => {
          const table = new Table(shards);
          let live = Array.from({ length: first }, (_, i) => `a${i}`);
          settle(table, live, order);
          live = [...live, ...Array.from({ length: later }, (_, i) => `b${i}`)];
          settle(table, live, order);
          expectBalanced(table, live);
          const dead = new Set(live.slice(0, Math.min(crashes, live.length - 1)));
          live = live.filter((w) => !dead.has(w));
          table.now += LEASE_MS + 1; // the dead stop renewing; their leases expire
          settle(table, live, order);
          expectBalanced(table, live);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('never takes a live lease and never steals more than one at a time', () => {
    const leases: BalanceLease[] = [
      { shardId: 's1', owner: 'a', expiresAt: 100 },
      { shardId: 's2', owner: 'a', expiresAt: 100 },
      { shardId: 's3', owner: 'a', expiresAt: 100 },
      { shardId: 's4', owner: 'a', expiresAt: 100 },
    ];
    expect(balance('b', 50, leases, new Set(['s1', 's2', 's3', 's4']))).toEqual({ take: [], steal: { shardId: 's1', from: 'a' } });
    const pending = leases.map((l, i) => (i === 0 ? { ...l, transferTo: 'b' } : l));
    expect(balance('b', 50, pending, new Set(['s1', 's2', 's3', 's4']))).toEqual({ take: [] });
    // Expired: free for anyone.
    expect(balance('b', 150, leases, new Set(['s1', 's2', 's3', 's4'])).take).toEqual(['s1', 's2', 's3', 's4']);
  });

  it('ignores shards that are not readable yet (children of unfinished parents)', () => {
    const leases: BalanceLease[] = [
      { shardId: 'parent', expiresAt: 0 },
      { shardId: 'child-1', expiresAt: 0 },
    ];
    expect(balance('a', 1, leases, new Set(['parent']))).toEqual({ take: ['parent'] });
  });
});
