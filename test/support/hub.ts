/** What an end-to-end test needs to talk to the running test hub as devices and backends do. */
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { DeviceClient, ServiceClient } from '../../client/clients';
import { decodeRecord, StreamCursor } from '../../client/streamReader';
import type { Envelope } from '../../lib/envelope';
import type { Device } from '../../lib/registry/device';
import { conventionalName } from '../../lib/routing/endpointGuard';
import { deviceConnectionString } from '../../lib/sas';
import { TEST_HUB_FILE, type TestHubInfo } from './config';

let cached: TestHubInfo | undefined;

export function hubInfo(): TestHubInfo {
  if (!cached) {
    cached = JSON.parse(readFileSync(TEST_HUB_FILE, 'utf8')) as TestHubInfo;
    // Point this process's AWS SDK at the emulators, as the local stack does for the functions.
    for (const [k, v] of Object.entries(cached.awsEnv)) process.env[k] = v;
  }
  return cached;
}

export function service(): ServiceClient {
  const h = hubInfo();
  return new ServiceClient(h.httpUrl, h.connectionString);
}

export function uniqueId(prefix: string): string {
  return `${prefix}-${randomBytes(5).toString('hex')}`;
}

export async function newDevice(
  prefix = 'dev',
  body: Record<string, unknown> = {},
): Promise<{ device: Device; client: DeviceClient; connectionString: string }> {
  const svc = service();
  const device = await svc.createDevice(uniqueId(prefix), body);
  const connectionString = deviceConnectionString(svc.hostName, device.deviceId, device.authentication.symmetricKey.primaryKey);
  return { device, client: new DeviceClient(hubInfo().httpUrl, connectionString), connectionString };
}

export function kinesis(): KinesisClient {
  hubInfo();
  return new KinesisClient({ requestHandler: new NodeHttpHandler() });
}

/** A queue or stream name the routing API accepts as an endpoint target (README "Deploying"). */
export function endpointResourceName(suffix: string): string {
  return conventionalName(resourceName('ROUTING_ENDPOINT_NAMES'), suffix);
}

export function resourceName(name: string): string {
  const value = hubInfo().environment[name];
  if (!value) throw new Error(`no ${name} in the test hub environment`);
  return value;
}

/** Records what arrives in a stream after it was created. */
export class StreamWatcher {
  private readonly seen: Envelope[] = [];
  private constructor(private readonly cursor: StreamCursor) {}

  static async start(client: KinesisClient, stream = resourceName('EVENTS_STREAM')): Promise<StreamWatcher> {
    return new StreamWatcher(await StreamCursor.latest(client, stream));
  }

  /** Waits until `count` envelopes match (returns what matched, possibly fewer on timeout). */
  async waitFor(match: (e: Envelope) => boolean, count: number, timeoutMs = 10_000): Promise<Envelope[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      for (const r of await this.cursor.next()) this.seen.push(decodeRecord<Envelope>(r));
      const found = this.seen.filter(match);
      if (found.length >= count || Date.now() > deadline) return found;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

export type FaultService = 'dynamodb' | 'kinesis' | 'sqs';

/** Injects a fault between the functions and an emulator; returns a function that clears it. */
export async function injectFault(
  service: FaultService,
  rule: { operation: string; mode: 'error' | 'partial' | 'hang'; count?: number; errorCode?: string; status?: number; match?: string },
): Promise<() => Promise<void>> {
  const base = hubInfo().faultProxies?.[service];
  if (!base) throw new Error('the test hub runs without fault proxies');
  const res = await fetch(`${base}/__devhub/faults`, { method: 'POST', body: JSON.stringify(rule) });
  if (!res.ok) throw new Error(`fault proxy answered ${res.status}`);
  return async () => {
    await fetch(`${base}/__devhub/faults`, { method: 'DELETE' });
  };
}
