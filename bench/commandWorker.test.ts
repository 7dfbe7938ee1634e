/**
 * Scenario 10's commands API and sweeper scenarios in the function worker (bench/functionWorker.ts
 * httpCommand and scheduled, driven by bench/functionSizes.ts runWorker): a backend's C2D send with
 * the service SAS, the device's queue purged by the parent before every 25th send so that no send
 * meets the 50-command limit, a send the hub refuses counted as an error; the sweeper called with
 * EventBridge scheduled events. The worker is built as `npm run bench` builds it; the functions are
 * replaced by small fakes (the real ones are measured by `npm run bench`) whose state the test reads.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runWorker } from './functionSizes';
import { workerRoot } from './workerTestkit';

/** A commands API with IoT Hub's per-device queue limit: a send to a full queue is refused (403, as IoT Hub's DeviceMaximumQueueDepthExceeded). */
const FAKE_COMMANDS_API = `
const { readFileSync, writeFileSync } = require('node:fs');
const state = process.env.FAKE_QUEUE_FILE;
exports.handler = async (event) => {
  const q = JSON.parse(readFileSync(state, 'utf8'));
  q.requests.push({
    routeKey: event.routeKey,
    path: event.rawPath,
    deviceId: event.pathParameters.id,
    authorization: event.headers.authorization,
    contentType: event.headers['content-type'],
    bodyBytes: Buffer.byteLength(event.body),
  });
  const full = q.depth >= 50;
  if (!full) q.depth++;
  q.maxDepth = Math.max(q.maxDepth, q.depth);
  writeFileSync(state, JSON.stringify(q));
  return full ? { statusCode: 403, headers: {}, body: '{"Message":"queue full"}' } : { statusCode: 202, headers: {}, body: '{}' };
};
`;

const FAKE_SWEEPER = `
const { readFileSync, writeFileSync } = require('node:fs');
const state = process.env.FAKE_QUEUE_FILE;
exports.handler = async (event) => {
  const q = JSON.parse(readFileSync(state, 'utf8'));
  q.events.push({ source: event.source, detailType: event['detail-type'] });
  writeFileSync(state, JSON.stringify(q));
  return { examined: 0, expired: 0 };
};
`;

const SERVICE_CS = 'HostName=hub.example;SharedAccessKeyName=service;SharedAccessKey=' + Buffer.alloc(32, 9).toString('base64');
const DEVICE_CS = 'HostName=hub.example;DeviceId=bench-1;SharedAccessKey=' + Buffer.alloc(32, 7).toString('base64');

interface FakeState {
  depth: number;
  maxDepth: number;
  requests: { routeKey: string; path: string; deviceId: string; authorization: string; contentType: string; bodyBytes: number }[];
  events: { source: string; detailType: string }[];
}

describe('bench scenario 10: commands API sends and sweeper runs in the function worker', () => {
  let root: string;
  let stateFile: string;
  beforeAll(() => {
    root = workerRoot('devhub-cmdworker-', { fakeCommandsApi: FAKE_COMMANDS_API, fakeSweeper: FAKE_SWEEPER });
    stateFile = join(root, 'state.json');
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  const state = () => JSON.parse(readFileSync(stateFile, 'utf8')) as FakeState;
  const purgeQueue = () => writeFileSync(stateFile, JSON.stringify({ ...state(), depth: 0 }));
  const sends = (prepare: (i: number) => Promise<void>) => {
    writeFileSync(stateFile, JSON.stringify({ depth: 0, maxDepth: 0, requests: [], events: [] }));
    return runWorker(
      root,
      { ...process.env, FAKE_QUEUE_FILE: stateFile },
      { fn: 'fakeCommandsApi', kind: 'httpCommand', items: 1, messageBytes: 1024, warmup: 2, invocations: 60 },
      { deviceConnectionString: DEVICE_CS, serviceConnectionString: SERVICE_CS },
      prepare,
    );
  };

  it('sends 1 KB commands with the service SAS, the queue purged before every 25th send, so none meets the limit', async () => {
    const purged: number[] = [];
    const result = await sends((i) => {
      purged.push(i);
      purgeQueue();
      return Promise.resolve();
    });
    // first + 2 warm-up + 60 measured sends = 63: purges before sends 0, 25 and 50 (functionWorker.ts COMMANDS_BETWEEN_PURGES)
    expect(purged).toEqual([0, 25, 50]);
    expect(result.errors).toBe(0);
    expect(result.samples).toHaveLength(60);
    const { requests, maxDepth } = state();
    expect(requests).toHaveLength(63);
    expect(maxDepth).toBe(25);
    for (const r of requests) {
      expect(r).toMatchObject({
        routeKey: 'POST /devices/{id}/messages/devicebound',
        path: '/devices/bench-1/messages/devicebound',
        deviceId: 'bench-1',
        contentType: 'application/json',
      });
      // A policy token (skn=service) for the hub, not the device's.
      expect(r.authorization).toMatch(/^SharedAccessSignature sr=hub\.example&sig=.+&se=\d+&skn=service$/);
      expect(r.bodyBytes).toBeGreaterThanOrEqual(1000);
      expect(r.bodyBytes).toBeLessThanOrEqual(1100);
    }
  });

  it('counts a send the hub refuses (a full queue) as an error', async () => {
    const result = await sends(() => Promise.resolve());
    // 63 sends into one queue of 50 without purges: 13 refused
    expect(result.errors).toBe(13);
    expect(result.firstError).toMatch(/"statusCode":403/);
  });

  it('fails the scenario when the purge fails (after one retry)', async () => {
    let calls = 0;
    await expect(
      sends(() => {
        calls++;
        return Promise.reject(new Error('service API down'));
      }),
    ).rejects.toThrow(/purging the device's commands before send 0: service API down/);
    expect(calls).toBe(2);
  });

  it('calls a scheduled function with EventBridge scheduled events', async () => {
    writeFileSync(stateFile, JSON.stringify({ depth: 0, maxDepth: 0, requests: [], events: [] }));
    const result = await runWorker(
      root,
      { ...process.env, FAKE_QUEUE_FILE: stateFile },
      { fn: 'fakeSweeper', kind: 'scheduled', items: 1, messageBytes: 1024, warmup: 1, invocations: 4 },
      { deviceConnectionString: DEVICE_CS },
    );
    expect(result.errors).toBe(0);
    expect(result.samples).toHaveLength(4);
    expect(state().events).toEqual(Array.from({ length: 6 }, () => ({ source: 'aws.events', detailType: 'Scheduled Event' })));
  });
});
