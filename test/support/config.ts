/** Ports and settings of the hub the test run starts (see globalSetup.ts). */
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const TEST_PORTS = { httpPort: 13000, wsPort: 13001, lambdaPort: 13002, dynamoPort: 18000, kinesisPort: 14567, sqsPort: 19324 };

/** Short bounds so expiry, lock timeouts and cache staleness are observable in seconds. */
export const TEST_PARAMS: Record<string, string> = {
  deviceCacheTtlMs: '1000',
  c2dLockTimeoutSeconds: '5',
  c2dMaxDeliveryCount: '3',
};

export const TEST_HUB_FILE = join(tmpdir(), `devhub-test-hub-${process.getuid?.() ?? 0}.json`);

export interface TestHubInfo {
  httpUrl: string;
  wsUrl: string;
  connectionString: string;
  dataDir: string;
  awsEnv: Record<string, string>;
  environment: Record<string, string>;
  /** Child process ids (process group leaders), for teardown. */
  pids: number[];
}
