import { appendChanges, changesSince, EMPTY_CHANGES, MAX_CHANGE_ENTRIES, type RegistryChanges } from './changeFeed';
import type { Device, DeviceCredentials } from './device';
import { DeviceCache } from './deviceCache';

const POLL_MS = 5000;

function device(deviceId: string, over: Partial<Device> = {}): Device {
  return {
    deviceId,
    generationId: 'g1',
    etag: 'e1',
    status: 'enabled',
    authentication: { symmetricKey: { primaryKey: 'k1', secondaryKey: 'k2' } },
    ...over,
  } as Device;
}

/** A registry with the same contract as DeviceStore + RegistryChangeStore, counting reads. */
class FakeRegistry {
  devices = new Map<string, Device>();
  /** What an eventually consistent read returns (lags behind `devices` until `replicate()`). */
  replica = new Map<string, Device>();
  feed: RegistryChanges = EMPTY_CHANGES;
  deviceReads: { deviceId: string; consistent: boolean }[] = [];
  feedReads = 0;

  put(d: Device, { record = true, replicate = true } = {}): void {
    this.devices.set(d.deviceId, d);
    if (replicate) this.replica.set(d.deviceId, d);
    if (record) this.feed = appendChanges(this.feed, [d.deviceId]);
  }

  remove(deviceId: string): void {
    this.devices.delete(deviceId);
    this.replica.delete(deviceId);
    this.feed = appendChanges(this.feed, [deviceId]);
  }

  source = {
    getDevice: async (deviceId: string, consistent: boolean) => {
      this.deviceReads.push({ deviceId, consistent });
      return (consistent ? this.devices : this.replica).get(deviceId);
    },
    readChanges: async () => {
      this.feedReads += 1;
      return this.feed;
    },
  };
}

function setup(opts: { ttlMs?: number } = {}) {
  const registry = new FakeRegistry();
  let now = 1_000_000;
  const clock = {
    get: () => now,
    advance: (ms: number) => {
      now += ms;
    },
  };
  const cache = new DeviceCache(registry.source, {
    ttlMs: opts.ttlMs ?? 3_600_000,
    negativeTtlMs: 1000,
    pollMs: POLL_MS,
    maxEntries: 1000,
    now: clock.get,
  });
  return { registry, cache, clock };
}

describe('DeviceCache: changes take effect within pollMs', () => {
  const changes: [string, (r: FakeRegistry) => void, (d: DeviceCredentials | null) => boolean][] = [
    ['disable', (r) => r.put(device('d1', { status: 'disabled' })), (d) => d?.status === 'disabled'],
    [
      'key rotation',
      (r) => r.put(device('d1', { authentication: { type: 'sas', symmetricKey: { primaryKey: 'k3', secondaryKey: 'k4' } } })),
      (d) => d?.authentication.symmetricKey.primaryKey === 'k3',
    ],
    ['delete', (r) => r.remove('d1'), (d) => d === null],
  ];

  it.each(changes)('%s: served stale at most until pollMs after the change, then fresh', async (_name, change, isFresh) => {
    const { registry, cache, clock } = setup();
    registry.put(device('d1'));
    expect((await cache.get('d1'))?.status).toBe('enabled');
    clock.advance(1234); // the change lands somewhere inside a poll interval
    change(registry);
    // Drive the clock to the bound in steps: until then a stale answer is allowed, at the bound it is not.
    let fresh = false;
    let waited = 0;
    while (!fresh) {
      fresh = isFresh(await cache.get('d1'));
      if (!fresh) {
        clock.advance(100);
        waited += 100;
      }
      expect(waited).toBeLessThanOrEqual(POLL_MS);
    }
    expect(isFresh(await cache.get('d1'))).toBe(true);
  });

  it('re-reads a changed device strongly consistently, so a lagging replica is never read back', async () => {
    const { registry, cache, clock } = setup();
    registry.put(device('d1'));
    await cache.get('d1');
    registry.put(device('d1', { status: 'disabled' }), { replicate: false });
    clock.advance(POLL_MS);
    expect((await cache.get('d1'))?.status).toBe('disabled');
    expect(registry.deviceReads.at(-1)).toEqual({ deviceId: 'd1', consistent: true });
    // The next miss of this device (after the backstop TTL) is eventually consistent again.
  });

  it('evicts only the devices the feed names', async () => {
    const { registry, cache, clock } = setup();
    registry.put(device('d1'));
    registry.put(device('d2'));
    await cache.get('d1');
    await cache.get('d2');
    registry.put(device('d2', { status: 'disabled' }));
    clock.advance(POLL_MS);
    const before = registry.deviceReads.length;
    await cache.get('d1');
    await cache.get('d2');
    expect(registry.deviceReads.slice(before)).toEqual([{ deviceId: 'd2', consistent: true }]);
  });

  it('drops everything when more changes happened than the feed keeps', async () => {
    const { registry, cache, clock } = setup();
    registry.put(device('d1'));
    await cache.get('d1');
    registry.put(device('d1', { status: 'disabled' }), { record: false });
    for (let i = 0; i <= MAX_CHANGE_ENTRIES; i++) registry.put(device(`other-${i}`));
    clock.advance(POLL_MS);
    expect((await cache.get('d1'))?.status).toBe('disabled');
  });

  it('does not keep a read that a change overtook', async () => {
    const { registry, cache, clock } = setup();
    registry.put(device('d1'));
    await cache.get('d1');
    clock.advance(POLL_MS);
    // The feed read (next get) and a slow device read overlap: forget() lands while the read is out.
    cache.forget('d1');
    let release: () => void = () => undefined;
    const slow = new Promise<void>((r) => (release = r));
    const getDevice = registry.source.getDevice;
    registry.source.getDevice = async (id, consistent) => {
      const d = await getDevice(id, consistent);
      await slow;
      return d;
    };
    const pending = cache.get('d1');
    await new Promise((r) => setImmediate(r));
    cache.forget('d1');
    registry.put(device('d1', { status: 'disabled' }));
    release();
    expect((await pending)?.status).toBe('enabled');
    registry.source.getDevice = getDevice;
    expect((await cache.get('d1'))?.status).toBe('disabled');
  });

  it('the backstop TTL bounds staleness even if a feed write was lost', async () => {
    const { registry, cache, clock } = setup({ ttlMs: 60_000 });
    registry.put(device('d1'));
    await cache.get('d1');
    registry.put(device('d1', { status: 'disabled' }), { record: false });
    clock.advance(59_999);
    expect((await cache.get('d1'))?.status).toBe('enabled');
    clock.advance(1);
    expect((await cache.get('d1'))?.status).toBe('disabled');
  });
});

describe('DeviceCache: cost', () => {
  it('a device sending every 10 s for an hour costs one device read; the feed is read once per poll interval', async () => {
    const { registry, cache, clock } = setup();
    registry.put(device('d1'));
    for (let i = 0; i < 360; i++) {
      expect((await cache.get('d1'))?.status).toBe('enabled');
      clock.advance(10_000);
    }
    expect(registry.deviceReads).toEqual([{ deviceId: 'd1', consistent: false }]);
    expect(registry.feedReads).toBe(360);
  });

  it('holds only what authentication needs: tags and timestamps are not kept per instance', async () => {
    const { registry, cache } = setup();
    const stored = device('d1', { tags: { site: 'oslo', blob: 'x'.repeat(4000) }, createdTime: 't0', statusReason: 'r' });
    registry.put(stored);
    const held: DeviceCredentials | null = await cache.get('d1');
    expect(held).toEqual({
      deviceId: 'd1',
      generationId: 'g1',
      status: 'enabled',
      authentication: { type: 'sas', symmetricKey: { primaryKey: 'k1', secondaryKey: 'k2' } },
    });
    // A copy: the registry's item is not held alive (nor shared) by the cache.
    stored.authentication.symmetricKey.primaryKey = 'changed';
    expect((await cache.get('d1'))?.authentication.symmetricKey.primaryKey).toBe('k1');
  });

  it('concurrent requests share one feed read', async () => {
    const { registry, cache } = setup();
    registry.put(device('d1'));
    await Promise.all(Array.from({ length: 20 }, () => cache.get('d1')));
    expect(registry.feedReads).toBe(1);
  });

  it('remembers unknown ids for the negative TTL only', async () => {
    const { registry, cache, clock } = setup();
    expect(await cache.get('ghost')).toBeNull();
    expect(await cache.get('ghost')).toBeNull();
    expect(registry.deviceReads).toHaveLength(1);
    registry.put(device('ghost'), { record: false });
    clock.advance(1000);
    expect((await cache.get('ghost'))?.deviceId).toBe('ghost');
  });
});

describe('change feed', () => {
  it('names each change after the version an instance knows', () => {
    let feed = appendChanges(EMPTY_CHANGES, ['a']);
    const known = feed.version;
    feed = appendChanges(feed, ['b', 'c']);
    feed = appendChanges(feed, ['a']);
    expect(changesSince(feed, known)).toEqual({ flushAll: false, deviceIds: ['b', 'c', 'a'] });
    expect(changesSince(feed, feed.version)).toEqual({ flushAll: false, deviceIds: [] });
  });

  it('keeps at most maxEntries and raises the floor past what it dropped', () => {
    let feed = EMPTY_CHANGES;
    for (let i = 0; i < 10; i++) feed = appendChanges(feed, [`d${i}`], 4);
    expect(feed.changes).toHaveLength(4);
    expect(feed.floor).toBe(6);
    expect(changesSince(feed, 5).flushAll).toBe(true);
    expect(changesSince(feed, 6)).toEqual({ flushAll: false, deviceIds: ['d6', 'd7', 'd8', 'd9'] });
  });

  it('a batch larger than the feed makes every instance flush', () => {
    const feed = appendChanges(appendChanges(EMPTY_CHANGES, ['x']), ['a', 'b', 'c', 'd', 'e'], 4);
    expect(feed.changes).toEqual([]);
    expect(changesSince(feed, 1).flushAll).toBe(true);
    expect(changesSince(feed, feed.version).flushAll).toBe(false);
  });

  it('a feed behind what an instance knows (reset) makes it flush', () => {
    expect(changesSince(EMPTY_CHANGES, 3).flushAll).toBe(true);
  });
});
