/**
 * The soak run's own hub: the built local stack (dist/local/stack.js, what `npm start` runs) on
 * persisted data in a temp dir (the restarts need it), with fault proxies, the poller and a
 * 2-second sweeper; plus the custom endpoints the ledger watches (an SQS queue, a FIFO queue
 * and a Kinesis stream, created in the hub's emulators) and one route to each.
 */
import { conventionalName } from '../../lib/routing/endpointGuard';
import { CreateStreamCommand, DescribeStreamSummaryCommand, KinesisClient } from '@aws-sdk/client-kinesis';
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { RoutingClient } from '../../client/clients';
import type { LocalHub } from '../../infra/local/stack';

/** Short C2D bounds so locks lapse, deliveries run out and commands expire within a run. */
export const SOAK_PARAMS: Record<string, string> = {
  c2dLockTimeoutSeconds: '5',
  c2dMaxDeliveryCount: '3',
  routingCacheTtlMs: '500',
  routingRetryBaseMs: '50',
  deviceCacheTtlMs: '5000',
};
export const LOCK_MS = 5000;

export interface SoakTargets {
  sqsUrl: string;
  fifoUrl: string;
  streamName: string;
  /** Endpoint names in the hub. */
  endpoints: { sqs: string; fifo: string; kinesis: string };
}

export interface SoakHub {
  hub: LocalHub;
  run: string;
  targets: SoakTargets;
  kinesis: KinesisClient;
  sqs: SQSClient;
  routing: RoutingClient;
  resource(name: string): string;
  stop(): Promise<void>;
}

export async function startSoakHub(opts: { basePort: number; run: string; log: (line: string) => void }): Promise<SoakHub> {
  const root = resolve(__dirname, '../..');
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the built stack, exactly what `npm start` runs
  const stack = require(join(root, 'dist/local/stack.js')) as typeof import('../../infra/local/stack');
  const dataDir = mkdtempSync(join(tmpdir(), 'devhub-soak-'));
  const p = opts.basePort;
  const hub = await stack.startLocalHub({
    root,
    dataDir,
    hostname: 'localhost',
    httpPort: p,
    wsPort: p + 1,
    lambdaPort: p + 2,
    dynamoPort: p + 3,
    kinesisPort: p + 4,
    sqsPort: p + 5,
    inMemory: false,
    tls: false,
    stage: 'soak',
    params: SOAK_PARAMS,
    echoFunctions: false,
    poller: true,
    faultInjection: true,
    localScheduleSeconds: 2,
    log: opts.log,
  });
  const handler = new NodeHttpHandler();
  const sdk = { region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, requestHandler: handler };
  // The ledger reads the emulators directly, not through the fault proxies.
  const kinesis = new KinesisClient({ ...sdk, endpoint: hub.awsEnv.AWS_ENDPOINT_URL_KINESIS });
  const sqs = new SQSClient({ ...sdk, endpoint: hub.awsEnv.AWS_ENDPOINT_URL_SQS });
  const routing = new RoutingClient(hub.httpUrl, hub.connectionString);
  const stop = async () => {
    kinesis.destroy();
    sqs.destroy();
    await hub.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    // Endpoint queues and streams follow the hub's naming convention (ROUTING_ENDPOINT_NAMES).
    const run = conventionalName(hub.service.environment.ROUTING_ENDPOINT_NAMES ?? '*', opts.run);
    const queue = async (name: string, fifo: boolean) => {
      const out = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: fifo ? { FifoQueue: 'true' } : {} }));
      if (!out.QueueUrl) throw new Error(`no URL for queue ${name}`);
      return out.QueueUrl;
    };
    const sqsUrl = await queue(`${run}-q`, false);
    const fifoUrl = await queue(`${run}-f.fifo`, true);
    const streamName = `${run}-s`;
    await kinesis.send(new CreateStreamCommand({ StreamName: streamName, ShardCount: 2 }));
    for (let i = 0; ; i++) {
      const s = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: streamName }));
      if (s.StreamDescriptionSummary?.StreamStatus === 'ACTIVE') break;
      if (i > 100) throw new Error(`stream ${streamName} not active`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const endpoints = { sqs: `${run}-sqs`, fifo: `${run}-fifo`, kinesis: `${run}-kin` };
    await routing.putEndpoint(endpoints.sqs, { type: 'sqs', target: sqsUrl });
    await routing.putEndpoint(endpoints.fifo, { type: 'sqs-fifo', target: fifoUrl });
    await routing.putEndpoint(endpoints.kinesis, { type: 'kinesis', target: streamName });
    // Every soak message matches all three routes (the property is on every ledger message).
    for (const [kind, endpoint] of Object.entries(endpoints)) {
      await routing.putRoute(`${run}-${kind}`, { source: 'DeviceMessages', condition: `soakrun = '${opts.run}'`, endpoint });
    }
    const resource = (name: string) => {
      const v = hub.service.environment[name];
      if (!v) throw new Error(`no ${name} in the hub environment`);
      return v;
    };
    return { hub, run, targets: { sqsUrl, fifoUrl, streamName, endpoints }, kinesis, sqs, routing, resource, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
