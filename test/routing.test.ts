/**
 * Message routing end to end through the local hub: devices send over HTTPS, the poller feeds
 * the built-in stream to the router, and the test reads the custom endpoints (SQS, FIFO SQS,
 * a second Kinesis stream) it created itself in the hub's emulators.
 */
import { DeleteStreamCommand } from '@aws-sdk/client-kinesis';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteQueueCommand,
  ReceiveMessageCommand,
  SQSClient,
  type Message,
} from '@aws-sdk/client-sqs';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { ApiError, RoutingClient } from '../client/clients';
import { WsDevice } from '../client/wsDevice';
import type { Envelope } from '../lib/envelope';
import type { EndpointHealth, EndpointType } from '../lib/routing/model';
import { endpointResourceName, hubInfo, kinesis, newDevice, resourceName, service, StreamWatcher, uniqueId } from './support/hub';
import { createActiveStream } from './support/emulatorResources';

const k = kinesis();
const sqs = new SQSClient({ requestHandler: new NodeHttpHandler() });
afterAll(() => {
  k.destroy();
  sqs.destroy();
});

function routingClient(): RoutingClient {
  const h = hubInfo();
  return new RoutingClient(h.httpUrl, h.connectionString);
}

async function createQueue(name: string): Promise<string> {
  const fifo = name.endsWith('.fifo');
  const out = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: fifo ? { FifoQueue: 'true' } : {} }));
  if (!out.QueueUrl) throw new Error('no queue url');
  return out.QueueUrl;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Routing config is cached by the router for ROUTING_CACHE_TTL_MS (500 ms in tests). */
const routingCacheSettles = () => sleep(1200);

/** Receives (and deletes) until `count` messages matching `match` arrived, or the timeout. */
async function drain(
  queueUrl: string,
  match: (e: Envelope, m: Message) => boolean,
  count: number,
  timeoutMs = 15_000,
): Promise<{ envelope: Envelope; message: Message }[]> {
  const got: { envelope: Envelope; message: Message }[] = [];
  const deadline = Date.now() + timeoutMs;
  while (got.length < count && Date.now() < deadline) {
    const out = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, MessageAttributeNames: ['All'] }),
    );
    const messages = out.Messages ?? [];
    if (messages.length === 0) {
      await sleep(100);
      continue;
    }
    for (const m of messages) {
      const envelope = JSON.parse(m.Body ?? '{}') as Envelope;
      if (match(envelope, m)) got.push({ envelope, message: m });
    }
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle ?? '' })),
      }),
    );
  }
  return got;
}

/** What arrives in the queue during `ms` (to prove nothing more comes). */
async function drainFor(queueUrl: string, match: (e: Envelope) => boolean, ms: number): Promise<Envelope[]> {
  return (await drain(queueUrl, match, Number.MAX_SAFE_INTEGER, ms)).map((x) => x.envelope);
}

const seqOf = (e: Envelope) => Number(e.properties.seq);
const key = (e: Envelope) => `${e.deviceId}#${e.properties.seq}`;

describe('message routing', () => {
  const run = endpointResourceName(uniqueId('rt'));
  const client = routingClient();
  const cleanup: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const step of cleanup.reverse()) await step().catch(() => undefined);
  });

  it('delivers exactly the matching messages to SQS, FIFO SQS and Kinesis endpoints, enriched, in per-device order, once per endpoint; fallback gets the rest', async () => {
    const queueUrl = await createQueue(`${run}-q`);
    const fifoUrl = await createQueue(`${run}-f.fifo`);
    const fallbackUrl = await createQueue(`${run}-fb`);
    const streamName = `${run}-s`;
    await createActiveStream(k, streamName, 1);
    const ep = { sqs: `${run}-sqs`, fifo: `${run}-fifo`, kin: `${run}-kin`, fb: `${run}-fb` };
    await client.putEndpoint(ep.sqs, { type: 'sqs', target: queueUrl });
    // The FIFO queue by ARN, the stream by ARN: both target forms work.
    await client.putEndpoint(ep.fifo, { type: 'sqs-fifo', target: `arn:aws:sqs:us-east-1:123456789012:${run}-f.fifo` });
    await client.putEndpoint(ep.kin, { type: 'kinesis', target: `arn:aws:kinesis:us-east-1:000000000000:stream/${streamName}` });
    await client.putEndpoint(ep.fb, { type: 'sqs', target: fallbackUrl });
    cleanup.push(async () => {
      for (const r of await client.listRoutes()) if (r.name.startsWith(run)) await client.deleteRoute(r.name);
      const fb = await client.getFallback().catch(() => undefined);
      if (fb?.endpoint === ep.fb) await client.deleteFallback();
      for (const name of Object.values(ep)) await client.deleteEndpoint(name);
      await k.send(new DeleteStreamCommand({ StreamName: streamName }));
    });
    await client.putEnrichment(ep.sqs, 'hub', '$iothubname');
    await client.putEnrichment(ep.sqs, 'site', '$twin.tags.site');
    await client.putEnrichment(ep.sqs, 'missing', '$twin.tags.nope.deeper');
    await client.putEnrichment(ep.sqs, 'team', 'blue');
    await client.putEnrichment(ep.kin, 'via', 'kinesis');
    const mine = `run = '${run}'`;
    await client.putRoute(`${run}-hot`, { source: 'DeviceMessages', condition: `${mine} AND $body.temp > 30`, endpoint: ep.sqs });
    await client.putRoute(`${run}-alert`, { source: 'DeviceMessages', condition: `${mine} AND level = 'alert'`, endpoint: ep.sqs });
    await client.putRoute(`${run}-off`, { source: 'DeviceMessages', condition: mine, endpoint: ep.sqs, enabled: false });
    await client.putRoute(`${run}-oslo`, {
      source: 'DeviceMessages',
      condition: `${mine} AND $twin.tags.site = 'oslo'`,
      endpoint: ep.fifo,
    });
    await client.putRoute(`${run}-even`, { source: 'DeviceMessages', condition: `${mine} AND AS_NUMBER(seq) % 2 = 0`, endpoint: ep.kin });
    await client.setFallback(ep.fb);
    await routingCacheSettles();

    const oslo = await newDevice(`${run}-oslo`, { tags: { site: 'oslo' } });
    const other = await newDevice(`${run}-other`);
    const watcher = await StreamWatcher.start(k, streamName);
    const N = 14;
    const body = (i: number) => JSON.stringify({ temp: 20 + ((i * 7) % 20) });
    const temp = (i: number) => 20 + ((i * 7) % 20);
    const level = (i: number) => (i % 4 === 1 ? 'alert' : 'info');
    // Each device sends in order; the two devices send concurrently.
    await Promise.all(
      [oslo, other].map(async (d) => {
        for (let i = 0; i < N; i++) {
          await d.client.send({
            body: body(i),
            contentType: 'application/json',
            contentEncoding: 'utf-8',
            messageId: `${d.device.deviceId}-${i}`,
            properties: { run, seq: String(i), level: level(i) },
          });
        }
      }),
    );

    const all = [oslo, other].flatMap((d) => Array.from({ length: N }, (_, i) => ({ deviceId: d.device.deviceId, i })));
    const expected = {
      sqs: all.filter(({ i }) => temp(i) > 30 || level(i) === 'alert'),
      fifo: all.filter(({ deviceId }) => deviceId === oslo.device.deviceId),
      kin: all.filter(({ i }) => i % 2 === 0),
    };
    const anyRoute = (x: { deviceId: string; i: number }) =>
      expected.sqs.includes(x) || expected.fifo.includes(x) || expected.kin.includes(x);
    const expectedFallback = all.filter((x) => !anyRoute(x));
    const ids = (xs: { deviceId: string; i: number }[]) => xs.map((x) => `${x.deviceId}#${x.i}`).sort();
    const ofRun = (e: Envelope) => e.properties.run === run;

    const sqsGot = await drain(queueUrl, ofRun, expected.sqs.length);
    const fifoGot = await drain(fifoUrl, ofRun, expected.fifo.length);
    const kinGot = await watcher.waitFor(ofRun, expected.kin.length, 15_000);
    const fbGot = await drain(fallbackUrl, ofRun, expectedFallback.length);
    // Nothing more arrives (e.g. a second copy for a message that matched two routes to one endpoint).
    const extraSqs = await drainFor(queueUrl, ofRun, 1500);

    expect(sqsGot.map((x) => key(x.envelope)).sort()).toEqual(ids(expected.sqs));
    expect(extraSqs).toEqual([]);
    expect(fifoGot.map((x) => key(x.envelope)).sort()).toEqual(ids(expected.fifo));
    expect(kinGot.map(key).sort()).toEqual(ids(expected.kin));
    expect(fbGot.map((x) => key(x.envelope)).sort()).toEqual(ids(expectedFallback));
    // Some messages matched both the temperature and the level route (to one endpoint): they arrived once.
    expect(expected.sqs.some(({ i }) => temp(i) > 30 && level(i) === 'alert')).toBe(true);

    // Per-device order on the FIFO queue and the stream.
    const inOrder = (envs: Envelope[], deviceId: string) => envs.filter((e) => e.deviceId === deviceId).map(seqOf);
    const fifoSeqs = inOrder(
      fifoGot.map((x) => x.envelope),
      oslo.device.deviceId,
    );
    expect(fifoSeqs).toEqual([...fifoSeqs].sort((a, b) => a - b));
    for (const d of [oslo, other]) {
      const seqs = inOrder(kinGot, d.device.deviceId);
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    }

    // The consumer contract: the stream's envelope, plus enrichments; SQS system properties as attributes.
    const first = sqsGot.find((x) => x.envelope.deviceId === oslo.device.deviceId);
    expect(first).toBeDefined();
    if (!first) return;
    const env = first.envelope;
    expect(JSON.parse(Buffer.from(env.body, 'base64').toString())).toHaveProperty('temp');
    expect(env.messageSource).toBe('Telemetry');
    expect(env.systemProperties['iothub-connection-device-id']).toBe(oslo.device.deviceId);
    expect(env.properties).toMatchObject({
      run,
      hub: resourceName('HUB_NAME'),
      site: 'oslo',
      missing: '$twin.tags.nope.deeper',
      team: 'blue',
    });
    const otherEnv = sqsGot.find((x) => x.envelope.deviceId === other.device.deviceId)?.envelope;
    expect(otherEnv?.properties.site).toBe('$twin.tags.site'); // no such tag: the literal
    const attrs = first.message.MessageAttributes ?? {};
    expect(attrs['iothub-connection-device-id']?.StringValue).toBe(oslo.device.deviceId);
    expect(attrs['message-id']?.StringValue).toBe(env.systemProperties['message-id']);
    expect(attrs['content-type']?.StringValue).toBe('application/json');
    expect(attrs['iothub-message-source']?.StringValue).toBe('Telemetry');
    // Enrichments are per endpoint.
    expect(kinGot[0]?.properties).toMatchObject({ via: 'kinesis' });
    expect(kinGot[0]?.properties.team).toBeUndefined();
    expect(fifoGot[0]?.envelope.properties.team).toBeUndefined();
    expect(fifoGot[0]?.message.Attributes?.MessageGroupId ?? oslo.device.deviceId).toBe(oslo.device.deviceId);

    const health = await client.endpointHealth(ep.sqs);
    expect(health.status).toBe('healthy');
  });

  it('routes device lifecycle events by source', async () => {
    const url = await createQueue(`${run}-life`);
    const ep = `${run}-life`;
    await client.putEndpoint(ep, { type: 'sqs', target: url });
    cleanup.push(async () => {
      await client.deleteRoute(`${run}-life`).catch(() => undefined);
      await client.deleteRoute(`${run}-life-telemetry`).catch(() => undefined);
      await client.deleteEndpoint(ep);
    });
    await client.putRoute(`${run}-life`, {
      source: 'DeviceLifecycleEvents',
      condition: `STARTS_WITH($connectionDeviceId, '${run}-lc')`,
      endpoint: ep,
    });
    // A telemetry route with the same condition proves the source is what separates them.
    await client.putRoute(`${run}-life-telemetry`, {
      source: 'DeviceConnectionStateEvents',
      condition: `STARTS_WITH($connectionDeviceId, '${run}-lc') AND $body.nothing = 1`,
      endpoint: ep,
    });
    await routingCacheSettles();
    const d = await newDevice(`${run}-lc`);
    await d.client.send({ body: 'telemetry is not a lifecycle event', properties: { lc: 'yes' } });
    await service().deleteDevice(d.device.deviceId);
    const mineOnly = (e: Envelope) => e.deviceId === d.device.deviceId;
    const got = await drain(url, mineOnly, 2);
    const more = await drainFor(url, mineOnly, 1500);
    expect(got.map((x) => x.envelope.messageSource)).toEqual(['DeviceLifecycleEvents', 'DeviceLifecycleEvents']);
    expect(got.map((x) => x.envelope.properties.opType)).toEqual(['createDeviceIdentity', 'deleteDeviceIdentity']);
    expect(more).toEqual([]);
  });

  it('routes WebSocket connection state events by source', async () => {
    const url = await createQueue(`${run}-conn`);
    const ep = `${run}-conn`;
    await client.putEndpoint(ep, { type: 'sqs', target: url });
    cleanup.push(async () => {
      await client.deleteRoute(`${run}-conn`).catch(() => undefined);
      await client.deleteEndpoint(ep);
    });
    await client.putRoute(`${run}-conn`, {
      source: 'DeviceConnectionStateEvents',
      condition: `STARTS_WITH($connectionDeviceId, '${run}-cs') AND opType = 'deviceConnected'`,
      endpoint: ep,
    });
    await routingCacheSettles();
    const d = await newDevice(`${run}-cs`);
    const socket = await WsDevice.fromConnectionString(hubInfo().wsUrl, d.connectionString);
    socket.send({ action: 'send', messageId: 'not-a-state-event', body: 'x' });
    await socket.next((f) => f.type === 'ack');
    await socket.close();
    const mineOnly = (e: Envelope) => e.deviceId === d.device.deviceId;
    const got = await drain(url, mineOnly, 1);
    const more = await drainFor(url, mineOnly, 1500);
    expect(got.map((x) => [x.envelope.messageSource, x.envelope.properties.opType])).toEqual([
      ['DeviceConnectionStateEvents', 'deviceConnected'],
    ]);
    expect(more).toEqual([]); // neither the telemetry nor the disconnect matched
  });

  it('validates endpoints, routes and enrichments on save', async () => {
    const expectError = async (p: Promise<unknown>, status: number, code?: string) => {
      const err = await p.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(ApiError);
      expect((err as ApiError).status).toBe(status);
      if (code) expect((err as ApiError).code).toBe(code);
      return err as ApiError;
    };
    const url = await createQueue(`${run}-v`);
    const fifoUrl = await createQueue(`${run}-v.fifo`);
    await expectError(client.putEndpoint('bad name!', { type: 'sqs', target: url }), 400);
    await expectError(client.putEndpoint('x'.repeat(65), { type: 'sqs', target: url }), 400);
    await expectError(client.putEndpoint(`${run}-v`, { type: 'sqs', target: `${url}-nope` }), 400, 'EndpointUnreachable');
    await expectError(client.putEndpoint(`${run}-v`, { type: 'kinesis', target: `${run}-no-such-stream` }), 400, 'EndpointUnreachable');
    await expectError(client.putEndpoint(`${run}-v`, { type: 'sqs', target: fifoUrl }), 400);
    await expectError(client.putEndpoint(`${run}-v`, { type: 'sqs-fifo', target: url }), 400);
    // The hub's own resources are refused by every target form (a self-loop), and so is a name
    // outside the endpoint naming convention (the deployed IAM grants would not cover it).
    const sqsBase = url.slice(0, url.lastIndexOf('/'));
    const own: [EndpointType, string][] = [
      ['kinesis', resourceName('EVENTS_STREAM')],
      ['kinesis', `arn:aws:kinesis:us-east-1:000000000000:stream/${resourceName('EVENTS_STREAM')}`],
      ['sqs', `${sqsBase}/${resourceName('FEEDBACK_QUEUE')}`],
      ['sqs', `arn:aws:sqs:us-east-1:000000000000:${resourceName('ROUTING_DLQ')}`],
      ['sqs', `${sqsBase}/${resourceName('ROUTER_FAILURE_QUEUE')}`],
    ];
    for (const [type, target] of own) {
      const err = await expectError(client.putEndpoint(`${run}-v`, { type, target }), 400, 'EndpointNotAllowed');
      expect(err.message).toMatch(/hub's own resources/);
    }
    const outside = await createQueue(`outside-convention-${run.slice(-10)}`);
    const convention = await expectError(client.putEndpoint(`${run}-v`, { type: 'sqs', target: outside }), 400, 'EndpointNotAllowed');
    expect(convention.message).toMatch(/naming convention .*routingEndpointNames/);
    await client.putEndpoint(`${run}-v`, { type: 'sqs', target: url });
    cleanup.push(() => client.deleteEndpoint(`${run}-v`));

    const syntax = await expectError(
      client.putRoute(`${run}-v`, { source: 'DeviceMessages', condition: "a = 'x' AND (b > ", endpoint: `${run}-v` }),
      400,
      'InvalidRouteCondition',
    );
    expect(syntax.response.headers['x-devhub-condition-position']).toBe('17');
    expect(syntax.message).toMatch(/position 17/);
    await expectError(
      client.putRoute(`${run}-v`, { source: 'DeviceMessages', condition: 'true', endpoint: `${run}-none` }),
      400,
      'EndpointNotFound',
    );
    await expectError(client.putRoute(`${run}-v`, { source: 'Nope' as 'DeviceMessages', condition: 'true', endpoint: `${run}-v` }), 400);
    await client.putRoute(`${run}-v`, { source: 'DeviceMessages', condition: 'false', endpoint: `${run}-v` });
    cleanup.push(() => client.deleteRoute(`${run}-v`));
    await expectError(client.deleteEndpoint(`${run}-v`), 409, 'EndpointInUse');
    expect((await client.setRouteEnabled(`${run}-v`, false)).enabled).toBe(false);

    for (let i = 0; i < 10; i++) await client.putEnrichment(`${run}-v`, `k${i}`, `v${i}`);
    await expectError(client.putEnrichment(`${run}-v`, 'k10', 'v'), 400, 'EnrichmentLimitExceeded');
    await client.putEnrichment(`${run}-v`, 'k9', 'replaced'); // replacing is not adding
    await expectError(client.putEnrichment(`${run}-v`, 'k0', '$twin.properties.x'), 400);
    expect((await client.listEnrichments(`${run}-v`)).length).toBe(10);
    await client.deleteEnrichment(`${run}-v`, 'k0');
    await expectError(client.deleteEnrichment(`${run}-v`, 'k0'), 404);
  });

  it('tests conditions and saved routes without sending (API and CLI)', async () => {
    const message = {
      deviceId: 'd1',
      messageSource: 'Telemetry',
      systemProperties: { 'content-type': 'application/json', 'content-encoding': 'utf-8', 'message-id': 'm1' },
      properties: { level: 'alert' },
      body: Buffer.from(JSON.stringify({ temp: 35 })).toString('base64'),
    };
    expect(await client.testRoute({ condition: "$body.temp > 30 AND level = 'alert'", message })).toEqual({ result: true });
    expect(await client.testRoute({ condition: '$body.temp > 40', message })).toEqual({ result: false });
    expect(await client.testRoute({ condition: "$twin.tags.site = 'x'", message, twinTags: { site: 'x' } })).toEqual({ result: true });
    const err = await client.testRoute({ condition: '$body.temp >', message }).catch((e: unknown) => e);
    expect((err as ApiError).status).toBe(400);
    expect((err as ApiError).response.headers['x-devhub-condition-position']).toBe('12');

    const dir = mkdtempSync(join(tmpdir(), 'devhub-route-test-'));
    const file = join(dir, 'message.json');
    writeFileSync(file, JSON.stringify(message));
    const cli = async (...args: string[]) => {
      const h = hubInfo();
      const env = { ...process.env, DEVHUB_URL: h.httpUrl, DEVHUB_CONNECTION_STRING: h.connectionString, DEVHUB_DATA_DIR: dir };
      return promisify(execFile)(process.execPath, [resolve(__dirname, '../dist/cli.js'), ...args], { env }).then(
        (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
        (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
      );
    };
    expect(await cli('route', 'test', '--condition', '$body.temp > 30', '--message', file)).toMatchObject({ code: 0, stdout: 'true\n' });
    expect(await cli('route', 'test', '--condition', "level = 'info'", '--message', file)).toMatchObject({ code: 0, stdout: 'false\n' });
    const bad = await cli('route', 'test', '--condition', 'level = ', '--message', file);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/position 8/);

    const url = await createQueue(`${run}-t`);
    await client.putEndpoint(`${run}-t`, { type: 'sqs', target: url });
    await client.putRoute(`${run}-t`, { source: 'DeviceMessages', condition: "level = 'alert'", endpoint: `${run}-t`, enabled: false });
    cleanup.push(async () => {
      await client.deleteRoute(`${run}-t`);
      await client.deleteEndpoint(`${run}-t`);
    });
    expect(await cli('route', 'test', '--route', `${run}-t`, '--message', file)).toMatchObject({ code: 0, stdout: 'true\n' });
    // A file with a JSON body (not base64) is accepted for convenience.
    writeFileSync(file, JSON.stringify({ body: { temp: 3 } }));
    expect(await cli('route', 'test', '--condition', '$body.temp = 3', '--message', file)).toMatchObject({ code: 0, stdout: 'true\n' });
  });
});

describe('endpoint failures', () => {
  const run = endpointResourceName(uniqueId('rf'));
  const client = routingClient();
  const cleanup: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const step of cleanup.reverse()) await step().catch(() => undefined);
  });

  async function waitForHealth(name: string, status: EndpointHealth['status'], timeoutMs = 15_000): Promise<EndpointHealth> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const h = await client.endpointHealth(name);
      if (h.status === status || Date.now() > deadline) return h;
      await sleep(100);
    }
  }

  async function waitForDeadLetters(endpoint: string, count: number, timeoutMs = 15_000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const letters = await client.listDeadLetters(1000, endpoint);
      if (letters.length >= count || Date.now() > deadline) return letters;
      await sleep(200);
    }
  }

  it('marks an endpoint that rejects everything unhealthy then dead, dead-letters its messages, keeps the others flowing, and redrives once it is back', async () => {
    const badName = `${run}-bad`;
    const badUrl = await createQueue(badName);
    const goodUrl = await createQueue(`${run}-good`);
    await client.putEndpoint(badName, { type: 'sqs', target: badUrl });
    await client.putEndpoint(`${run}-good`, { type: 'sqs', target: goodUrl });
    await client.putEnrichment(badName, 'tag', 'redriven-as-enriched');
    const mine = `run = '${run}'`;
    await client.putRoute(`${run}-bad`, { source: 'DeviceMessages', condition: mine, endpoint: badName });
    await client.putRoute(`${run}-good`, { source: 'DeviceMessages', condition: mine, endpoint: `${run}-good` });
    cleanup.push(async () => {
      await client.deleteRoute(`${run}-bad`);
      await client.deleteRoute(`${run}-good`);
      await client.deleteEndpoint(badName);
      await client.deleteEndpoint(`${run}-good`);
    });
    expect((await client.endpointHealth(badName)).status).toBe('unknown');
    await sqs.send(new DeleteQueueCommand({ QueueUrl: badUrl })); // the emulator now fails for real
    await routingCacheSettles();

    const d = await newDevice(`${run}-dev`);
    const ofRun = (e: Envelope) => e.properties.run === run;
    await d.client.send({ body: 'm0', messageId: 'm0', properties: { run, seq: '0' } });
    expect((await drain(goodUrl, ofRun, 1)).length).toBe(1);
    const unhealthy = await waitForHealth(badName, 'unhealthy');
    expect(unhealthy).toMatchObject({ status: 'unhealthy', consecutiveFailures: 1 });
    expect(unhealthy.lastError).toMatch(/NonExistentQueue|QueueDoesNotExist|does not exist/i);
    expect(unhealthy.lastFailureTime).toBeDefined();
    expect((await waitForDeadLetters(badName, 1)).length).toBe(1);

    // Two more failed rounds (one message each) make it dead; the good endpoint keeps receiving.
    for (const i of [1, 2]) {
      await d.client.send({ body: `m${i}`, messageId: `m${i}`, properties: { run, seq: String(i) } });
      expect((await drain(goodUrl, ofRun, 1)).map((x) => seqOf(x.envelope))).toEqual([i]);
      expect((await waitForDeadLetters(badName, i + 1)).length).toBe(i + 1);
    }
    expect((await waitForHealth(badName, 'dead')).status).toBe('dead');

    const letters = await client.listDeadLetters(1000, badName);
    expect(letters.map((l) => l.envelope?.properties.seq).sort()).toEqual(['0', '1', '2']);
    for (const l of letters) {
      expect(l).toMatchObject({ endpoint: badName, routes: [`${run}-bad`], reason: 'EndpointUnavailable', deviceId: d.device.deviceId });
      expect(l.envelope?.properties.tag).toBe('redriven-as-enriched');
      expect(l.error).not.toBe('');
    }

    // Redrive before the endpoint is back leaves them queued.
    const early = await client.redrive(badName);
    expect(early).toMatchObject({ redriven: 0, failed: 3 });
    expect((await client.listDeadLetters(1000, badName)).length).toBe(3);

    await createQueue(badName);
    const redriven = await client.redrive(badName);
    expect(redriven).toMatchObject({ redriven: 3, failed: 0 });
    const arrived = await drain(badUrl, ofRun, 3);
    expect(arrived.map((x) => seqOf(x.envelope)).sort()).toEqual([0, 1, 2]);
    expect(arrived[0]?.envelope.properties.tag).toBe('redriven-as-enriched');
    expect(await client.listDeadLetters(1000, badName)).toEqual([]);
    expect((await client.endpointHealth(badName)).status).toBe('healthy');

    // And new messages flow to it again.
    await d.client.send({ body: 'm3', properties: { run, seq: '3' } });
    expect((await drain(badUrl, ofRun, 1)).map((x) => seqOf(x.envelope))).toEqual([3]);
  });
});
