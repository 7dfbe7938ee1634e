/**
 * The registry's change feed: one small shared item listing the latest devices whose keys,
 * status or existence changed, each under a version number. Function instances cache device
 * credentials for long and poll this item every REGISTRY_CHANGE_POLL_MS; a change evicts just
 * the devices it names. Pure (no AWS, no clock).
 *
 * Invariant: an instance that knows version `k` has seen every change up to `k`. The feed keeps
 * the last `maxEntries` changes; when older ones are dropped, `floor` rises to the newest dropped
 * version and an instance whose `k` is below it must drop its whole cache.
 */
export interface RegistryChange {
  deviceId: string;
  version: number;
}

export interface RegistryChanges {
  version: number;
  floor: number;
  changes: RegistryChange[];
}

export const EMPTY_CHANGES: RegistryChanges = { version: 0, floor: 0, changes: [] };

/** Entries kept in the shared item: bounds its size (≤ ~8 KB with 128-character ids) and its read cost. */
export const MAX_CHANGE_ENTRIES = 50;

/** The feed after `deviceIds` changed: one new version naming all of them. */
export function appendChanges(current: RegistryChanges, deviceIds: readonly string[], maxEntries = MAX_CHANGE_ENTRIES): RegistryChanges {
  const version = current.version + 1;
  const unique = [...new Set(deviceIds)];
  const all = [...current.changes.filter((c) => !unique.includes(c.deviceId)), ...unique.map((deviceId) => ({ deviceId, version }))];
  if (all.length <= maxEntries) return { version, floor: current.floor, changes: all };
  const dropped = all.slice(0, all.length - maxEntries);
  const floor = Math.max(current.floor, ...dropped.map((c) => c.version));
  // A change dropped at `version` itself (a batch larger than the feed) means everybody flushes.
  return { version, floor, changes: floor >= version ? [] : all.slice(all.length - maxEntries) };
}

/** What an instance that last saw `knownVersion` must evict. */
export function changesSince(feed: RegistryChanges, knownVersion: number): { flushAll: boolean; deviceIds: string[] } {
  if (feed.version < knownVersion) return { flushAll: true, deviceIds: [] }; // the feed was reset
  if (knownVersion < feed.floor) return { flushAll: true, deviceIds: [] };
  return { flushAll: false, deviceIds: feed.changes.filter((c) => c.version > knownVersion).map((c) => c.deviceId) };
}
