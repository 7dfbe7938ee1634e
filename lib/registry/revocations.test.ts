/**
 * Derived keys and the revocation set against the registry's truth: a real RegistryService and a
 * real Authenticator over in-memory ports (./registryTestkit.ts). Whatever the registry did, once
 * the feed has been polled a token is accepted exactly when reading the device record would
 * accept it, and the fast path never reads the registry.
 */
import fc from 'fast-check';
import { isHubError, UnauthorizedError } from '../errors';
import { buildSasToken, deviceResource } from '../sas';
import { deriveCredentials } from './derivedKeys';
import type { Device } from './device';
import { memoryHub, TEST_HOST } from './registryTestkit';
import { RevocationSet } from './revocations';

const SEED = Buffer.alloc(32, 9).toString('base64');
const POLL_MS = 5000;
const token = (deviceId: string, key: string, nowMs: number) =>
  buildSasToken({ resource: deviceResource(TEST_HOST, deviceId), keyBase64: key, expiry: Math.floor(nowMs / 1000) + 3600 });
const keysOf = (d: Device) => [d.authentication.symmetricKey.primaryKey, d.authentication.symmetricKey.secondaryKey];
const customKey = (n: number) => Buffer.alloc(32, n + 100).toString('base64');

type Op =
  | { op: 'createDerived'; id: string; disabled: boolean }
  | { op: 'createCustom'; id: string; key: number }
  | { op: 'status'; id: string; enabled: boolean }
  | { op: 'rekey'; id: string; key: number }
  | { op: 'tags'; id: string }
  | { op: 'delete'; id: string };

const ids = fc.constantFrom('a', 'b', 'c');
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant('createDerived' as const), id: ids, disabled: fc.boolean() }),
  fc.record({ op: fc.constant('createCustom' as const), id: ids, key: fc.integer({ min: 0, max: 3 }) }),
  fc.record({ op: fc.constant('status' as const), id: ids, enabled: fc.boolean() }),
  fc.record({ op: fc.constant('rekey' as const), id: ids, key: fc.integer({ min: 0, max: 3 }) }),
  fc.record({ op: fc.constant('tags' as const), id: ids }),
  fc.record({ op: fc.constant('delete' as const), id: ids }),
);

async function apply(hub: ReturnType<typeof memoryHub>, o: Op): Promise<Device | undefined> {
  const { registry } = hub;
  try {
    if (o.op === 'createDerived')
      return (await registry.put(o.id, JSON.stringify(o.disabled ? { status: 'disabled' } : {}), undefined)).device;
    if (o.op === 'createCustom') {
      const body = { authentication: { symmetricKey: { primaryKey: customKey(o.key), secondaryKey: customKey(o.key + 10) } } };
      return (await registry.put(o.id, JSON.stringify(body), undefined)).device;
    }
    if (o.op === 'status') return (await registry.put(o.id, JSON.stringify({ status: o.enabled ? 'enabled' : 'disabled' }), '*')).device;
    if (o.op === 'rekey')
      return (await registry.put(o.id, JSON.stringify({ authentication: { symmetricKey: { primaryKey: customKey(o.key) } } }), '*')).device;
    if (o.op === 'tags') return (await registry.put(o.id, JSON.stringify({ tags: { n: Math.random() } }), '*')).device;
    await registry.delete(o.id, undefined);
    return undefined;
  } catch (err) {
    if (isHubError(err) && err.status < 500) return undefined; // not found, conflict: the registry refused
    throw err;
  }
}

/** What reading the record decides: the device exists, is enabled and holds the key. */
async function truth(hub: ReturnType<typeof memoryHub>, id: string, key: string): Promise<Device | undefined> {
  const { device } = await hub.store.stored(id);
  return device?.status === 'enabled' && keysOf(device).includes(key) ? device : undefined;
}

async function decide(hub: ReturnType<typeof memoryHub>, id: string, key: string, auth = hub.auth): Promise<string | undefined> {
  try {
    return (await auth.authenticateDevice(token(id, key, hub.now()), id)).generationId;
  } catch (err) {
    if (err instanceof UnauthorizedError) return undefined;
    throw err;
  }
}

describe('derived keys and the revocation set', () => {
  it('accept exactly what the device record accepts, after any sequence of registry changes, once the feed is polled', async () => {
    await fc.assert(
      // `check`: poll and compare after this operation; changes between checks pile up in the feed.
      fc.asyncProperty(
        fc.array(fc.tuple(opArb, fc.boolean()), { maxLength: 25 }),
        fc.constantFrom(1, 2, 50),
        async (steps, feedEntries) => {
          // A feed of 1 or 2 entries drops changes a warm instance has not seen: it flushes and reloads the set.
          const hub = memoryHub({ seed: SEED, pollMs: POLL_MS, feedEntries });
          // Every key anyone was ever shown, per id (an attacker without the seed holds at most these).
          const disclosed = new Map<string, Set<string>>();
          for (const [i, [o, check]] of steps.entries()) {
            const device = await apply(hub, o);
            if (device && o.op === 'createDerived') {
              // A re-created id never gets back keys shown for an earlier device of that id.
              for (const k of keysOf(device)) expect(disclosed.get(o.id)?.has(k) ?? false).toBe(false);
            }
            if (device) for (const k of keysOf(device)) disclosed.set(o.id, new Set([...(disclosed.get(o.id) ?? []), k]));
            if (!check && i < steps.length - 1) continue;
            hub.advance(POLL_MS);
            // The instance that saw every change through the feed (or flushed), and one cold-started now.
            const instances = [hub.auth, hub.coldInstance()];
            // A holder of the seed passes the fast path only for a device that is enabled now (or an id no device ever had).
            for (const id of ['a', 'b', 'c']) {
              const everExisted = disclosed.has(id);
              const { device: current } = await hub.store.stored(id);
              for (const auth of instances) {
                const passes = (await decide(hub, id, deriveCredentials(SEED, id, 0).primaryKey, auth)) !== undefined;
                if (passes && everExisted) expect({ id, status: current?.status }).toEqual({ id, status: 'enabled' });
              }
            }
            for (const [id, keys] of disclosed) {
              for (const key of keys) {
                const expected = (await truth(hub, id, key))?.generationId;
                for (const [n, auth] of instances.entries()) {
                  expect({ n, id, key, generationId: await decide(hub, id, key, auth) }).toEqual({ n, id, key, generationId: expected });
                }
              }
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('authenticates a derived-key device with no registry read, and a revoked or custom-key one from the registry', async () => {
    const hub = memoryHub({ seed: SEED });
    const { device } = await hub.registry.put('d1', undefined, undefined);
    expect(device.authentication.symmetricKey.primaryKey).toBe(deriveCredentials(SEED, 'd1', 0).primaryKey);
    const before = hub.store.reads();
    for (let i = 0; i < 3; i++) await expect(decide(hub, 'd1', keysOf(device)[i % 2] ?? '')).resolves.toBe(device.generationId);
    expect(hub.store.reads()).toBe(before);

    const custom = customKey(1);
    await hub.registry.put(
      'd2',
      JSON.stringify({ authentication: { symmetricKey: { primaryKey: custom, secondaryKey: customKey(2) } } }),
      undefined,
    );
    await expect(decide(hub, 'd2', custom)).resolves.toBeDefined();
    expect(hub.store.reads()).toBe(before + 1);
    expect(hub.revoked.size).toBe(0); // custom keys are not a deviation: the set stays churn-sized
  });

  it('refuses a disabled device within the poll bound, not before its feed entry is polled', async () => {
    const hub = memoryHub({ seed: SEED, pollMs: POLL_MS });
    const { device } = await hub.registry.put('d1', undefined, undefined);
    const key = keysOf(device)[0] ?? '';
    await expect(decide(hub, 'd1', key)).resolves.toBeDefined();
    await hub.registry.put('d1', JSON.stringify({ status: 'disabled' }), '*');
    expect(hub.revoked.has('d1')).toBe(true);
    hub.advance(POLL_MS - 1);
    await expect(decide(hub, 'd1', key)).resolves.toBeDefined(); // the bound: the last feed read is still fresh
    hub.advance(1);
    await expect(decide(hub, 'd1', key)).resolves.toBeUndefined();
  });

  it('gives a re-created id new keys (the next derivation version); its old token stays refused', async () => {
    const hub = memoryHub({ seed: SEED });
    const first = (await hub.registry.put('d1', undefined, undefined)).device;
    await hub.registry.delete('d1', undefined);
    expect(hub.store.records.get('d1')).toEqual({ lineage: { version: 0 } });
    const second = (await hub.registry.put('d1', undefined, undefined)).device;
    expect(second.authentication.symmetricKey.primaryKey).toBe(deriveCredentials(SEED, 'd1', 1).primaryKey);
    expect(second.generationId).not.toBe(first.generationId);
    hub.advance(POLL_MS);
    await expect(decide(hub, 'd1', keysOf(first)[0] ?? '')).resolves.toBeUndefined();
    await expect(decide(hub, 'd1', keysOf(second)[0] ?? '')).resolves.toBe(second.generationId);
  });

  it('trusts nothing before the set is loaded, while a reload is under way, or after a failed one', async () => {
    let fail = false;
    let release: (() => void) | undefined;
    const set = new RevocationSet(
      {
        load: async () => {
          if (release === undefined) await new Promise<void>((r) => (release = r));
          if (fail) throw new Error('dynamo down');
          return { seed: SEED, revoked: ['x'] };
        },
      },
      { reloadMs: 1000, now: () => 0 },
    );
    expect(set.trusted('d1')).toBeUndefined();
    const loading = set.afterPoll({ initial: true, flushAll: false, deviceIds: [] });
    expect(set.trusted('d1')).toBeUndefined();
    release?.();
    await loading;
    expect(set.trusted('d1')?.primaryKey).toBe(deriveCredentials(SEED, 'd1', 0).primaryKey);
    expect(set.trusted('x')).toBeUndefined();
    await set.afterPoll({ initial: false, flushAll: false, deviceIds: ['d1'] });
    expect(set.trusted('d1')).toBeUndefined(); // named by the feed: revoked on this instance
    fail = true;
    await expect(set.afterPoll({ initial: false, flushAll: true, deviceIds: [] })).rejects.toThrow('dynamo down');
    expect(set.trusted('d2')).toBeUndefined();
  });

  it('serves from the registry while the set cannot be loaded, and from the derived keys again once it can', async () => {
    let failing = true;
    const hub = memoryHub({ seed: SEED, pollMs: POLL_MS, loadFails: () => failing });
    const { device } = await hub.registry.put('d1', undefined, undefined);
    const key = keysOf(device)[0] ?? '';
    await expect(decide(hub, 'd1', key)).resolves.toBe(device.generationId);
    expect(hub.store.reads()).toBe(1);
    failing = false;
    hub.advance(POLL_MS);
    const d2 = (await hub.registry.put('d2', undefined, undefined)).device;
    await expect(decide(hub, 'd2', keysOf(d2)[0] ?? '')).resolves.toBe(d2.generationId);
    expect(hub.store.reads()).toBe(1); // the set loaded at the next poll: d2 read nothing
  });

  it('trusts no derived key while the hub has no seed', async () => {
    const set = new RevocationSet({ load: async () => ({ seed: undefined, revoked: [] }) }, { reloadMs: 1000 });
    await set.afterPoll({ initial: true, flushAll: false, deviceIds: [] });
    expect(set.trusted('d1')).toBeUndefined();
  });
});
