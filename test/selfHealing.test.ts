/**
 * The local hub heals itself: `npm start` (the built dist/local/start.js, as a user runs it) is
 * started on its own ports and data dir, devices send telemetry that is routed to an SQS
 * queue, a FIFO queue and a Kinesis stream, and every child (kinesalite, dynalite, the SQS
 * emulator, the poller, the functions process) is killed with SIGKILL in turn under that
 * traffic. The supervisor must restart each and say so; the hub must answer again; the
 * ledger must find every acknowledged message at every endpoint. Then Ctrl-C exits 0, and a
 * child that keeps dying makes the hub give up with exit code 1. `--reset` and `devhub status`
 * are exercised on the way.
 */
import { CreateStreamCommand, DescribeStreamSummaryCommand, KinesisClient } from '@aws-sdk/client-kinesis';
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { checkD2c } from '../ledger/check';
import { QueueCollector, soakMessageOf, StreamCollector } from '../bench/soak/collectors';
import { sleep, type SoakContext } from '../bench/soak/context';
import { runHttpsTelemetry } from '../bench/soak/httpsDevice';
import { C2dLedger, D2cLedger, ENDPOINTS, type EndpointName } from '../ledger/ledger';
import { WsSoakDevice } from '../bench/soak/wsSoakDevice';
import { DeviceClient, RoutingClient, ServiceClient } from '../client/clients';
import type { Envelope } from '../lib/envelope';
import { deviceConnectionString } from '../lib/sas';
import type { StatusReport } from '../cli/status/report';
import { portsFrom, TEST_PORTS } from './support/config';

const root = resolve(__dirname, '..');
const ports = portsFrom(TEST_PORTS.httpPort + 90);
const dataDir = mkdtempSync(join(tmpdir(), 'devhub-heal-'));
const hubEnv: NodeJS.ProcessEnv = {
  ...withoutHubEnv(process.env),
  DEVHUB_LAMBDA_PORT: String(ports.lambdaPort),
  DEVHUB_DYNAMODB_PORT: String(ports.dynamoPort),
  DEVHUB_KINESIS_PORT: String(ports.kinesisPort),
  DEVHUB_SQS_PORT: String(ports.sqsPort),
};

/** What a user's shell would have: nothing pointing at the shared test hub. */
function withoutHubEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out = { ...env };
  for (const k of Object.keys(out)) if (k.startsWith('AWS_ENDPOINT_URL') || k.startsWith('DEVHUB_')) delete out[k];
  return out;
}

interface RunningHub {
  child: ChildProcess;
  lines: string[];
  exit: Promise<number | null>;
  waitFor(pattern: RegExp, timeoutMs?: number, from?: number): Promise<string>;
}

function startHub(args: string[], stdin?: string): RunningHub {
  const child = spawn(
    process.execPath,
    [
      join(root, 'dist/local/start.js'),
      '--data-dir',
      dataDir,
      '--http-port',
      String(ports.httpPort),
      '--ws-port',
      String(ports.wsPort),
      ...args,
    ],
    {
      env: hubEnv,
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  if (stdin !== undefined) child.stdin?.end(stdin);
  const lines: string[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    let partial = '';
    stream?.on('data', (chunk: Buffer) => {
      const parts = (partial + chunk.toString()).split('\n');
      partial = parts.pop() ?? '';
      lines.push(...parts);
    });
  }
  const exit = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const waitFor = async (pattern: RegExp, timeoutMs = 120_000, from = 0) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = lines.slice(from).find((l) => pattern.test(l));
      if (hit !== undefined) return hit;
      if (Date.now() > deadline || child.exitCode !== null)
        throw new Error(`no line matching ${String(pattern)} (exit ${child.exitCode}); output:\n${lines.slice(-40).join('\n')}`);
      await sleep(100);
    }
  };
  return { child, lines, exit, waitFor };
}

async function devhub(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { ...withoutHubEnv(process.env), DEVHUB_DATA_DIR: dataDir };
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [join(root, 'bin/devhub.js'), ...args], { env });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

async function status(): Promise<{ code: number; report: StatusReport }> {
  const r = await devhub('status', '--json');
  return { code: r.code, report: JSON.parse(r.stdout) as StatusReport };
}

/** Polls until `check` holds; fails with `what` after a generous deadline. */
async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
}

let hub: RunningHub | undefined;

interface StackStateFile {
  components: Record<string, { pid: number | null; state: string }>;
}

// After each test, so a failed test does not leave its hub holding the data dir and ports.
afterEach(async () => {
  if (hub && hub.child.exitCode === null) {
    hub.child.kill('SIGINT');
    await Promise.race([hub.exit, sleep(20_000)]);
  }
}, 30_000);

afterAll(async () => {
  // Whatever a failed run left behind (children run in their own process groups).
  const state = existsSync(join(dataDir, 'stack.json'))
    ? (JSON.parse(readFileSync(join(dataDir, 'stack.json'), 'utf8')) as { components: Record<string, { pid: number | null }> })
    : undefined;
  for (const c of Object.values(state?.components ?? {})) {
    try {
      if (c.pid) process.kill(-c.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  rmSync(dataDir, { recursive: true, force: true });
}, 60_000);

describe('npm start --reset', () => {
  it('asks first, and keeps everything when the answer is no', async () => {
    writeFileSync(join(dataDir, 'old-state'), 'x');
    const h = startHub(['--reset'], 'n\n');
    expect(await h.exit).toBe(1);
    expect(h.lines.join('\n')).toMatch(/Delete .* \[y\/N\][\s\S]*reset cancelled; nothing was deleted/);
    expect(existsSync(join(dataDir, 'old-state'))).toBe(true);
  });
});

describe('a supervised local hub', () => {
  it('restarts every child killed with SIGKILL under traffic and loses no acknowledged message', async () => {
    // The reset is confirmed on stdin and the hub starts on the clean data dir.
    hub = startHub(['--reset'], 'y\n');
    await hub.waitFor(/^devhub is running\.$/);
    expect(hub.lines.join('\n')).toContain(`${dataDir} reset.`);
    expect(existsSync(join(dataDir, 'old-state'))).toBe(false);

    const up = await eventually('status to report every component up', async () => {
      const s = await status();
      return s.code === 0 ? s.report : undefined;
    });
    expect(up.components.map((c) => c.name).sort()).toEqual(['dynamodb', 'functions', 'kinesis', 'poller', 'sqs']);
    expect(up.components.find((c) => c.name === 'kinesis')?.ports).toEqual([{ port: ports.kinesisPort, open: true }]);
    expect('shards' in up.stream && up.stream.shards.length).toBeGreaterThan(0);
    expect(up.queues.map((q) => q.role)).toEqual(['feedback', 'dead letters', 'router failures']);

    // Endpoints in the hub's own emulators, one route to each, as the soak run sets them up.
    const endpoints = JSON.parse(readFileSync(join(dataDir, 'endpoints.json'), 'utf8')) as {
      httpUrl: string;
      wsUrl: string;
      aws: Record<string, string>;
      environment: Record<string, string>;
    };
    const connectionString = readFileSync(join(dataDir, 'iothubowner.connection'), 'utf8').trim();
    const sdk = {
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      requestHandler: new NodeHttpHandler(),
    };
    const kinesis = new KinesisClient({ ...sdk, endpoint: endpoints.aws.AWS_ENDPOINT_URL_KINESIS });
    const sqs = new SQSClient({ ...sdk, endpoint: endpoints.aws.AWS_ENDPOINT_URL_SQS });
    const run = 'heal';
    // Endpoint targets follow the hub's naming convention (stage local: devhub-local-ep-*).
    const ep = `devhub-local-ep-${run}`;
    const sqsUrl = (await sqs.send(new CreateQueueCommand({ QueueName: `${ep}-q` }))).QueueUrl ?? '';
    const fifoUrl =
      (await sqs.send(new CreateQueueCommand({ QueueName: `${ep}-f.fifo`, Attributes: { FifoQueue: 'true' } }))).QueueUrl ?? '';
    await kinesis.send(new CreateStreamCommand({ StreamName: `${ep}-s`, ShardCount: 2 }));
    await eventually('the endpoint stream', async () =>
      (await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: `${ep}-s` }))).StreamDescriptionSummary?.StreamStatus === 'ACTIVE'
        ? true
        : undefined,
    );
    const routing = new RoutingClient(endpoints.httpUrl, connectionString);
    await routing.putEndpoint(`${run}-sqs`, { type: 'sqs', target: sqsUrl });
    await routing.putEndpoint(`${run}-fifo`, { type: 'sqs-fifo', target: fifoUrl });
    await routing.putEndpoint(`${run}-kin`, { type: 'kinesis', target: `${ep}-s` });
    for (const kind of ['sqs', 'fifo', 'kin'])
      await routing.putRoute(`${run}-${kind}`, { source: 'DeviceMessages', condition: `soakrun = '${run}'`, endpoint: `${run}-${kind}` });

    let loadOver = false;
    let allOver = false;
    const ctx: SoakContext = {
      run,
      httpUrl: endpoints.httpUrl,
      wsUrl: endpoints.wsUrl,
      d2c: new D2cLedger(),
      c2d: new C2dLedger(),
      counters: { d2cRequests: 0, d2cRetries: 0, wsReconnects: 0, commandSends: 0, purges: 0, settleInDoubt: 0 },
      loadOver: () => loadOver,
      allOver: () => allOver,
      log: () => undefined,
    };
    const service = new ServiceClient(endpoints.httpUrl, connectionString);
    const clients: DeviceClient[] = [];
    const wsDevices: WsSoakDevice[] = [];
    for (let i = 0; i < 4; i++) {
      const d = await service.createDevice(`${run}-d${i}`);
      const cs = deviceConnectionString(service.hostName, d.deviceId, d.authentication.symmetricKey.primaryKey);
      const client = new DeviceClient(endpoints.httpUrl, cs);
      if (i === 3) wsDevices.push(new WsSoakDevice(ctx, client, cs, 3_600_000));
      else clients.push(client);
    }
    const actors = [...clients.map((c) => runHttpsTelemetry(ctx, c, 150)), ...wsDevices.map((w) => w.runTelemetry(150))];
    // Keeps the socket's receive side going and closes it when everything is over.
    const wsReceivers = wsDevices.map((w) => w.runCommands());

    const onEnvelope = (endpoint: EndpointName) => (e: Envelope) => {
      const m = soakMessageOf(e, run);
      if (m) ctx.d2c.deliver(endpoint, m.deviceId, m.seq);
    };
    const collectors = [
      new StreamCollector(kinesis, endpoints.environment.EVENTS_STREAM ?? '', onEnvelope('stream')),
      new StreamCollector(kinesis, `${ep}-s`, onEnvelope('kinesis')),
      new QueueCollector(sqs, sqsUrl, (b) => onEnvelope('sqs')(JSON.parse(b) as Envelope)),
      new QueueCollector(sqs, fifoUrl, (b) => onEnvelope('fifo')(JSON.parse(b) as Envelope)),
    ];
    const collectOnce = async () => {
      for (const c of collectors) await c.poll().catch(() => undefined); // an emulator restarting: the next pass resumes
    };
    const acked = () => [...ctx.d2c.sent.values()].filter((m) => m.acked).length;
    // The hub takes telemetry: `count` more acknowledgements than now.
    const moreAcked = (count: number, what: string) => {
      const target = acked() + count;
      return eventually(what, async () => (acked() >= target ? true : undefined));
    };

    try {
      await moreAcked(20, 'traffic to start');
      for (const name of ['kinesis', 'dynamodb', 'sqs', 'poller', 'functions']) {
        const before = (await status()).report.components.find((c) => c.name === name);
        expect(before).toMatchObject({ up: true });
        const from = hub.lines.length;
        process.kill(before?.pid ?? 0, 'SIGKILL');
        await hub.waitFor(new RegExp(`^devhub: ${name} died \\(signal SIGKILL\\); restarting in`), 30_000, from);
        await hub.waitFor(new RegExp(`^devhub: ${name} is back \\(pid \\d+`), 90_000, from);
        const after = await eventually(`status to show ${name} up again`, async () => {
          const s = await status();
          return s.code === 0 ? s.report.components.find((c) => c.name === name) : undefined;
        });
        expect(after.pid).not.toBe(before?.pid);
        expect(after.restarts).toBe(1);
        await moreAcked(20, `the hub to take telemetry again after ${name} restarted`);
      }
      // A reset is refused while the hub runs on the data dir, even with --yes.
      const refused = startHub(['--reset', '--yes']);
      expect(await refused.exit).toBe(1);
      expect(refused.lines.join('\n')).toMatch(/cannot reset .*: a hub is running on it \(pid \d+\)/);
    } finally {
      loadOver = true;
      await Promise.all(actors);
      allOver = true;
      await Promise.all(wsReceivers);
    }

    // Drain: every acknowledged message must show up at the built-in stream and at every endpoint.
    // Copies the router dead-lettered while an endpoint's emulator was down are redriven, as an operator would.
    let lastRedrive = 0;
    await eventually(
      'every acknowledged message at every endpoint',
      async () => {
        await collectOnce();
        if (ENDPOINTS.every((e) => ctx.d2c.missing(e).length === 0)) return true;
        if (Date.now() - lastRedrive > 5000) {
          lastRedrive = Date.now();
          await routing.redrive().catch(() => undefined);
        }
        return undefined;
      },
      180_000,
    ).catch(() => undefined);
    // This run collects from the stream and the three endpoints; it runs no consumer group.
    const rows = checkD2c(ctx.d2c, ['stream', 'sqs', 'fifo', 'kinesis']);
    for (const row of rows)
      expect({ channel: row.channel, endpoint: row.endpoint, lost: row.lost }).toEqual({
        channel: row.channel,
        endpoint: row.endpoint,
        lost: 0,
      });
    // The run was driven to counts (20 more acknowledgements after each of 5 kills), not for a
    // time, so how they split between the channels depends on the machine: both took part.
    const streamAcked = (channel: string) => rows.find((r) => r.channel === channel && r.endpoint === 'stream')?.acknowledged ?? 0;
    expect(streamAcked('https')).toBeGreaterThan(0);
    expect(streamAcked('websocket')).toBeGreaterThan(0);
    expect(streamAcked('https') + streamAcked('websocket')).toBeGreaterThanOrEqual(120);
    expect([...ctx.d2c.unexpected.values()].flat()).toEqual([]);
    kinesis.destroy();
    sqs.destroy();

    const after = (await status()).report;
    expect(after.ok).toBe(true);
    expect(after.components.every((c) => c.restarts === 1)).toBe(true);
    expect(after.registry).toEqual({ devices: 4, routes: 3 });

    // Ctrl-C: a clean stop, exit code 0; status then says the hub is down, with exit code 1.
    hub.child.kill('SIGINT');
    expect(await hub.exit).toBe(0);
    const down = await status();
    expect(down.code).toBe(1);
    expect(down.report).toMatchObject({ ok: false, hub: { running: false } });
    expect(down.report.components.every((c) => !c.up)).toBe(true);
  }, 600_000);

  it('gives up with exit code 1 when a child keeps dying right after each start, and keeps the queues', async () => {
    hub = startHub([]);
    await hub.waitFor(/^devhub is running\.$/);
    // The SQS journal brought back the endpoint queues created in the first run.
    expect(readFileSync(join(dataDir, 'logs/sqs.log'), 'utf8')).toMatch(/journal .*: 5 queues, \d+ messages restored/);
    // Kill the poller each time it comes back until the hub gives up (5 fast crashes; a few more
    // kills are allowed in case one came late enough not to count as fast).
    const running = hub;
    for (let kills = 0; running.child.exitCode === null; kills++) {
      expect(kills).toBeLessThan(10);
      const from = running.lines.length;
      const poller = await eventually('a running poller', async () => {
        const state = JSON.parse(readFileSync(join(dataDir, 'stack.json'), 'utf8')) as StackStateFile;
        const p = state.components.poller;
        return p?.state === 'up' && p.pid ? p.pid : undefined;
      });
      process.kill(poller, 'SIGKILL');
      const said = await running.waitFor(/^devhub: poller (is back|died .* giving up)/, 60_000, from).catch(() => '');
      if (said.includes('giving up')) break;
    }
    expect(await hub.exit).toBe(1);
    const out = hub.lines.join('\n');
    expect(out).toMatch(/devhub: poller died \(signal SIGKILL\) 5 times in a row, each within 30 s of starting: giving up/);
    expect(out).toMatch(/fast crash 4 of 5/);
    const s = await status();
    expect(s.code).toBe(1);
    expect(s.report.hub.failure).toMatch(/poller died/);
  }, 300_000);

  it('npm start --reset --yes empties the data dir without asking', async () => {
    expect(existsSync(join(dataDir, 'sqs-journal.jsonl'))).toBe(true);
    // The HTTP port is taken, so the hub stops right after the reset instead of starting.
    const blocker = createServer().listen(ports.httpPort, '127.0.0.1');
    await once(blocker, 'listening');
    try {
      const h = startHub(['--reset', '--yes']);
      expect(await h.exit).toBe(1);
      const out = h.lines.join('\n');
      expect(out).not.toContain('[y/N]');
      expect(out).toContain(`${dataDir} reset.`);
      expect(out).toMatch(/port \d+ \(http\) is already in use/);
      for (const file of ['sqs-journal.jsonl', 'iothubowner.connection', 'stack.json', 'dynamodb', 'kinesis', 'logs']) {
        expect({ file, exists: existsSync(join(dataDir, file)) }).toEqual({ file, exists: false });
      }
    } finally {
      blocker.close();
    }
  }, 60_000);
});
