/**
 * The README's routing section, run as written: every ```sh block of "## Routing" is executed
 * with bash against the test hub (only `npx devhub` → this checkout's CLI and the SQS port of the
 * example → the test hub's), then the example is checked to do what it says.
 */
import { CreateQueueCommand, DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { Envelope } from '../lib/envelope';
import { TEST_PORTS } from './support/config';
import { hubInfo, newDevice, resourceName, service } from './support/hub';

const root = resolve(__dirname, '..');
const sqsUrl = `http://127.0.0.1:${TEST_PORTS.sqsPort}`;
/** The README names endpoint queues for `npm start` (stage local); the test hub's stage differs. */
const README_QUEUE_PREFIX = 'devhub-local-ep-';
const queuePrefix = () => `${resourceName('HUB_NAME')}-ep-`;

/** The ```sh blocks between "## Routing" and the next "## " heading. */
function routingBlocks(readme: string): string[] {
  const start = readme.indexOf('\n## Routing\n');
  if (start < 0) throw new Error('README has no "## Routing" section');
  const end = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, end < 0 ? undefined : end);
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
}

let sqs: SQSClient;
const workDir = mkdtempSync(join(tmpdir(), 'devhub-readme-'));

beforeAll(() => {
  hubInfo();
  sqs = new SQSClient({ endpoint: sqsUrl, requestHandler: new NodeHttpHandler() });
});

afterAll(async () => {
  const svc = service();
  for (const path of ['/routing/fallback', '/routes/hot', '/endpoints/alerts', '/endpoints/archive']) await svc.call('DELETE', path);
  sqs.destroy();
  rmSync(workDir, { recursive: true, force: true });
});

async function receiveFrom(queue: string, deviceId: string, timeoutMs = 15_000): Promise<Envelope | undefined> {
  const QueueUrl = `${sqsUrl}/123456789012/${queuePrefix()}${queue}`;
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline;) {
    const out = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
    for (const m of out.Messages ?? []) {
      const env = JSON.parse(m.Body ?? '{}') as Envelope;
      if (env.deviceId === deviceId) {
        await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: m.ReceiptHandle }));
        return env;
      }
    }
  }
  return undefined;
}

describe("README's routing section", () => {
  it('runs every command block as written, and the example routes temp=31 to alerts and temp=20 to archive', async () => {
    for (const name of ['alerts', 'archive']) await sqs.send(new CreateQueueCommand({ QueueName: queuePrefix() + name }));
    const blocks = routingBlocks(readFileSync(join(root, 'README.md'), 'utf8'));
    expect(blocks.length).toBeGreaterThan(0);
    for (const block of blocks) {
      const script = block
        .replaceAll('npx devhub', `node ${join(root, 'bin/devhub.js')}`)
        .replaceAll('http://127.0.0.1:9324', sqsUrl)
        .replaceAll(README_QUEUE_PREFIX, queuePrefix());
      const env: NodeJS.ProcessEnv = { ...process.env, DEVHUB_DATA_DIR: hubInfo().dataDir };
      for (const k of Object.keys(env)) if (k.startsWith('AWS_ENDPOINT_URL') || k === 'DEVHUB_CONNECTION_STRING') delete env[k];
      const run = await promisify(execFile)('bash', ['-euo', 'pipefail', '-c', script], { cwd: workDir, env }).catch(
        (err: { code: number; stdout: string; stderr: string }) => err,
      );
      expect(run).toMatchObject({ stdout: expect.stringContaining('true') }); // `route test` prints true
      expect((run as { code?: number }).code ?? 0).toBe(0);
    }

    // The router caches routes (500 ms in tests): a probe device sends until its messages land in
    // both queues, so the routes the README created are the ones in force.
    const probe = await newDevice('readme-probe');
    for (const [queue, temp] of [
      ['alerts', '31'],
      ['archive', '20'],
    ] as const) {
      for (const deadline = Date.now() + 60_000; ;) {
        await probe.client.send({ body: '{}', properties: { temp } });
        if (await receiveFrom(queue, probe.device.deviceId, 2_000)) break;
        if (Date.now() > deadline) throw new Error(`routes never took effect: nothing from the probe in ${queue}`);
      }
    }
    const { device, client } = await newDevice('readme');
    await client.send({ body: '{}', properties: { temp: '31' } });
    await client.send({ body: '{}', properties: { temp: '20' } });
    const hot = await receiveFrom('alerts', device.deviceId);
    expect(hot?.properties.temp).toBe('31');
    const cold = await receiveFrom('archive', device.deviceId);
    expect(cold?.properties.temp).toBe('20');
  });
});
