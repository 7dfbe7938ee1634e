/**
 * Scenario 10's C2D worker protocol (bench/functionWorker.ts httpC2d, driven by
 * bench/functionSizes.ts runWorker): one command enqueued by the parent before each receive, the
 * complete built from the receive's ETag, and a receive that finds no command counted as an error
 * (it would measure an empty poll). The worker is built as `npm run bench` builds it; the device
 * API is replaced by a small in-memory queue (the real one is measured by `npm run bench`), whose
 * state the test's enqueue writes to a file the handler reads.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runWorker } from './functionSizes';
import { workerRoot } from './workerTestkit';

const FAKE_DEVICE_API = `
const { readFileSync, writeFileSync } = require('node:fs');
const state = process.env.FAKE_QUEUE_FILE;
const read = () => JSON.parse(readFileSync(state, 'utf8'));
exports.handler = async (event) => {
  const q = read();
  const method = event.requestContext.http.method;
  if (method === 'GET') {
    const seq = q.queued.shift();
    if (seq === undefined) return { statusCode: 204, headers: {} };
    q.locked = seq + '-' + 'ab'.repeat(16);
    q.receives++;
    writeFileSync(state, JSON.stringify(q));
    return { statusCode: 200, headers: { ETag: '"' + q.locked + '"' }, body: 'eA==', isBase64Encoded: true };
  }
  const token = event.pathParameters.lockToken;
  const ok = method === 'DELETE' && token === q.locked && event.rawPath.endsWith('/devicebound/' + token);
  if (ok) { q.completed.push(token); q.locked = null; writeFileSync(state, JSON.stringify(q)); }
  return { statusCode: ok ? 204 : 412, headers: {} };
};
`;

describe('bench scenario 10: C2D receive and complete in the function worker', () => {
  let root: string;
  let queueFile: string;
  beforeAll(() => {
    root = workerRoot('devhub-c2dworker-', { fakeDeviceApi: FAKE_DEVICE_API });
    queueFile = join(root, 'queue.json');
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  const queue = () => JSON.parse(readFileSync(queueFile, 'utf8')) as { queued: number[]; receives: number; completed: string[] };
  const run = (enqueue: (i: number) => Promise<void>) => {
    writeFileSync(queueFile, JSON.stringify({ queued: [], locked: null, receives: 0, completed: [] }));
    return runWorker(
      root,
      { ...process.env, FAKE_QUEUE_FILE: queueFile },
      { fn: 'fakeDeviceApi', kind: 'httpC2d', items: 1, messageBytes: 1024, warmup: 2, invocations: 5 },
      { deviceConnectionString: 'HostName=hub.example;DeviceId=bench-1;SharedAccessKey=' + Buffer.alloc(32, 7).toString('base64') },
      enqueue,
    );
  };

  it('enqueues before every receive and completes each command with the lock token of its ETag', async () => {
    const enqueued: number[] = [];
    const result = await run(async (i) => {
      enqueued.push(i);
      const q = queue();
      q.queued.push(100 + i);
      writeFileSync(queueFile, JSON.stringify(q));
    });
    // first + 2 warm-up + 5 measured steps, each one enqueue, one receive and one complete
    expect(enqueued).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(queue().receives).toBe(8);
    expect(queue().completed).toEqual(enqueued.map((i) => `${100 + i}-${'ab'.repeat(16)}`));
    expect(result.errors).toBe(0);
    expect(result.samples).toHaveLength(5);
    expect(result.completeSamples).toHaveLength(5);
  });

  it('counts a receive that finds no command as an error and completes nothing', async () => {
    const result = await run(() => Promise.resolve());
    expect(result.errors).toBe(8);
    expect(result.firstError).toMatch(/"statusCode":204/);
    expect(result.completeSamples).toHaveLength(0);
    expect(queue().completed).toEqual([]);
  });

  it('fails the scenario when the command cannot be enqueued (after one retry)', async () => {
    let calls = 0;
    await expect(
      run(() => {
        calls++;
        return Promise.reject(new Error('service API down'));
      }),
    ).rejects.toThrow(/enqueueing command 0: service API down/);
    expect(calls).toBe(2);
  });
});
