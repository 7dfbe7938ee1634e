/**
 * Test helper (no I/O): the registry's ports in memory with the DynamoDB adapters' contracts —
 * conflict, etag preconditions, tombstones with their lineage (lib/adapters/aws/deviceStore.ts),
 * the revocation set (lib/adapters/aws/revocationStore.ts) and the change feed
 * (lib/adapters/aws/registryChangeStore.ts) — wired to a real RegistryService and a real
 * Authenticator, so a test can drive the registry and authenticate against it.
 */
import { Authenticator } from '../auth';
import type { EventStream } from '../envelope';
import { ConflictError, NotFoundError, PreconditionFailedError } from '../errors';
import { appendChanges, EMPTY_CHANGES, type RegistryChanges } from './changeFeed';
import type { KeyLineage } from './derivedKeys';
import type { Device } from './device';
import { RegistryService, type DeviceRecords, type StoredDevice } from './registryService';

export function memoryDeviceRecords(): DeviceRecords & { records: Map<string, StoredDevice>; reads: () => number } {
  const records = new Map<string, StoredDevice>();
  let reads = 0;
  const copy = (r: StoredDevice | undefined): StoredDevice => ({
    ...(r?.device ? { device: structuredClone(r.device) } : {}),
    ...(r?.lineage ? { lineage: { ...r.lineage } } : {}),
  });
  const withLineage = (device: Device, lineage: KeyLineage | undefined): StoredDevice => ({
    device: structuredClone(device),
    ...(lineage ? { lineage: { ...lineage } } : {}),
  });
  return {
    records,
    reads: () => reads,
    get: async (id) => {
      reads++;
      return copy(records.get(id)).device;
    },
    require: async (id) => {
      const d = copy(records.get(id)).device;
      if (!d) throw new NotFoundError(`Device ${id} not found`);
      return d;
    },
    stored: async (id) => copy(records.get(id)),
    create: async (device, lineage, over) => {
      const current = records.get(device.deviceId);
      const ok = over ? current !== undefined && !current.device && current.lineage?.version === over.version : current === undefined;
      if (!ok) throw new ConflictError(`Device ${device.deviceId} already exists`);
      records.set(device.deviceId, withLineage(device, lineage));
    },
    replace: async (device, etag, lineage) => {
      if (records.get(device.deviceId)?.device?.etag !== etag) throw new PreconditionFailedError('etag');
      records.set(device.deviceId, withLineage(device, lineage));
    },
    delete: async (id, ifMatch, tombstone) => {
      const d = records.get(id)?.device;
      if (!d) throw new NotFoundError(`Device ${id} not found`);
      if (ifMatch !== undefined && d.etag !== ifMatch) throw new PreconditionFailedError('etag');
      if (tombstone) records.set(id, { lineage: { ...tombstone } });
      else records.delete(id);
      return structuredClone(d);
    },
    list: async (limit) => ({
      devices: [...records.values()].flatMap((r) => (r.device ? [structuredClone(r.device)] : [])).slice(0, limit),
    }),
  };
}

export const TEST_HOST = 'hub.example.net';

/** A registry and an authenticator over the same in-memory records, feed and revocation set. */
export function memoryHub(opts: {
  seed: string;
  pollMs?: number;
  ttlMs?: number;
  loadFails?: () => boolean;
  /** Entries the change feed keeps (MAX_CHANGE_ENTRIES): a small one makes instances flush and reload often. */
  feedEntries?: number;
}) {
  const store = memoryDeviceRecords();
  const revoked = new Set<string>();
  let feed: RegistryChanges = EMPTY_CHANGES;
  let nowMs = 1_800_000_000_000;
  let seedReads = 0;
  const noEvents: EventStream = { putJson: async () => undefined };
  const record = async (device: Device) => {
    feed = appendChanges(feed, [device.deviceId], opts.feedEntries);
  };
  const hooks = {
    onDeleted: record,
    onUpdated: async (device: Device, authChanged: boolean) => (authChanged ? record(device) : undefined),
  };
  const registry = new RegistryService(store, noEvents, 'hub', hooks, () => new Date(nowMs), {
    seed: async () => {
      seedReads++;
      return opts.seed;
    },
    revoke: async (id) => {
      revoked.add(id);
    },
  });
  const pollMs = opts.pollMs ?? 5000;
  /** A function instance: its own cache and revocation set, loaded on its first request. */
  const instance = () =>
    new Authenticator(
      {
        getDevice: (id) => store.get(id),
        readChanges: async () => feed,
        getPolicy: async () => undefined,
        loadRevocations: async () => {
          if (opts.loadFails?.()) throw new Error('revocation set unreadable');
          return { seed: opts.seed, revoked: [...revoked] };
        },
      },
      {
        hubHostname: TEST_HOST,
        cacheTtlMs: 60_000,
        devices: { pollMs, ttlMs: opts.ttlMs ?? 3_600_000, maxEntries: 1000, negativeTtlMs: 1000 },
        now: () => nowMs,
      },
    );
  return {
    store,
    registry,
    auth: instance(),
    /** Another instance, cold-started now. */
    coldInstance: instance,
    revoked,
    feed: () => feed,
    seedReads: () => seedReads,
    now: () => nowMs,
    advance: (ms: number) => {
      nowMs += ms;
    },
  };
}
