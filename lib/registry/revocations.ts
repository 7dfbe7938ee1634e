/**
 * The revocation set: the ids the fast path must not trust — every id ever disabled or deleted,
 * and every id with derived keys (./derivedKeys.ts) that was re-keyed or re-created, i.e. whose
 * truth may differ from "exists, enabled, keys and generationId derived at version 0". The
 * registry writes an id here BEFORE it writes such a change to the device, then records the
 * change in the change feed (./changeFeed.ts); an id is never removed. So its size grows with
 * churn, not with the fleet.
 *
 * Each function instance loads the set once (after its first feed read) and keeps it current
 * from the same feed polls as its DeviceCache: every id a change names is treated as revoked on
 * this instance from then on (a safe over-approximation that costs no read), a flush-all reloads
 * the set, and so does the backstop `reloadMs` (covers a lost feed write, like the cache's TTL).
 * An id the instance has not seen revoked, signing with its version-0 derived keys, is
 * authenticated without a registry read. Pure: the loader and the clock are injected.
 */
import { deriveCredentials, type DerivedCredentials } from './derivedKeys';

export interface RevocationSource {
  /** The seed (undefined until one exists) and every revoked id; read strongly consistently. */
  load(): Promise<{ seed: string | undefined; revoked: Iterable<string> }>;
}

/** What one poll of the change feed saw (lib/registry/deviceCache.ts). */
export interface FeedPoll {
  /** The instance's first poll: it knew no version before. */
  initial: boolean;
  /** The feed dropped changes this instance had not seen: which ids changed is unknown. */
  flushAll: boolean;
  deviceIds: readonly string[];
}

export interface RevocationSetOptions {
  /** Backstop: the whole set is reloaded at least this often. */
  reloadMs: number;
  now?: () => number;
}

export class RevocationSet {
  private seed: string | undefined;
  private revoked: Set<string> | undefined;
  private loadedAt = Number.NEGATIVE_INFINITY;
  private readonly now: () => number;

  constructor(
    private readonly source: RevocationSource,
    private readonly opts: RevocationSetOptions,
  ) {
    this.now = opts.now ?? Date.now;
  }

  /**
   * Called after each feed read, before requests are served from it. A load only ever follows
   * the feed read it answers for, so every revocation recorded up to that feed version is in it.
   */
  async afterPoll(poll: FeedPoll): Promise<void> {
    const stale = this.now() - this.loadedAt >= this.opts.reloadMs;
    // No seed yet: the registry creates it with the first derived device; look again each poll.
    if (poll.initial || poll.flushAll || stale || this.seed === undefined || this.revoked === undefined) {
      await this.reload();
      return;
    }
    for (const id of poll.deviceIds) this.revoked.add(id);
  }

  private async reload(): Promise<void> {
    const startedAt = this.now();
    // Nothing is trusted while a (re)load is under way or after it failed.
    this.revoked = undefined;
    const { seed, revoked } = await this.source.load();
    this.seed = seed;
    this.revoked = new Set(revoked);
    this.loadedAt = startedAt;
  }

  /**
   * The version-0 derived credentials of `deviceId` if this instance trusts them (set loaded,
   * seed known, id not revoked); undefined means: ask the registry.
   */
  trusted(deviceId: string): DerivedCredentials | undefined {
    if (this.seed === undefined || this.revoked === undefined || this.revoked.has(deviceId)) return undefined;
    return deriveCredentials(this.seed, deviceId, 0);
  }

  /** Stops trusting the id on this instance (it found the id's device changed): the registry decides until the next reload. */
  forget(deviceId: string): void {
    this.revoked?.add(deviceId);
  }

  /** How many ids this instance holds revoked (for tests and metrics). */
  get size(): number {
    return this.revoked?.size ?? 0;
  }
}
