/**
 * `devhub routing failures`: a range the router's event source mapping gave up on (written to
 * router-failures in AWS's on-failure record format, as the mapping does) is listed, replayed from
 * the built-in stream through the router function, delivered to the endpoints that match now,
 * and removed from the queue.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GetRecordsCommand, GetShardIteratorCommand, KinesisClient, ListShardsCommand, type _Record } from '@aws-sdk/client-kinesis';
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueUrlCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { RoutingClient } from '../client/clients';
import type { Envelope } from '../lib/envelope';
import { failureRecord } from '../lib/routing/failureRecord';
import { devhub } from './support/cli';
import { endpointResourceName, hubInfo, newDevice, resourceName, uniqueId } from './support/hub';

hubInfo();
const kinesis = new KinesisClient({ requestHandler: new NodeHttpHandler() });
const sqs = new SQSClient({ requestHandler: new NodeHttpHandler(), useQueueUrlAsEndpoint: false });
afterAll(() => {
  kinesis.destroy();
  sqs.destroy();
});

async function latestIterators(stream: string): Promise<Map<string, string>> {
  const shards = (await kinesis.send(new ListShardsCommand({ StreamName: stream }))).Shards ?? [];
  const out = new Map<string, string>();
  for (const s of shards) {
    const it = await kinesis.send(new GetShardIteratorCommand({ StreamName: stream, ShardId: s.ShardId, ShardIteratorType: 'LATEST' }));
    if (s.ShardId && it.ShardIterator) out.set(s.ShardId, it.ShardIterator);
  }
  return out;
}

async function recordsOf(
  iterators: Map<string, string>,
  partitionKey: string,
  count: number,
): Promise<{ shardId: string; records: _Record[] }> {
  const found = new Map<string, _Record[]>();
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    for (const [shardId, iterator] of iterators) {
      const out = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator }));
      if (out.NextShardIterator) iterators.set(shardId, out.NextShardIterator);
      const mine = (out.Records ?? []).filter((r) => r.PartitionKey === partitionKey);
      found.set(shardId, [...(found.get(shardId) ?? []), ...mine]);
      if ((found.get(shardId) ?? []).length >= count) return { shardId, records: found.get(shardId) ?? [] };
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${count} records of ${partitionKey} not found in the stream`);
}

async function routerPast(shardId: string, sequenceNumber: string): Promise<void> {
  const file = join(hubInfo().dataDir, 'poller-checkpoints.json');
  const suffix = `/${resourceName('EVENTS_STREAM')}/${shardId}`;
  for (const deadline = Date.now() + 60_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 200))) {
    if (!existsSync(file)) continue;
    const checkpoints = JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
    const router = Object.entries(checkpoints).find(([key]) => key.endsWith(suffix))?.[1];
    if (router !== undefined && BigInt(router) >= BigInt(sequenceNumber)) return;
  }
  throw new Error(`the router did not get past ${sequenceNumber} on ${shardId}`);
}

it('lists a given-up range, replays it through the router into the endpoints, and removes it', async () => {
  const run = uniqueId('replay');
  const { device, client } = await newDevice('replay');
  const iterators = await latestIterators(resourceName('EVENTS_STREAM'));
  for (let i = 0; i < 3; i++) await client.send({ body: `m${i}`, properties: { replayrun: run } });
  const { shardId, records } = await recordsOf(iterators, device.deviceId, 3);
  // The live router must be past these records before the route exists, or it would route them
  // too: wait for the local event source mapping's checkpoint (poller-checkpoints.json).
  await routerPast(shardId, records[2]?.SequenceNumber ?? '');

  // Only now does a route send these messages anywhere: what arrives there came from the replay.
  const queueName = endpointResourceName(run);
  const url = (await sqs.send(new CreateQueueCommand({ QueueName: queueName }))).QueueUrl ?? '';
  const routing = new RoutingClient(hubInfo().httpUrl, hubInfo().connectionString);
  await routing.putEndpoint(run, { type: 'sqs', target: url });
  await routing.putRoute(run, { source: 'DeviceMessages', condition: `replayrun = '${run}'`, endpoint: run });
  try {
    await new Promise((r) => setTimeout(r, 1200)); // the router's routing cache (500 ms in tests)
    const start = records[0]?.SequenceNumber ?? '';
    const end = records[2]?.SequenceNumber ?? '';
    const failuresUrl = (await sqs.send(new GetQueueUrlCommand({ QueueName: resourceName('ROUTER_FAILURE_QUEUE') }))).QueueUrl ?? '';
    const record = failureRecord({
      shardId,
      startSequenceNumber: start,
      endSequenceNumber: end,
      batchSize: 3,
      streamArn: `arn:aws:kinesis:us-east-1:000000000000:stream/${resourceName('EVENTS_STREAM')}`,
      functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:router',
    });
    await sqs.send(new SendMessageCommand({ QueueUrl: failuresUrl, MessageBody: JSON.stringify(record) }));

    const listed = await devhub('routing', 'failures');
    expect(listed.code).toBe(0);
    const ranges = listed.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { startSequenceNumber: string; endSequenceNumber: string; shardId: string });
    expect(ranges).toContainEqual(expect.objectContaining({ shardId, startSequenceNumber: start, endSequenceNumber: end, batchSize: 3 }));

    const replayed = await devhub('routing', 'failures', 'replay', '--start', start);
    expect(replayed).toMatchObject({ code: 0 });
    expect(JSON.parse(replayed.stdout.trim())).toMatchObject({ startSequenceNumber: start, replayed: 3, failed: 0 });

    const arrived: Envelope[] = [];
    const deadline = Date.now() + 20_000;
    while (arrived.length < 3 && Date.now() < deadline) {
      const out = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
      for (const m of out.Messages ?? []) {
        arrived.push(JSON.parse(m.Body ?? '{}') as Envelope);
        await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: m.ReceiptHandle }));
      }
    }
    expect(arrived.map((e) => e.properties.replayrun)).toEqual([run, run, run]);
    expect(arrived.map((e) => Buffer.from(e.body, 'base64').toString()).sort()).toEqual(['m0', 'm1', 'm2']);

    const after = await devhub('routing', 'failures');
    expect(after.stdout).not.toContain(start);
  } finally {
    await routing.deleteRoute(run).catch(() => undefined);
    await routing.deleteEndpoint(run).catch(() => undefined);
  }
});

it('explains itself', async () => {
  expect((await devhub('routing', 'failures', '--help')).stdout).toMatch(/router-failures queue/);
  expect(await devhub('routing', 'failures', 'replay')).toMatchObject({ code: 2, stderr: expect.stringMatching(/--all or --start/) });
});
