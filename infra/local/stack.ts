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
import { createServer, type AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { DeviceKeySeedStore } from '../../lib/adapters/aws/deviceKeySeed';
import { ensureBuiltInPolicies, PolicyStore } from '../../lib/adapters/aws/policyStore';
import { serviceConnectionString } from '../../lib/sas';
import { portOpen, startProcess, waitForPort, type ManagedProcess } from './processes';
import { startFaultProxy } from './faultProxy';
import { createLocalResources, type CfnResource } from './resources';
import { DEFAULT_RESTART_POLICY, Supervisor, type ChildSpec, type RestartPolicy } from './supervisor';
import { ensureCertificate } from './tls';
import { startFunctionUrlFront } from './functionUrlFront';
import { startHttpGateway } from './httpGateway';
import { startWsLimitProxy } from './wsLimits';

export interface LocalHubOptions {
  root: string;
  dataDir: string;
  hostname: string;
  httpPort: number;
  wsPort: number;
  lambdaPort: number;
  /** The device front door: a function URL (./functionUrlFront.ts); default httpPort + 10. */
  devicePort?: number;
  /**
   * The device front door's host name (the function URL's host, which the hub publishes as
   * `deviceHostName`); default `hostname`. A name of its own makes the local hub look like a
   * deployed one, whose devices use the function URL's host and the service the HTTP API's.
   */
  deviceHostname?: string;
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
  /** When a crashed child is restarted and when the hub gives up (defaults: DEFAULT_RESTART_POLICY). */
  restartPolicy?: RestartPolicy;
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
  /** The device front door (the device function's URL), as deployed by default. */
  deviceUrl: string;
  connectionString: string;
  connectionFile: string;
  service: ResolvedService;
  /** Environment that points the AWS SDK at the emulators (for tests and tools). */
  awsEnv: Record<string, string>;
  processes: Map<string, ManagedProcess>;
  /** Control URLs of the fault proxies (POST {url}/__devhub/faults), when enabled. */
  faultProxies?: { dynamodb: string; kinesis: string; sqs: string };
  /** Stops a child (if running) and starts it again on its data. */
  restart(name: ChildName): Promise<void>;
  /** Rejects when a child kept crashing and the supervisor gave up on it. */
  fatal: Promise<never>;
  stop(): Promise<void>;
}

export type ChildName = 'dynamodb' | 'kinesis' | 'sqs' | 'functions' | 'poller';

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
  const scheme = o.tls ? 'https' : 'http';
  const httpUrl = `${scheme}://${o.hostname}:${o.httpPort}`;
  const wsUrl = `${o.tls ? 'wss' : 'ws'}://${o.hostname}:${o.wsPort}`;
  const devicePort = o.devicePort ?? o.httpPort + 10;
  const deviceHostname = o.deviceHostname ?? o.hostname;
  const supervisor = new Supervisor(
    processes,
    join(dataDir, 'stack.json'),
    { hubPid: process.pid, startedAt: new Date().toISOString(), urls: { http: httpUrl, websocket: wsUrl } },
    o.restartPolicy ?? DEFAULT_RESTART_POLICY,
    o.log,
  );

  const proxies: { close(): Promise<void> }[] = [];
  const stop = async (): Promise<void> => {
    supervisor.stop();
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
      device: devicePort,
      dynamodb: o.dynamoPort,
      kinesis: o.kinesisPort,
      sqs: o.sqsPort,
    })) {
      if (await portOpen(port))
        throw new Error(
          `port ${port} (${name}) is already in use: is another devhub or emulator running? Choose other ports with the --*-port flags.`,
        );
    }
    // An in-memory hub's streams start empty: checkpoints of an earlier run name records that no longer exist.
    if (o.inMemory) rmSync(join(dataDir, 'poller-checkpoints.json'), { force: true });
    const awsEnv = awsEnvironment(o);
    const childEnv = { ...process.env, ...awsEnv, SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off' };
    const bin = (pkg: string, file: string) => join(o.root, 'node_modules', pkg, file);
    const spawnChild = (name: ChildName, args: string[], env: NodeJS.ProcessEnv = childEnv, echo = false) =>
      startProcess({
        name,
        command: process.execPath,
        args,
        env,
        logDir,
        cwd: o.root,
        echo,
        onUnexpectedExit: supervisor.exitHandler(name),
      });

    // Filled in once the service is resolved: what a restarted emulator must hold again.
    let ensureResources: (only: 'dynamodb' | 'kinesis' | 'sqs') => Promise<void> = async () => undefined;
    const emulator = (name: 'dynamodb' | 'kinesis' | 'sqs', port: number, args: string[]): ChildSpec => ({
      name,
      ports: [port],
      start: () => spawnChild(name, args),
      ready: (proc) => waitForPort(port, name, 20_000, proc),
      afterRestart: () => ensureResources(name),
    });
    const emulators = [
      emulator('dynamodb', o.dynamoPort, [
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
      ]),
      emulator('kinesis', o.kinesisPort, [
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
      ]),
      emulator('sqs', o.sqsPort, [
        join(o.root, 'dist/local/sqsServer.js'),
        String(o.sqsPort),
        ...(o.inMemory ? [] : [join(dataDir, 'sqs-journal.jsonl')]),
      ]),
    ];
    const started = emulators.map((spec) => ({ spec, proc: supervisor.start(spec) }));
    await Promise.all(started.map(({ spec, proc }) => spec.ready(proc)));

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

    // serverless offline serves WebSockets on an internal port; the public one is the proxy that
    // enforces API Gateway's frame and message limits (infra/local/wsLimits.ts).
    const offlineWsPort = await freePort();
    // Likewise HTTP: the public port is API Gateway's request handling (infra/local/httpGateway.ts).
    const offlineHttpPort = await freePort();
    const params: Record<string, string> = {
      hubHostname: o.hostname,
      httpPort: String(offlineHttpPort),
      wsPort: String(offlineWsPort),
      lambdaPort: String(o.lambdaPort),
      websocketManagementEndpoint: `${o.tls ? 'https' : 'http'}://127.0.0.1:${offlineWsPort}`,
      // Locally devices reach the device function both ways: through its function URL (the front
      // below, as deployed by default) and through the HTTP API routes (deviceFrontDoor=httpApi).
      deviceFrontDoor: 'both',
      // The function URL's host for every function, as a deployed stack resolves it from the URL.
      deviceHostnames: deviceHostname,
      ...o.params,
    };
    const service = await resolveService({ root: o.root, stage: o.stage, params });

    const sdk = { region: awsEnv.AWS_REGION, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };
    const clients = () => {
      const requestHandler = new NodeHttpHandler();
      return {
        dynamo: new DynamoDBClient({ ...sdk, requestHandler, endpoint: awsEnv.AWS_ENDPOINT_URL_DYNAMODB }),
        kinesis: new KinesisClient({ ...sdk, requestHandler, endpoint: awsEnv.AWS_ENDPOINT_URL_KINESIS }),
        sqs: new SQSClient({ ...sdk, requestHandler, endpoint: awsEnv.AWS_ENDPOINT_URL_SQS }),
        destroy() {
          this.dynamo.destroy();
          this.kinesis.destroy();
          this.sqs.destroy();
        },
      };
    };
    // Two shards locally unless --param eventsShardCount=N says otherwise, so that every
    // consumer is exercised against more than one.
    const resourceOptions = o.params.eventsShardCount ? {} : { localShardCount: 2 };
    ensureResources = async (only) => {
      const c = clients();
      try {
        await createLocalResources(service.resources, c, { ...resourceOptions, only });
      } finally {
        c.destroy();
      }
    };
    const c = clients();
    await createLocalResources(service.resources, c, resourceOptions);
    const policyStore = new PolicyStore(DynamoDBDocumentClient.from(c.dynamo), required(service.environment, 'POLICIES_TABLE'));
    const policies = await ensureBuiltInPolicies(policyStore, () => randomBytes(32).toString('base64'));
    // The device-key seed, like the policies' keys: created once, kept with the data dir.
    await new DeviceKeySeedStore(DynamoDBDocumentClient.from(c.dynamo), required(service.environment, 'DEVICES_TABLE')).ensure();
    c.destroy();
    const owner = policies.find((p) => p.name === 'iothubowner');
    if (!owner) throw new Error('iothubowner policy missing');
    const connectionString = serviceConnectionString(o.hostname, owner.name, owner.primaryKey);
    const connectionFile = join(dataDir, 'iothubowner.connection');
    writeFileSync(connectionFile, `${connectionString}\n`, { mode: 0o600 });

    // DEVHUB_CPU_PROFILE_DIR=<dir> profiles the functions process (a .cpuprofile on exit).
    const profile = process.env.DEVHUB_CPU_PROFILE_DIR ? ['--cpu-prof', '--cpu-prof-dir', process.env.DEVHUB_CPU_PROFILE_DIR] : [];
    const offlineArgs = [...profile, bin('osls', 'bin/serverless.js'), 'offline', 'start', '--stage', o.stage];
    for (const [k, v] of Object.entries(params)) offlineArgs.push('--param', `${k}=${v}`);
    // The poller runs the schedules (at localScheduleSeconds, with state `devhub status` reads);
    // offline's own cron would run every scheduled function a second time each period.
    offlineArgs.push('--param', 'offlineSchedules=false');
    const tlsDir = o.tls ? await ensureCertificate(join(dataDir, 'tls'), o.hostname, deviceHostname) : undefined;
    if (tlsDir) offlineArgs.push('--httpsProtocol', tlsDir);
    const hasWebSocket = Object.values(service.functions).some((f) => JSON.stringify(f.events ?? []).includes('"websocket"'));
    const functionsSpec: ChildSpec = {
      name: 'functions',
      // serverless offline's own WebSocket port sits behind the API Gateway limit proxy (o.wsPort).
      ports: hasWebSocket ? [offlineHttpPort, offlineWsPort, o.lambdaPort] : [offlineHttpPort, o.lambdaPort],
      start: () => spawnChild('functions', offlineArgs, functionEnv, o.echoFunctions),
      ready: async (proc) => {
        await Promise.all([
          waitForPort(offlineHttpPort, 'serverless offline (HTTP)', 60_000, proc),
          ...(hasWebSocket ? [waitForPort(offlineWsPort, 'serverless offline (WebSocket)', 60_000, proc)] : []),
          waitForPort(o.lambdaPort, 'serverless offline (Lambda)', 60_000, proc),
        ]);
      },
    };
    await functionsSpec.ready(supervisor.start(functionsSpec));
    // In the stack's own process, so they outlive restarts of the functions process.
    const headRoutes = Object.values(service.functions).some((f) => (f.events ?? []).some(isHeadRoute));
    proxies.push(
      await startHttpGateway({
        listenPort: o.httpPort,
        targetPort: offlineHttpPort,
        ...(tlsDir ? { tlsDir } : {}),
        headRoutes,
        log: o.log,
      }),
    );
    if (hasWebSocket) {
      proxies.push(await startWsLimitProxy({ listenPort: o.wsPort, targetPort: offlineWsPort, ...(tlsDir ? { tlsDir } : {}), log: o.log }));
    }

    // serverless offline has no function URLs: the device function's URL is served here.
    const deviceFunction = service.functions.deviceApi;
    if (!deviceFunction) throw new Error('serverless.yml defines no deviceApi function');
    const front = await startFunctionUrlFront({
      port: devicePort,
      hostname: deviceHostname,
      functionName: deviceFunction.name,
      lambdaEndpoint: `http://127.0.0.1:${o.lambdaPort}`,
      region: awsEnv.AWS_REGION ?? 'us-east-1',
      ...(tlsDir ? { tlsDir } : {}),
      log: o.log,
    });
    proxies.push(front);

    const pollerArgs = [
      join(o.root, 'dist/local/poller.js'),
      JSON.stringify({
        dataDir,
        functions: service.functions,
        environment: service.environment,
        scheduleSeconds: o.localScheduleSeconds,
      }),
    ];
    const pollerSpec: ChildSpec = {
      name: 'poller',
      ports: [],
      start: () => spawnChild('poller', pollerArgs, childEnv, o.echoFunctions),
      ready: async () => undefined,
    };
    if (o.poller && existsSync(join(o.root, 'dist/local/poller.js'))) supervisor.start(pollerSpec);

    // What the CLI needs to find this hub with no setup.
    writeFileSync(
      join(dataDir, 'endpoints.json'),
      `${JSON.stringify({ httpUrl, wsUrl, deviceUrl: front.url, tls: o.tls, aws: awsEnv, environment: service.environment }, null, 2)}\n`,
      { mode: 0o600 },
    );
    return {
      options: o,
      httpUrl,
      wsUrl,
      deviceUrl: front.url,
      connectionString,
      connectionFile,
      service,
      awsEnv,
      processes,
      ...(faultProxies ? { faultProxies } : {}),
      restart: (name) => supervisor.restart(name),
      fatal: supervisor.fatal,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** An HTTP API route that a HEAD request matches: HEAD, ANY or the `$default` route. */
function isHeadRoute(event: unknown): boolean {
  const route = (event as { httpApi?: unknown }).httpApi;
  if (route === '*' || (typeof route === 'string' && /^(HEAD|ANY|\$default)\b/i.test(route))) return true;
  const method = (route as { method?: unknown } | undefined)?.method;
  return typeof method === 'string' && /^(HEAD|ANY|\*)$/i.test(method);
}

function required(env: Record<string, string>, name: string): string {
  const v = env[name];
  if (!v) throw new Error(`serverless.yml provides no ${name}`);
  return v;
}

/** A port nothing listens on now (the OS picks it). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
