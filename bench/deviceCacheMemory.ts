/**
 * What one entry of the device cache (lib/registry/deviceCache.ts) costs in heap, so
 * DEVICE_AUTH_CACHE_MAX_ENTRIES can be sized against a function's memory. Fills a real DeviceCache
 * from a registry that answers JSON-parsed device items (as the SDK does) with random keys, ids and
 * small tags, and compares heap after a full GC.
 *
 *   npm run build && node --expose-gc dist/bench/deviceCacheMemory.js [devices]   (default 100000)
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { cpus } from 'node:os';
import { EMPTY_CHANGES } from '../lib/registry/changeFeed';
import type { Device } from '../lib/registry/device';
import { DeviceCache } from '../lib/registry/deviceCache';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');
const collect: () => void = gc;

function storedDevice(i: number): Device {
  const now = new Date().toISOString();
  const item: Device = {
    deviceId: `device-${String(i).padStart(7, '0')}-${randomBytes(4).toString('hex')}`,
    generationId: randomUUID(),
    etag: randomBytes(8).toString('base64'),
    status: 'enabled',
    statusReason: null,
    statusUpdatedTime: now,
    createdTime: now,
    authentication: {
      type: 'sas',
      symmetricKey: { primaryKey: randomBytes(32).toString('base64'), secondaryKey: randomBytes(32).toString('base64') },
    },
    tags: { site: 'oslo', floor: 3 },
  };
  return JSON.parse(JSON.stringify(item)) as Device;
}

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 100_000);
  const cache = new DeviceCache(
    { getDevice: async (id) => storedDevice(Number(id)), readChanges: async () => EMPTY_CHANGES },
    { ttlMs: 3_600_000, negativeTtlMs: 60_000, pollMs: 5000, maxEntries: n },
  );
  await cache.get('0'); // the first call builds the cache's own structures
  collect();
  const before = process.memoryUsage().heapUsed;
  for (let i = 1; i <= n; i++) await cache.get(String(i));
  collect();
  const perEntry = (process.memoryUsage().heapUsed - before) / n;
  // Keeps the cache reachable past the measurement (V8 collects what is never used again).
  if (!(await cache.get(String(n)))) throw new Error('the cache lost an entry');
  console.log(`device cache: ${n} entries, ${perEntry.toFixed(0)} bytes per entry, ${((perEntry * n) / 2 ** 20).toFixed(1)} MiB`);
  console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? 'unknown'}, Node ${process.version}`);
}

void main();
