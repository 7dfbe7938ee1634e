/**
 * Lease balancing, pure: what one instance should take or steal, given the lease table and the
 * shards readable now. Every instance runs it on every lease tick; the conditional writes in the
 * lease table settle races. With N live instances and S readable shards the fixpoint gives each
 * instance ⌊S/N⌋ or ⌈S/N⌉ shards:
 *   - free leases (no owner, or expired) are taken up to ⌈S/N⌉, the ones handed to us first;
 *   - an instance below ⌊S/N⌋, or below ⌈S/N⌉ while another holds more than ⌈S/N⌉, asks the
 *     busiest instance to hand over one lease (never more than one at a time), which it does
 *     after its current batch (graceful handoff: no two instances read a shard at once) by
 *     releasing it reserved for the asker for one lease period.
 * Instances that own nothing are invisible to others; they count themselves, which is enough:
 * the under-loaded one is the one that acts.
 */
import type { Lease } from './types';

export type BalanceLease = Pick<Lease, 'shardId' | 'owner' | 'expiresAt' | 'transferTo'>;

export interface BalanceDecision {
  /** Free leases to take now. */
  take: string[];
  /** One lease to ask its owner for. */
  steal?: { shardId: string; from: string };
}

export function isLive(lease: Pick<Lease, 'owner' | 'expiresAt'>, now: number): lease is Pick<Lease, 'expiresAt'> & { owner: string } {
  return lease.owner !== undefined && lease.expiresAt > now;
}

/** Released by its owner for `transferTo`, reserved for it until `expiresAt`. */
export function isReserved(lease: BalanceLease, now: number): boolean {
  return lease.owner === undefined && lease.transferTo !== undefined && lease.expiresAt > now;
}

/** Who a lease counts for: its owner, or the instance it is being handed to. */
function holder(lease: BalanceLease, now: number): string | undefined {
  if (isLive(lease, now)) return lease.transferTo ?? lease.owner;
  return isReserved(lease, now) ? lease.transferTo : undefined;
}

export function balance(me: string, now: number, leases: readonly BalanceLease[], readable: ReadonlySet<string>): BalanceDecision {
  const active = leases.filter((l) => readable.has(l.shardId)).sort((a, b) => a.shardId.localeCompare(b.shardId));
  const counts = new Map<string, number>([[me, 0]]);
  for (const l of active) {
    const h = holder(l, now);
    if (h !== undefined) counts.set(h, (counts.get(h) ?? 0) + 1);
  }
  const workers = counts.size;
  const lo = Math.floor(active.length / workers);
  const hi = Math.ceil(active.length / workers);
  const mine = counts.get(me) ?? 0;

  const free = active.filter((l) => !isLive(l, now));
  // A lease released for someone else stays theirs until its reservation runs out.
  const handedToMe = free.filter((l) => l.transferTo === me);
  const open = free.filter((l) => l.transferTo === me || !isReserved(l, now));
  const take = handedToMe.map((l) => l.shardId);
  for (const l of open) {
    if (mine + take.length >= hi) break;
    if (!take.includes(l.shardId)) take.push(l.shardId);
  }
  if (take.length > 0) return { take };
  if (active.some((l) => isLive(l, now) && l.transferTo === me)) return { take: [] }; // one handoff at a time

  let busiest: string | undefined;
  let most = -1;
  for (const [w, n] of [...counts].sort(([a], [b]) => a.localeCompare(b))) {
    if (w !== me && n > most) [busiest, most] = [w, n];
  }
  if (busiest === undefined) return { take: [] };
  if (!((mine < lo && most > lo) || (mine < hi && most > hi))) return { take: [] };
  const victim = active.find((l) => isLive(l, now) && l.owner === busiest && l.transferTo === undefined);
  return victim ? { take: [], steal: { shardId: victim.shardId, from: busiest } } : { take: [] };
}
