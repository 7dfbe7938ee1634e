/**
 * Resharding order, pure: a shard created by a split or merge is read only after every parent
 * still in the stream has been read to its end, so each partition key's records come in order.
 */
import { SHARD_END, type Lease, type ShardInfo } from './types';

export function isFinished(lease: Pick<Lease, 'checkpoint'> | undefined): boolean {
  return lease?.checkpoint === SHARD_END;
}

/**
 * The shards a group may read now: not finished, and every parent either finished or gone from
 * the stream (trimmed after the retention period: nothing left to read).
 */
export function readableShards(shards: readonly ShardInfo[], leases: ReadonlyMap<string, Pick<Lease, 'checkpoint'>>): Set<string> {
  const listed = new Set(shards.map((s) => s.shardId));
  const out = new Set<string>();
  for (const shard of shards) {
    if (isFinished(leases.get(shard.shardId))) continue;
    const parentsDone = shard.parentShardIds.every((p) => !listed.has(p) || isFinished(leases.get(p)));
    if (parentsDone) out.add(shard.shardId);
  }
  return out;
}
