/** Ports and settings of the hub the test run starts (see globalSetup.ts). */
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// DEVHUB_TEST_PORT_BASE lets several test runs share a machine (each needs six ports).
const base = Number(process.env.DEVHUB_TEST_PORT_BASE ?? 13000);

/** The six ports of a local hub from a first one (tests that start a hub of their own use an offset). */
export function portsFrom(first: number) {
  return { httpPort: first, wsPort: first + 1, lambdaPort: first + 2, dynamoPort: first + 3, kinesisPort: first + 4, sqsPort: first + 5 };
}

export const TEST_PORTS = portsFrom(base);

/** Short bounds so expiry, lock timeouts and cache staleness are observable in seconds. */
export const TEST_PARAMS: Record<string, string> = {
  deviceCacheTtlMs: '1000',
  registryChangePollMs: '1000',
  c2dLockTimeoutSeconds: '5',
  c2dMaxDeliveryCount: '3',
  routingCacheTtlMs: '500',
  routingRetryBaseMs: '20',
  // Metrics after every invocation, so tests read an invocation's EMF lines from the function log.
  metricsFlushIntervalMs: '0',
  // Every debug line is written too, so test/secrets.test.ts greps the most the logger can say.
  logLevel: 'DEBUG',
};

export const TEST_HUB_FILE = join(tmpdir(), `devhub-test-hub-${base}.json`);

export interface TestHubInfo {
  httpUrl: string;
  wsUrl: string;
  /** The device front door: the device function's URL (infra/local/functionUrlFront.ts). */
  deviceUrl: string;
  connectionString: string;
  dataDir: string;
  awsEnv: Record<string, string>;
  environment: Record<string, string>;
  /** Fault proxies between the functions and the emulators (see infra/local/faultProxy.ts). */
  faultProxies?: { dynamodb: string; kinesis: string; sqs: string };
  /** Child process ids (process group leaders), for teardown. */
  pids: number[];
}
