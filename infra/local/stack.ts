/**
 * The whole hub on localhost: dynalite, kinesalite, local-aws-sqs and `serverless offline`,
 * plus the poller that plays Lambda's event source mappings and schedules. Used by
 * `npm start` (infra/local/start.ts) and by the test suite's global setup.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { ensureBuiltInPolicies, PolicyStore } from '../../lib/aws/policyStore';
import { serviceConnectionString } from '../../lib/sas';
import { portOpen, startProcess, waitForPort, type ManagedProcess } from './processes';
import { startFaultProxy, type FaultProxy } from './faultProxy';
import { createLocalResources, type CfnResource } from './resources';
import { ensureCertificate } from './tls';

export interface LocalHubOptions {
  root: string;
  dataDir: string;
  hostname: string;
  httpPort: number;
  wsPort: number;
  lambdaPort: number;
  dynamoPort: number;
  kinesisPort: number;
  sqsPort: number;
  inMemory: boolean;
  tls: boolean;
  stage: string;
  /** Extra `--param` values for serverless.yml (c2d tunables, cache TTL...). */
  params: Record<string, string>;
  /** Copy the functions' output to this process's stdout. */
  echoFunctions: boolean;
  /** Start the stream/schedule poller (router, sweeper). */
  poller: boolean;
  /** Run every `schedule` event this often locally (AWS's minimum rate is one minute). */
  localScheduleSeconds?: number;
  /** Put fault-injecting proxies between the functions and the emulators (tests, soak). */
  faultInjection?: boolean;
  log: (line: string) => void;
}

export const DEFAULT_PORTS = { httpPort: 3000, wsPort: 3001, lambdaPort: 3002, dynamoPort: 8000, kinesisPort: 4567, sqsPort: 9324 };

export interface ResolvedService {
  environment: Record<string, string>;
  resources: Record<string, CfnResource>;
  functions: Record<string, { name: string; events?: unknown[] }>;
}

export interface LocalHub {
  options: LocalHubOptions;
  httpUrl: string;
  wsUrl: string;
  connectionString: string;
  connectionFile: string;
  service: ResolvedService;
  /** Environment that points the AWS SDK at the emulators (for tests and tools). */
  awsEnv: Record<string, string>;
  processes: Map<string, ManagedProcess>;
  /** Control URLs of the fault proxies (POST {url}/__devhub/faults), when enabled. */
  faultProxies?: { dynamodb: string; kinesis: string; sqs: string };
  restart(name: 'dynamodb' | 'kinesis' | 'poller'): Promise<void>;
  stop(): Promise<void>;
}

const execFileAsync = promisify(execFile);

export function awsEnvironment(o: Pick<LocalHubOptions, 'dynamoPort' | 'kinesisPort' | 'sqsPort' | 'lambdaPort'>): Record<string, string> {
  return {
    AWS_REGION: 'us-east-1',
    // Node 20 here, nodejs22.x on Lambda: the SDK's per-process Node 22 notice is noise.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_DYNAMODB: `http://127.0.0.1:${o.dynamoPort}`,
    AWS_ENDPOINT_URL_KINESIS: `http://127.0.0.1:${o.kinesisPort}`,
    AWS_ENDPOINT_URL_SQS: `http://127.0.0.1:${o.sqsPort}`,
    AWS_ENDPOINT_URL_LAMBDA: `http://127.0.0.1:${o.lambdaPort}`,
  };
}

/** Runs `serverless print` to get the service with every variable resolved. */
export async function resolveService(o: Pick<LocalHubOptions, 'root' | 'stage' | 'params'>): Promise<ResolvedService> {
  const args = [join(o.root, 'node_modules/osls/bin/serverless.js'), 'print', '--format', 'json', '--stage', o.stage];
  for (const [k, v] of Object.entries(o.params)) args.push('--param', `${k}=${v}`);
  const { stdout } = await execFileAsync(process.execPath, args, {
    cwd: o.root,
    maxBuffer: 16 * 1024 * 1024,
    env: { ...process.env, SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off' },
  });
  const printed = JSON.parse(stdout.slice(stdout.indexOf('{'))) as {
    provider: { environment: Record<string, string> };
    resources: { Resources: Record<string, CfnResource> };
    functions: Record<string, { name: string; events?: unknown[] }>;
  };
  return { environment: printed.provider.environment, resources: printed.resources.Resources, functions: printed.functions };
}

function acquireLock(dataDir: string): string {
  // One hub per data dir: two would share emulator files and corrupt them.
  const pidFile = join(dataDir, 'devhub.pid');
  if (existsSync(pidFile)) {
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid)) {
      throw new Error(
        `devhub is already running (pid ${pid}) with data dir ${dataDir}. Stop it with Ctrl-C, or start a second hub with --data-dir and other ports.`,
      );
    }
  }
  writeFileSync(pidFile, String(process.pid));
  return pidFile;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function startLocalHub(options: LocalHubOptions): Promise<LocalHub> {
  const o = options;
  const dataDir = resolve(o.dataDir);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const pidFile = acquireLock(dataDir);
  const logDir = join(dataDir, 'logs');
  const processes = new Map<string, ManagedProcess>();
  let stopping = false;

  const proxies: FaultProxy[] = [];
  const stop = async (): Promise<void> => {
    stopping = true;
    await Promise.all([...processes.values()].reverse().map((p) => p.stop()));
    processes.clear();
    await Promise.all(proxies.map((p) => p.close()));
    rmSync(pidFile, { force: true });
  };

  try {
    for (const [name, port] of Object.entries({
      http: o.httpPort,
      websocket: o.wsPort,
      lambda: o.lambdaPort,
      dynamodb: o.dynamoPort,
      kinesis: o.kinesisPort,
      sqs: o.sqsPort,
    })) {
      if (await portOpen(port))
        throw new Error(
          `port ${port} (${name}) is already in use: is another devhub or emulator running? Choose other ports with the --*-port flags.`,
        );
    }
    const awsEnv = awsEnvironment(o);
    const childEnv = { ...process.env, ...awsEnv, SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off' };
    const bin = (pkg: string, file: string) => join(o.root, 'node_modules', pkg, file);
    const unexpected = (name: string) => (code: number | null) => {
      if (!stopping) o.log(`devhub: ${name} exited unexpectedly (code ${code}); see ${join(logDir, `${name}.log`)}`);
    };

    const emulators: Record<'dynamodb' | 'kinesis' | 'sqs', () => ManagedProcess> = {
      dynamodb: () =>
        startProcess({
          name: 'dynamodb',
          command: process.execPath,
          args: [
            bin('dynalite', 'cli.js'),
            '--port',
            String(o.dynamoPort),
            '--createTableMs',
            '0',
            '--deleteTableMs',
            '0',
            '--updateTableMs',
            '0',
            ...(o.inMemory ? [] : ['--path', join(dataDir, 'dynamodb')]),
          ],
          env: childEnv,
          logDir,
          cwd: o.root,
          onUnexpectedExit: unexpected('dynamodb'),
        }),
      kinesis: () =>
        startProcess({
          name: 'kinesis',
          command: process.execPath,
          args: [
            bin('kinesalite', 'cli.js'),
            '--port',
            String(o.kinesisPort),
            '--createStreamMs',
            '0',
            '--deleteStreamMs',
            '0',
            '--updateStreamMs',
            '0',
            // kinesalite's default account limit is 10 shards; AWS's default quota is hundreds.
            '--shardLimit',
            '500',
            ...(o.inMemory ? [] : ['--path', join(dataDir, 'kinesis')]),
          ],
          env: childEnv,
          logDir,
          cwd: o.root,
          onUnexpectedExit: unexpected('kinesis'),
        }),
      sqs: () =>
        startProcess({
          name: 'sqs',
          command: process.execPath,
          args: [join(o.root, 'dist/local/sqsServer.js'), String(o.sqsPort)],
          env: childEnv,
          logDir,
          cwd: o.root,
          onUnexpectedExit: unexpected('sqs'),
        }),
    };
    const ports = { dynamodb: o.dynamoPort, kinesis: o.kinesisPort, sqs: o.sqsPort };
    for (const [name, start] of Object.entries(emulators)) processes.set(name, start());
    await Promise.all(Object.entries(ports).map(([name, port]) => waitForPort(port, name, 20_000, processes.get(name))));

    // With fault injection the functions and the poller reach the emulators through proxies.
    let functionEnv: NodeJS.ProcessEnv = childEnv;
    let faultProxies: LocalHub['faultProxies'];
    if (o.faultInjection) {
      const [dynamodb, kinesisProxy, sqsProxy] = await Promise.all([
        startFaultProxy(o.dynamoPort),
        startFaultProxy(o.kinesisPort),
        startFaultProxy(o.sqsPort),
      ]);
      proxies.push(dynamodb, kinesisProxy, sqsProxy);
      faultProxies = { dynamodb: dynamodb.url, kinesis: kinesisProxy.url, sqs: sqsProxy.url };
      functionEnv = {
        ...childEnv,
        AWS_ENDPOINT_URL_DYNAMODB: dynamodb.url,
        AWS_ENDPOINT_URL_KINESIS: kinesisProxy.url,
        AWS_ENDPOINT_URL_SQS: sqsProxy.url,
      };
    }

    const params: Record<string, string> = {
      hubHostname: o.hostname,
      httpPort: String(o.httpPort),
      wsPort: String(o.wsPort),
      lambdaPort: String(o.lambdaPort),
      websocketManagementEndpoint: `${o.tls ? 'https' : 'http'}://127.0.0.1:${o.wsPort}`,
      ...o.params,
    };
    const service = await resolveService({ root: o.root, stage: o.stage, params });

    const handler = new NodeHttpHandler();
    const sdk = { region: awsEnv.AWS_REGION, credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, requestHandler: handler };
    const dynamo = new DynamoDBClient({ ...sdk, endpoint: awsEnv.AWS_ENDPOINT_URL_DYNAMODB });
    const kinesis = new KinesisClient({ ...sdk, endpoint: awsEnv.AWS_ENDPOINT_URL_KINESIS });
    const sqs = new SQSClient({ ...sdk, endpoint: awsEnv.AWS_ENDPOINT_URL_SQS });
    // Two shards locally unless --param eventsShardCount=N says otherwise, so that every
    // consumer is exercised against more than one.
    await createLocalResources(service.resources, { dynamo, kinesis, sqs }, o.params.eventsShardCount ? {} : { localShardCount: 2 });

    const policyStore = new PolicyStore(DynamoDBDocumentClient.from(dynamo), required(service.environment, 'POLICIES_TABLE'));
    const policies = await ensureBuiltInPolicies(policyStore, () => randomBytes(32).toString('base64'));
    const owner = policies.find((p) => p.name === 'iothubowner');
    if (!owner) throw new Error('iothubowner policy missing');
    const connectionString = serviceConnectionString(o.hostname, owner.name, owner.primaryKey);
    const connectionFile = join(dataDir, 'iothubowner.connection');
    writeFileSync(connectionFile, `${connectionString}\n`, { mode: 0o600 });
    dynamo.destroy();
    kinesis.destroy();
    sqs.destroy();

    // DEVHUB_CPU_PROFILE_DIR=<dir> profiles the functions process (a .cpuprofile on exit).
    const profile = process.env.DEVHUB_CPU_PROFILE_DIR ? ['--cpu-prof', '--cpu-prof-dir', process.env.DEVHUB_CPU_PROFILE_DIR] : [];
    const offlineArgs = [...profile, bin('osls', 'bin/serverless.js'), 'offline', 'start', '--stage', o.stage];
    for (const [k, v] of Object.entries(params)) offlineArgs.push('--param', `${k}=${v}`);
    if (o.tls) offlineArgs.push('--httpsProtocol', await ensureCertificate(join(dataDir, 'tls'), o.hostname));
    const startFunctions = () =>
      startProcess({
        name: 'functions',
        command: process.execPath,
        args: offlineArgs,
        env: functionEnv,
        logDir,
        cwd: o.root,
        echo: o.echoFunctions,
        onUnexpectedExit: unexpected('functions'),
      });
    processes.set('functions', startFunctions());
    const hasWebSocket = Object.values(service.functions).some((f) => JSON.stringify(f.events ?? []).includes('"websocket"'));
    await Promise.all([
      waitForPort(o.httpPort, 'serverless offline (HTTP)', 60_000, processes.get('functions')),
      ...(hasWebSocket ? [waitForPort(o.wsPort, 'serverless offline (WebSocket)', 60_000, processes.get('functions'))] : []),
      waitForPort(o.lambdaPort, 'serverless offline (Lambda)', 60_000, processes.get('functions')),
    ]);

    const startPoller = () =>
      startProcess({
        name: 'poller',
        command: process.execPath,
        args: [
          join(o.root, 'dist/local/poller.js'),
          JSON.stringify({
            dataDir,
            inMemory: o.inMemory,
            functions: service.functions,
            environment: service.environment,
            scheduleSeconds: o.localScheduleSeconds,
          }),
        ],
        env: childEnv,
        logDir,
        cwd: o.root,
        echo: o.echoFunctions,
        onUnexpectedExit: unexpected('poller'),
      });
    if (o.poller && existsSync(join(o.root, 'dist/local/poller.js'))) processes.set('poller', startPoller());

    const restart = async (name: 'dynamodb' | 'kinesis' | 'poller'): Promise<void> => {
      await processes.get(name)?.stop();
      const proc = name === 'poller' ? startPoller() : emulators[name]();
      processes.set(name, proc);
      if (name !== 'poller') await waitForPort(ports[name], name, 20_000, proc);
    };

    const scheme = o.tls ? 'https' : 'http';
    const httpUrl = `${scheme}://${o.hostname}:${o.httpPort}`;
    const wsUrl = `${o.tls ? 'wss' : 'ws'}://${o.hostname}:${o.wsPort}`;
    // What the CLI needs to find this hub with no setup.
    writeFileSync(
      join(dataDir, 'endpoints.json'),
      `${JSON.stringify({ httpUrl, wsUrl, tls: o.tls, aws: awsEnv, environment: service.environment }, null, 2)}\n`,
      { mode: 0o600 },
    );
    return {
      options: o,
      httpUrl,
      wsUrl,
      connectionString,
      connectionFile,
      service,
      awsEnv,
      processes,
      ...(faultProxies ? { faultProxies } : {}),
      restart,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

function required(env: Record<string, string>, name: string): string {
  const v = env[name];
  if (!v) throw new Error(`serverless.yml provides no ${name}`);
  return v;
}
