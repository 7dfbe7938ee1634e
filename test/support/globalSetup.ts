/**
 * Starts one local hub (emulators + serverless offline + poller) for the whole test run, on
 * ports that do not collide with a developer's `npm start`, in a throwaway data dir.
 * The stack code is the built `dist/local/stack.js`: exactly what `npm start` runs.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { TEST_HUB_FILE, TEST_PARAMS, TEST_PORTS, type TestHubInfo } from './config';

export default async function globalSetup(): Promise<void> {
  const root = resolve(__dirname, '../..');
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the built stack, not the TS source
  const stack = require(join(root, 'dist/local/stack.js')) as typeof import('../../infra/local/stack');
  const dataDir = mkdtempSync(join(tmpdir(), 'devhub-test-'));
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const hub = await stack.startLocalHub({
    root,
    dataDir,
    hostname: 'localhost',
    // The device front door has a host of its own, as a deployed hub's function URL has.
    deviceHostname: '127.0.0.1',
    ...TEST_PORTS,
    inMemory: true,
    tls: false,
    stage: 'test',
    params: TEST_PARAMS,
    echoFunctions: false,
    poller: true,
    faultInjection: true,
    // The C2D sweeper every 2 s, so expiry feedback is observable within a test.
    localScheduleSeconds: 2,
    log: (line) => console.log(line),
  });
  const info: TestHubInfo = {
    httpUrl: hub.httpUrl,
    wsUrl: hub.wsUrl,
    deviceUrl: hub.deviceUrl,
    connectionString: hub.connectionString,
    dataDir,
    awsEnv: hub.awsEnv,
    environment: hub.service.environment,
    ...(hub.faultProxies ? { faultProxies: hub.faultProxies } : {}),
    pids: [...hub.processes.values()].map((p) => p.child.pid ?? 0).filter((pid) => pid > 0),
  };
  writeFileSync(TEST_HUB_FILE, JSON.stringify(info));
  (globalThis as { __DEVHUB__?: unknown }).__DEVHUB__ = hub;
}
