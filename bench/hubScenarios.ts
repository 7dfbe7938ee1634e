/** Scenarios 1–3: device-to-cloud over HTTPS (single, batch) and WebSocket, with raw Kinesis ceilings. */
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  KinesisClient,
  PutRecordCommand,
  PutRecordsCommand,
} from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { randomBytes } from 'node:crypto';
import { Agent } from 'node:http';
import { DeviceClient, ServiceClient } from '../client/clients';
import { WsDevice } from '../client/wsDevice';
import { deviceConnectionString } from '../lib/sas';
import { ramp, type Stats } from './load';

export interface BenchHub {
  httpUrl: string;
  wsUrl: string;
  connectionString: string;
  eventsStream: string;
  /** Glob endpoint queue/stream names must match (ROUTING_ENDPOINT_NAMES). */
  endpointNames: string;
}

export interface ScenarioResult {
  scenario: string;
  unit: string;
  measured: { steps: Stats[]; maxSustained: number; p99BoundMs: number };
  ceiling?: { name: string; steps: Stats[]; maxSustained: number };
  /** measured.maxSustained / ceiling.maxSustained */
  ratio?: number;
  target?: { ratio: number; met: boolean };
}

export interface Plan {
  seconds: number;
  singleRates: number[];
  batchRates: number[];
  wsRates: number[];
  e2eRates: number[];
  c2dRates: number[];
  devices: number;
}

export async function createDevices(hub: BenchHub, n: number, prefix: string): Promise<{ id: string; cs: string }[]> {
  const svc = new ServiceClient(hub.httpUrl, hub.connectionString);
  const out: { id: string; cs: string }[] = [];
  for (let i = 0; i < n; i++) {
    const id = `${prefix}-${i}-${randomBytes(3).toString('hex')}`;
    const d = await svc.createDevice(id);
    out.push({ id, cs: deviceConnectionString(svc.hostName, id, d.authentication.symmetricKey.primaryKey) });
  }
  return out;
}

function kinesisClient(): KinesisClient {
  return new KinesisClient({ requestHandler: new NodeHttpHandler({ httpAgent: new Agent({ keepAlive: true, maxSockets: 256 }) }) });
}

/**
 * The ceilings write to a stream of their own in the same kinesalite (same shard count as the
 * events stream), so raw records never reach the hub's router.
 */
async function ceilingStream(kinesis: KinesisClient): Promise<string> {
  const name = `bench-ceiling-${randomBytes(3).toString('hex')}`;
  await kinesis.send(new CreateStreamCommand({ StreamName: name, ShardCount: 2 }));
  for (let i = 0; i < 100; i++) {
    const out = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: name }));
    if (out.StreamDescriptionSummary?.StreamStatus === 'ACTIVE') return name;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`stream ${name} did not become active`);
}

const ratio = (a: number, b: number) => (b > 0 ? Math.round((a / b) * 100) / 100 : 0);

export async function d2cHttpsSingle(hub: BenchHub, plan: Plan): Promise<ScenarioResult> {
  const devices = (await createDevices(hub, plan.devices, 'bench-single')).map((d) => new DeviceClient(hub.httpUrl, d.cs));
  const body = randomBytes(1024);
  const measured = await ramp(plan.singleRates, plan.seconds, async (i) => {
    await (devices[i % devices.length] as DeviceClient).send({ body, properties: { seq: String(i) } });
  });
  // Ceiling: raw PutRecord of an envelope-sized record (1 KB body base64 + stamping ≈ 1.8 KB).
  const kinesis = kinesisClient();
  const stream = await ceilingStream(kinesis);
  const record = randomBytes(1800);
  const ceiling = await ramp(plan.singleRates, plan.seconds, async (i) => {
    await kinesis.send(new PutRecordCommand({ StreamName: stream, PartitionKey: `bench-single-${i % plan.devices}`, Data: record }));
  });
  kinesis.destroy();
  const r = ratio(measured.maxSustained, ceiling.maxSustained);
  return {
    scenario: '1. D2C HTTPS, 1 message/request, 1 KB',
    unit: 'messages/s',
    measured,
    ceiling: { name: 'raw PutRecord to kinesalite', ...ceiling },
    ratio: r,
    target: { ratio: 0.5, met: r >= 0.5 },
  };
}

export async function d2cHttpsBatch(hub: BenchHub, plan: Plan): Promise<ScenarioResult> {
  const devices = (await createDevices(hub, Math.min(plan.devices, 20), 'bench-batch')).map((d) => new DeviceClient(hub.httpUrl, d.cs));
  const batch = Array.from({ length: 100 }, () => ({ body: randomBytes(1024) }));
  const measured = await ramp(plan.batchRates, plan.seconds, async (i) => {
    const res = await (devices[i % devices.length] as DeviceClient).sendBatch(batch);
    if (res.status !== 204) throw new Error(`batch answered ${res.status}`);
  });
  const kinesis = kinesisClient();
  const stream = await ceilingStream(kinesis);
  const records = Array.from({ length: 100 }, (_, j) => ({ PartitionKey: `bench-batch-${j % 20}`, Data: randomBytes(1800) }));
  const ceiling = await ramp(plan.batchRates, plan.seconds, async () => {
    await kinesis.send(new PutRecordsCommand({ StreamName: stream, Records: records }));
  });
  kinesis.destroy();
  const r = ratio(measured.maxSustained, ceiling.maxSustained);
  return {
    scenario: '2. D2C HTTPS, batches of 100 × 1 KB',
    unit: 'batches/s (×100 messages)',
    measured,
    ceiling: { name: 'raw PutRecords of 100 to kinesalite', ...ceiling },
    ratio: r,
    target: { ratio: 0.7, met: r >= 0.7 },
  };
}

export async function d2cWebSocket(hub: BenchHub, plan: Plan): Promise<ScenarioResult> {
  const devices = await createDevices(hub, plan.devices, 'bench-ws');
  const sockets = await Promise.all(devices.map((d) => WsDevice.fromConnectionString(hub.wsUrl, d.cs)));
  const body = randomBytes(1024).toString('base64');
  const measured = await ramp(plan.wsRates, plan.seconds, async (i) => {
    const socket = sockets[i % sockets.length] as WsDevice;
    const messageId = `m${i}`;
    socket.send({ action: 'send', messageId, body, base64: true });
    const reply = await socket.next((f) => f.messageId === messageId, 30_000);
    if (reply.type !== 'ack') throw new Error(`nack ${String(reply.code)}`);
  });
  await Promise.all(sockets.map((s) => s.close()));
  return { scenario: `3. D2C WebSocket with acks, ${plan.devices} connected devices`, unit: 'messages/s', measured };
}
