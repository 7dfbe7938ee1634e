/**
 * The local hub itself: state persists across restarts, TLS works, a second start on the
 * same data dir is refused clearly, and the owner connection string file is private.
 * Starts its own hub (ports above the shared test hub's) with a data dir on disk.
 */
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { DeviceClient, ServiceClient } from '../client/clients';
import { decodeRecord, readStream } from '../client/streamReader';
import type { Envelope } from '../lib/envelope';
import { deviceConnectionString } from '../lib/sas';
import { portsFrom, TEST_PORTS } from './support/config';

type Stack = typeof import('../infra/local/stack');
// eslint-disable-next-line @typescript-eslint/no-require-imports -- the built stack, exactly what `npm start` runs
const stack = require(resolve(__dirname, '../dist/local/stack.js')) as Stack;

const base = TEST_PORTS.httpPort + 50;
const ports = portsFrom(base);
const dataDir = mkdtempSync(join(tmpdir(), 'devhub-restart-'));
/** The hub's own log lines: printed when a test fails, kept quiet otherwise. */
const hubLog: string[] = [];
const options = {
  root: resolve(__dirname, '..'),
  dataDir,
  hostname: 'localhost',
  ...ports,
  inMemory: false,
  tls: true,
  stage: 'restart',
  params: {},
  echoFunctions: false,
  poller: false,
  log: (line: string) => void hubLog.push(line),
};

afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

/** Runs a test; if it fails, prints what the hub logged (offline, the gateway, the supervisor) before the failure. */
async function withHubLogOnFailure(test: () => Promise<void>): Promise<void> {
  try {
    await test();
  } catch (err) {
    console.log(`local hub log:\n${hubLog.join('\n')}`);
    throw err;
  }
}

describe('local hub lifecycle', () => {
  it(
    'keeps devices, policies and stream records across a restart, over TLS',
    () =>
      withHubLogOnFailure(async () => {
        const first = await stack.startLocalHub(options);
        let deviceId = '';
        let generationId = '';
        try {
          expect(first.httpUrl).toBe(`https://localhost:${ports.httpPort}`);
          expect(statSync(first.connectionFile).mode & 0o777).toBe(0o600);
          const svc = new ServiceClient(first.httpUrl, first.connectionString, true);
          const device = await svc.createDevice('persistent-device');
          deviceId = device.deviceId;
          generationId = device.generationId;
          const dev = new DeviceClient(
            first.httpUrl,
            deviceConnectionString('localhost', deviceId, device.authentication.symmetricKey.primaryKey),
            true,
          );
          await dev.send({ body: 'survives restarts', messageId: 'persist-1' });

          // A second `npm start` on the same data dir is refused with a clear message.
          const second = await promisify(execFile)(process.execPath, [
            resolve(__dirname, '../dist/local/start.js'),
            '--data-dir',
            dataDir,
            '--http-port',
            String(base + 20),
          ]).catch((err: { code: number; stderr: string }) => err);
          expect(second).toMatchObject({ code: 1, stderr: expect.stringMatching(/devhub is already running \(pid \d+\)/) });
        } finally {
          await first.stop();
        }

        const second = await stack.startLocalHub(options);
        try {
          expect(second.connectionString).toBe(first.connectionString); // policies kept
          const svc = new ServiceClient(second.httpUrl, second.connectionString, true);
          const device = await svc.getDevice(deviceId);
          expect(device.generationId).toBe(generationId);
          for (const [k, v] of Object.entries(second.awsEnv)) process.env[k] = v;
          const kinesis = new KinesisClient({ requestHandler: new NodeHttpHandler() });
          const bodies: string[] = [];
          for await (const r of readStream(kinesis, second.service.environment.EVENTS_STREAM ?? '', { from: { type: 'trim-horizon' } })) {
            const e = decodeRecord<Envelope>(r);
            if (e.messageSource === 'Telemetry') bodies.push(Buffer.from(e.body, 'base64').toString());
          }
          kinesis.destroy();
          expect(bodies).toContain('survives restarts');
        } finally {
          await second.stop();
        }
      }),
    120_000,
  );
});
