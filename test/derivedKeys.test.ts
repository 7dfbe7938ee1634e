/**
 * Derived device keys (lib/registry/derivedKeys.ts) and the revocation set
 * (lib/registry/revocations.ts) over the real adapters, against the test hub's dynalite. The
 * hub's own code (lib/hub.ts createHub) runs in-process on private copies of the devices and C2D
 * tables, as separate "function instances" (one writes the registry, others authenticate), so
 * DynamoDB calls can be counted by observing the client's `send`. The seed's secrecy is checked
 * through the test hub's HTTP API.
 */
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { randomBytes } from 'node:crypto';
import { DEVICE_KEY_SEED_KEY } from '../lib/adapters/aws/deviceKeySeed';
import { REVOCATIONS_PARTITION } from '../lib/adapters/aws/revocationStore';
import { parseConfig } from '../lib/config';
import { UnauthorizedError } from '../lib/errors';
import { createHub, type Hub } from '../lib/hub';
import { deriveCredentials } from '../lib/registry/derivedKeys';
import type { Device } from '../lib/registry/device';
import { buildSasToken, deviceResource } from '../lib/sas';
import { createActiveCopyOfTable } from './support/emulatorResources';
import { hubInfo, resourceName, service, uniqueId } from './support/hub';

hubInfo();
const handler = new NodeHttpHandler();
const raw = new DynamoDBClient({ requestHandler: handler });
const dynamo = DynamoDBDocumentClient.from(raw, { marshallOptions: { removeUndefinedValues: true } });
const kinesis = new KinesisClient({ requestHandler: handler });
const sqs = new SQSClient({ requestHandler: handler });
const suffix = `it-${randomBytes(4).toString('hex')}`;
const tables = { devices: `${resourceName('DEVICES_TABLE')}-${suffix}`, c2d: `${resourceName('C2D_TABLE')}-${suffix}` };
const POLL_MS = 1000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  await createActiveCopyOfTable(raw, resourceName('DEVICES_TABLE'), tables.devices);
  await createActiveCopyOfTable(raw, resourceName('C2D_TABLE'), tables.c2d);
});

afterAll(async () => {
  for (const t of Object.values(tables)) await raw.send(new DeleteTableCommand({ TableName: t })).catch(() => undefined);
  raw.destroy();
  kinesis.destroy();
  sqs.destroy();
});

/** A function instance: the hub's composition root over the private tables, its DynamoDB calls counted. */
function instance(pollMs = POLL_MS, env: Record<string, string> = {}): { hub: Hub; calls: string[] } {
  const calls: string[] = [];
  const counted = DynamoDBDocumentClient.from(raw, { marshallOptions: { removeUndefinedValues: true } });
  const send = counted.send.bind(counted);
  // Observes every call (command name and key), then makes it unchanged.
  counted.send = ((command: { constructor: { name: string }; input: { Key?: Record<string, unknown> } }, ...rest: unknown[]) => {
    calls.push(`${command.constructor.name}${command.input.Key ? ` ${JSON.stringify(command.input.Key)}` : ''}`);
    return (send as (...args: unknown[]) => unknown)(command, ...rest);
  }) as typeof counted.send;
  const config = parseConfig({
    ...hubInfo().environment,
    DEVICES_TABLE: tables.devices,
    C2D_TABLE: tables.c2d,
    REGISTRY_CHANGE_POLL_MS: String(pollMs),
    ...env,
  });
  return { hub: createHub(config, { dynamo: counted, kinesis, sqs }), calls };
}

const registry = instance().hub.registry;
const HOST = parseConfig(hubInfo().environment).hubHostname;
const keysOf = (d: Device) => d.authentication.symmetricKey;
const token = (deviceId: string, key: string) =>
  buildSasToken({ resource: deviceResource(HOST, deviceId), keyBase64: key, expiry: Math.floor(Date.now() / 1000) + 3600 });

async function accepts(hub: Hub, deviceId: string, key: string): Promise<boolean> {
  try {
    await hub.auth.authenticateDevice(token(deviceId, key), deviceId);
    return true;
  } catch (err) {
    if (err instanceof UnauthorizedError) return false;
    throw err;
  }
}

async function seed(table = tables.devices): Promise<string> {
  const item = (await dynamo.send(new GetCommand({ TableName: table, Key: { deviceId: DEVICE_KEY_SEED_KEY }, ConsistentRead: true }))).Item;
  if (typeof item?.seed !== 'string') throw new Error('no device-key seed');
  return item.seed;
}

async function revokedIds(): Promise<string[]> {
  const out = await dynamo.send(
    new QueryCommand({
      TableName: tables.c2d,
      KeyConditionExpression: 'deviceId = :p',
      ExpressionAttributeValues: { ':p': REVOCATIONS_PARTITION },
      ConsistentRead: true,
    }),
  );
  return (out.Items ?? []).map((i) => String(i.sk));
}

describe('derived device keys over DynamoDB', () => {
  it('creates the seed with the first keyless device and gives it the derived keys; authenticating it reads nothing after the cold-start load', async () => {
    const id = uniqueId('derived');
    const { device } = await registry.put(id, undefined, undefined);
    const derived = deriveCredentials(await seed(), id, 0);
    expect(keysOf(device)).toEqual({ primaryKey: derived.primaryKey, secondaryKey: derived.secondaryKey });
    expect(device.generationId).toBe(derived.generationId);

    const { hub, calls } = instance(60_000);
    expect(await accepts(hub, id, derived.primaryKey)).toBe(true);
    // The cold start: the feed, the seed, the revocation set (no device item).
    expect(calls.filter((c) => c.includes(id))).toEqual([]);
    calls.length = 0;
    for (let i = 0; i < 20; i++) expect(await accepts(hub, id, i % 2 ? derived.secondaryKey : derived.primaryKey)).toBe(true);
    expect(calls).toEqual([]);
    // What it authenticated as is the registry's device.
    await expect(hub.auth.authenticateDevice(token(id, derived.primaryKey), id)).resolves.toMatchObject({
      deviceId: id,
      generationId: device.generationId,
      status: 'enabled',
    });
  });

  it('with DERIVED_KEY_FAST_PATH=off checks every device token against the registry: a seed holder passes for no id the registry lacks', async () => {
    const id = uniqueId('derived-slow');
    const { device } = await registry.put(id, undefined, undefined);
    const never = uniqueId('never-created');
    const forged = deriveCredentials(await seed(), never, 0).primaryKey;
    // With the fast path on, the seed alone is enough (README "Security": why the switch exists).
    expect(await accepts(instance(60_000).hub, never, forged)).toBe(true);
    const { hub, calls } = instance(60_000, { DERIVED_KEY_FAST_PATH: 'off' });
    expect(await accepts(hub, id, keysOf(device).primaryKey)).toBe(true);
    expect(calls.filter((c) => c.includes(id))).toEqual([`GetCommand {"deviceId":"${id}"}`]);
    expect(calls.some((c) => c.includes(DEVICE_KEY_SEED_KEY) || c.startsWith('QueryCommand'))).toBe(false);
    expect(await accepts(hub, never, forged)).toBe(false);
  });

  it('refuses a disabled device on a warm instance once the poll bound has passed, and on a cold one at once', async () => {
    const id = uniqueId('derived-off');
    const { device } = await registry.put(id, undefined, undefined);
    const warm = instance().hub;
    expect(await accepts(warm, id, keysOf(device).primaryKey)).toBe(true);
    const changedAt = Date.now();
    await registry.put(id, JSON.stringify({ status: 'disabled' }), '*');
    expect(await revokedIds()).toContain(id);
    expect(await accepts(instance().hub, id, keysOf(device).primaryKey)).toBe(false);
    await sleep(Math.max(0, changedAt + POLL_MS - Date.now()));
    expect(await accepts(warm, id, keysOf(device).primaryKey)).toBe(false);
    // Re-enabled: accepted again, from the registry (the id stays revoked).
    await registry.put(id, JSON.stringify({ status: 'enabled' }), '*');
    await sleep(POLL_MS);
    expect(await accepts(warm, id, keysOf(device).primaryKey)).toBe(true);
  });

  it('refuses a deleted device; the re-created id gets new keys and its old token stays refused', async () => {
    const id = uniqueId('derived-del');
    const first = (await registry.put(id, undefined, undefined)).device;
    const warm = instance().hub;
    expect(await accepts(warm, id, keysOf(first).primaryKey)).toBe(true);
    await registry.delete(id, undefined);
    await sleep(POLL_MS);
    expect(await accepts(warm, id, keysOf(first).primaryKey)).toBe(false);
    await expect(registry.get(id)).rejects.toMatchObject({ status: 404 });
    expect((await registry.list('1000', undefined)).devices.map((d) => d.deviceId)).not.toContain(id);

    const second = (await registry.put(id, undefined, undefined)).device;
    expect(keysOf(second).primaryKey).toBe(deriveCredentials(await seed(), id, 1).primaryKey);
    expect(second.generationId).not.toBe(first.generationId);
    await sleep(POLL_MS);
    for (const hub of [warm, instance().hub]) {
      expect(await accepts(hub, id, keysOf(first).primaryKey)).toBe(false);
      expect(await accepts(hub, id, keysOf(second).primaryKey)).toBe(true);
    }
  });

  it('keeps a device with its own keys on the registry path, as before: read once, refused once disabled', async () => {
    const id = uniqueId('own-keys');
    const own = { primaryKey: randomBytes(32).toString('base64'), secondaryKey: randomBytes(32).toString('base64') };
    const { device } = await registry.put(id, JSON.stringify({ authentication: { symmetricKey: own } }), undefined);
    expect(keysOf(device)).toEqual(own);
    const { hub, calls } = instance();
    expect(await accepts(hub, id, own.primaryKey)).toBe(true);
    expect(await accepts(hub, id, own.secondaryKey)).toBe(true);
    expect(calls.filter((c) => c.startsWith('GetCommand') && c.includes(id))).toHaveLength(1);
    expect(await revokedIds()).not.toContain(id); // enabled with its own keys: no entry, the set stays churn-sized
    await registry.put(id, JSON.stringify({ status: 'disabled' }), '*');
    await sleep(POLL_MS);
    expect(await accepts(hub, id, own.primaryKey)).toBe(false);
    // Disabled: revoked too, so not even a holder of the seed passes the fast path for it.
    expect(await revokedIds()).toContain(id);
    expect(await accepts(instance().hub, id, deriveCredentials(await seed(), id, 0).primaryKey)).toBe(false);
  });
});

describe('the registry around tombstones, the seed and the feed item', () => {
  it('pages with top=N hold N devices however many other items the scan meets, each device once', async () => {
    const gone = [uniqueId('gone'), uniqueId('gone')];
    for (const id of gone) {
      await registry.put(id, undefined, undefined);
      await registry.delete(id, undefined);
    }
    const kept = uniqueId('kept');
    await registry.put(kept, undefined, undefined);
    const seen: string[] = [];
    let token: string | undefined;
    do {
      const page = await registry.list('1', token);
      token = page.continuationToken;
      if (token) expect(page.devices).toHaveLength(1);
      seen.push(...page.devices.map((d) => d.deviceId));
    } while (token);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toContain(kept);
    for (const id of gone) expect(seen).not.toContain(id);
    expect(seen.every((id) => !id.startsWith('#'))).toBe(true);
  });
});

describe('the device-key seed through the hub API', () => {
  it('appears in no registry answer', async () => {
    const hubSeed = await seed(resourceName('DEVICES_TABLE'));
    const svc = service();
    const id = uniqueId('seedless');
    const answers: unknown[] = [await svc.createDevice(id)];
    answers.push(await svc.getDevice(id));
    let continuation: string | undefined;
    do {
      const page = await svc.listDevices(1000, continuation);
      answers.push(page.devices);
      continuation = page.continuation;
    } while (continuation);
    for (const a of answers) {
      const text = JSON.stringify(a);
      expect(text).not.toContain(hubSeed);
      expect(text).not.toContain('keyLineage');
      expect(text).not.toContain(DEVICE_KEY_SEED_KEY);
    }
    await expect(svc.getDevice(DEVICE_KEY_SEED_KEY)).rejects.toThrow();
  });
});
