/**
 * Devices as authentication sees them, cached per function instance for long (DEVICE_AUTH_CACHE_TTL_MS)
 * and kept honest by the registry's change feed (./changeFeed.ts), read at most once per
 * REGISTRY_CHANGE_POLL_MS. A request is served from a feed read at most `pollMs` old, so a disable,
 * delete or key change that has been recorded in the feed takes effect within `pollMs` on every
 * instance. Misses read the registry eventually consistently (half a strongly consistent read);
 * a device the feed named is re-read strongly consistently once, so a just-written change is
 * never read back stale. Pure: the reader and the clock are injected.
 */
import { TtlCache } from '../ttlCache';
import { changesSince, type RegistryChanges } from './changeFeed';
import { credentialsOf, type Device, type DeviceCredentials } from './device';
import type { FeedPoll } from './revocations';

export interface DeviceCacheSource {
  getDevice(deviceId: string, consistent: boolean): Promise<Device | undefined>;
  /** The feed, read strongly consistently. */
  readChanges(): Promise<RegistryChanges>;
}

export interface DeviceCacheOptions {
  /** Backstop: how long an entry lives even if no change names it (covers a lost feed write). */
  ttlMs: number;
  /** Unknown ids are remembered this long, so a flood of bad ids cannot hammer the table. */
  negativeTtlMs: number;
  /** How old the feed read serving a request may be: the staleness bound for disable, delete and re-key. */
  pollMs: number;
  maxEntries: number;
  now?: () => number;
}

export class DeviceCache {
  private readonly entries: TtlCache<DeviceCredentials | null>;
  /** Devices the feed named since their last read: their next read is strongly consistent. */
  private readonly changed = new Set<string>();
  private readonly now: () => number;
  private knownVersion: number | undefined;
  private polledAt = Number.NEGATIVE_INFINITY;
  private polling: Promise<void> | undefined;
  /** Bumped by every eviction: a read that raced one is not cached. */
  private evictions = 0;
  private consistentAll = false;

  constructor(
    private readonly source: DeviceCacheSource,
    private readonly opts: DeviceCacheOptions,
    /** Told what each feed read saw, before any request is served from it (./revocations.ts). */
    private readonly afterPoll?: (poll: FeedPoll) => Promise<void>,
  ) {
    this.now = opts.now ?? Date.now;
    this.entries = new TtlCache(opts.maxEntries, this.now);
  }

  /** The device, or null if it does not exist; at most `pollMs` behind the registry's change feed. */
  async get(deviceId: string): Promise<DeviceCredentials | null> {
    await this.sync();
    const hit = this.entries.get(deviceId);
    if (hit !== undefined) return hit;
    const evictionsBefore = this.evictions;
    const consistent = this.consistentAll || this.changed.has(deviceId);
    const found = await this.source.getDevice(deviceId, consistent);
    const device = found ? credentialsOf(found) : null;
    if (this.evictions !== evictionsBefore) return device; // a change arrived meanwhile: serve, do not keep
    if (consistent) this.changed.delete(deviceId);
    this.entries.set(deviceId, device, device ? this.opts.ttlMs : Math.min(this.opts.ttlMs, this.opts.negativeTtlMs));
    return device;
  }

  /** Drops one device (after this instance changed or deleted it, or found it stale). */
  forget(deviceId: string): void {
    this.evict(deviceId);
  }

  private evict(deviceId: string): void {
    this.evictions += 1;
    this.entries.delete(deviceId);
    this.changed.add(deviceId);
  }

  /** Polls the feed if the last read is `pollMs` old (concurrent callers share one read). */
  async sync(): Promise<void> {
    if (this.now() - this.polledAt < this.opts.pollMs) return;
    // Concurrent requests on one instance share one feed read.
    this.polling ??= this.poll().finally(() => {
      this.polling = undefined;
    });
    await this.polling;
  }

  private async poll(): Promise<void> {
    // The read is as fresh as its start: count the bound from there.
    const startedAt = this.now();
    const feed = await this.source.readChanges();
    this.consistentAll = false;
    let poll: FeedPoll = { initial: true, flushAll: false, deviceIds: [] };
    if (this.knownVersion !== undefined) {
      const { flushAll, deviceIds } = changesSince(feed, this.knownVersion);
      poll = { initial: false, flushAll, deviceIds };
      if (flushAll) {
        // More changes than the feed keeps: which devices changed is unknown, so every device is
        // evicted and read strongly consistently until the next poll.
        this.evictions += 1;
        this.entries.clear();
        this.consistentAll = true;
      }
      for (const id of deviceIds) this.evict(id);
    }
    // If this fails, the version is not taken: the next request polls again and retells it.
    await this.afterPoll?.(poll);
    this.knownVersion = feed.version;
    this.polledAt = startedAt;
  }
}
