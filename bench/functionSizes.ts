/**
 * Scenario 10: right-sized functions. Each function runs in its own forked process
 * (bench/functionWorker.ts) that calls the built handler in-process against the local emulators;
 * this module turns its CPU and wall times into Lambda durations at 128-1024 MB, picks a memory
 * size, and builds the measured-assumptions file `npm run cost` reads (cost/measured.json).
 *
 * Lambda allocates CPU in proportion to memory: 1,769 MB is one vCPU, so a 128 MB function gets
 * 128/1769 = 7.2% of one. The machine running the bench cannot be throttled per process here
 * (no cgroup control), so the share is emulated by a ratio: a warm invocation's CPU time (measured
 * at full speed) is stretched by 1769/memory, its waiting time (wall − CPU: the emulators'
 * answers) is not. Init is stretched the same way (Lambda documents no separate INIT allocation).
 */
import { fork } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { cpus, tmpdir, totalmem } from 'node:os';
import { cpuShare, durationAt } from '../cost/measured';
import { commandBody, writeScenarioEvents, type ScenarioConnections } from './functionEvents';
import type { EmfFlush, InvocationSample, PrepareReply, PrepareRequest, WorkerResult, WorkerScenario } from './functionWorker';

export const MEMORY_SIZES_MB = [128, 256, 512, 1024] as const;
/**
 * The bounds a size must meet (chosen, not measured). The device API answers devices: a warm p99 of
 * a quarter second inside the function keeps a device's request within its network round trip's
 * order (cellular RTTs are 50-150 ms). The router is off the device's path: a batch within a second
 * keeps up with its one-second batching window. A cold start happens once per new instance; 3 s is
 * far below the 20 s function timeout and API Gateway's 30 s, and device SDKs retry on timeouts.
 */
export const DEVICE_P99_BOUND_MS = 250;
export const ROUTER_P99_BOUND_MS = 1000;
/**
 * The commands API answers a backend's C2D send, which the backend awaits as a device awaits the
 * device API (an operator's click, a rule reacting to telemetry): the same quarter second. The C2D
 * sweeper is on nobody's path: a run within a second, like the router's batch, is far inside its
 * one-minute schedule and 60 s timeout; expiry is settled to the minute anyway.
 */
export const COMMANDS_P99_BOUND_MS = DEVICE_P99_BOUND_MS;
export const SWEEPER_P99_BOUND_MS = 1000;
export const COLD_START_BOUND_MS = 3000;
function quantile(xs: readonly number[], q: number): number {
  if (xs.length === 0) return 0;
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
}

const r2 = (n: number) => Math.round(n * 100) / 100;

export interface SampleSummary {
  cpuMsMedian: number;
  waitMsMedian: number;
  cpuMsP99: number;
  wallMsP99: number;
  logBytesMean: number;
  emfBytesMean: number;
}

export function summarise(samples: readonly InvocationSample[]): SampleSummary {
  const mean = (xs: number[]) => (xs.length > 0 ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
  return {
    cpuMsMedian: r2(
      quantile(
        samples.map((s) => s.cpuMs),
        0.5,
      ),
    ),
    waitMsMedian: r2(
      quantile(
        samples.map((s) => Math.max(0, s.wallMs - s.cpuMs)),
        0.5,
      ),
    ),
    cpuMsP99: r2(
      quantile(
        samples.map((s) => s.cpuMs),
        0.99,
      ),
    ),
    wallMsP99: r2(
      quantile(
        samples.map((s) => s.wallMs),
        0.99,
      ),
    ),
    logBytesMean: Math.round(mean(samples.map((s) => s.logBytes))),
    emfBytesMean: Math.round(mean(samples.map((s) => s.emfBytes))),
  };
}

/**
 * EMF bytes under lib/metrics.ts's per-instance aggregation, for the cost model: a publication
 * writes `bytesPerFlush` plus `valueBytesPerInvocation` per invocation it covers. Measured by
 * publishing after every invocation (METRICS_FLUSH_INTERVAL_MS=0: bytes for one invocation) and
 * with an interval far longer than the run, where only a distribution filling a line (after
 * `invocationsPerLine` invocations) publishes: the difference over the extra invocations is the
 * per-invocation part, the rest the fixed part.
 */
export interface EmfMeasurement {
  bytesPerFlush: number;
  valueBytesPerInvocation: number;
  /** null: no distribution filled a line during the run (the function records sums only). */
  invocationsPerLine: number | null;
  /** What was measured: bytes of a one-invocation publication, and of the full ones. */
  oneInvocationBytes: number;
  fullFlushBytes: number | null;
}

export function emfMeasurement(perInvocation: readonly InvocationSample[], aggregated: readonly EmfFlush[]): EmfMeasurement {
  const one = perInvocation.filter((s) => s.emfBytes > 0).map((s) => s.emfBytes);
  const oneInvocationBytes = one.length > 0 ? one.reduce((a, b) => a + b, 0) / one.length : 0;
  // The publications a full distribution forced cover the most invocations (a window boundary crossed mid-run covers fewer).
  const k = aggregated.reduce((m, f) => Math.max(m, f.invocations), 0);
  const full = aggregated.filter((f) => f.invocations === k && k > 1);
  if (full.length === 0) {
    return {
      bytesPerFlush: Math.round(oneInvocationBytes),
      valueBytesPerInvocation: 0,
      invocationsPerLine: null,
      oneInvocationBytes,
      fullFlushBytes: null,
    };
  }
  const fullFlushBytes = full.reduce((a, f) => a + f.bytes, 0) / full.length;
  const valueBytes = Math.max(0, (fullFlushBytes - oneInvocationBytes) / (k - 1));
  return {
    bytesPerFlush: Math.round(oneInvocationBytes - valueBytes),
    valueBytesPerInvocation: r2(valueBytes),
    invocationsPerLine: k,
    oneInvocationBytes: r2(oneInvocationBytes),
    fullFlushBytes: r2(fullFlushBytes),
  };
}

/** The cost model's roles (cost/types.ts FUNCTION_ROLES) the bench measures; serviceApi is the commandsApi function (C2D send), sweeper the c2dSweeper, wsMessage the wsDefault function (WebSocket frames). */
export type SizedRole = 'deviceApi' | 'router' | 'serviceApi' | 'sweeper' | 'wsMessage';

export interface SizedFunction {
  role: SizedRole;
  /** serverless.yml function key. */
  name: string;
  /** Fixed part per invocation (from the single-item scenario). */
  invocation: SampleSummary;
  /** CPU per extra item (message in a batch, record in a router batch), from the batch scenario; 0 for a function without batches. */
  cpuMsPerItem: number;
  itemsInBatch: number;
  init: { wallMs: number; cpuMs: number };
  firstInvocation: { cpuMs: number; wallMs: number };
  /** Resident memory after init and the first invocation. */
  rssMb: number;
  /** Billed ms per invocation (single item), per batch item, and cold start, at each memory size. */
  bySize: { memoryMb: number; invocationMs: number; p99Ms: number; perItemMs: number; coldStartMs: number; gbSecondsPerMillion: number }[];
  chosenMemoryMb: number;
  why: string;
  errors: number;
  firstError?: string;
  emf: EmfMeasurement;
}

/**
 * A cold start at `memoryMb`: module init plus the first invocation. Init is CPU only (its wall time
 * here is other processes' CPU) and is taken from the slower of the function's two fresh processes:
 * one init per process is a sample of one, and at 128 MB the device API and the router sit within a
 * few hundred ms of the 3 s bound, where one fast sample flipped the chosen size between runs. The
 * first (single-item) invocation also waits for its first connections.
 */
export function coldStartMsAt(memoryMb: number, single: Pick<WorkerResult, 'init' | 'first'>, other: Pick<WorkerResult, 'init'>): number {
  const initCpuMs = Math.max(single.init.cpuMs, other.init.cpuMs);
  return durationAt(memoryMb, initCpuMs + single.first.cpuMs, Math.max(0, single.first.wallMs - single.first.cpuMs));
}

/**
 * The smallest memory whose warm p99 and cold start stay within their bounds and whose resident
 * memory after the first invocation (code, SDK, runtime) leaves 40% for the heap to grow into
 * (Lambda's Node runtime sizes the heap from the function's memory; unbounded, Node grows lazily).
 */
export function chooseMemory(
  bySize: SizedFunction['bySize'],
  rssMb: number,
  bounds: { p99Ms: number; coldStartMs: number },
): { memoryMb: number; why: string } {
  for (const s of bySize) {
    const fits = rssMb <= 0.6 * s.memoryMb;
    if (fits && s.p99Ms <= bounds.p99Ms && s.coldStartMs <= bounds.coldStartMs) {
      return {
        memoryMb: s.memoryMb,
        why: `smallest size with warm p99 ${Math.round(s.p99Ms)} ms <= ${bounds.p99Ms} ms, cold start ${Math.round(s.coldStartMs)} ms <= ${bounds.coldStartMs} ms and resident memory after the first invocation ${rssMb} MB <= 60% of memory; below 1,769 MB CPU time costs the same GB-s at any size, so a smaller size only adds waiting time billed at a lower rate`,
      };
    }
  }
  const last = bySize[bySize.length - 1];
  return { memoryMb: last?.memoryMb ?? 1024, why: 'no measured size met the bounds: the largest measured' };
}

/**
 * Runs one scenario in a fresh process. The bundle is copied alone, as serverless.yml packages it
 * (`dist/functions/<fn>.js`, no source map): with the map beside it, NODE_OPTIONS'
 * --enable-source-maps would parse it at load (measured: +65 ms init CPU, +12 MB resident on the
 * device API), which the deployed function never does. The events are written by this process.
 */
export async function runWorker(
  root: string,
  env: NodeJS.ProcessEnv,
  spec: Omit<WorkerScenario, 'bundle' | 'eventsFile'>,
  connections: ScenarioConnections,
  prepare?: (i: number) => Promise<void>,
): Promise<WorkerResult> {
  const dir = mkdtempSync(join(tmpdir(), 'devhub-size-'));
  try {
    const scenario: WorkerScenario = { ...spec, bundle: join(dir, `${spec.fn}.js`), eventsFile: join(dir, 'events.json') };
    copyFileSync(join(root, 'dist/functions', `${spec.fn}.js`), scenario.bundle);
    await writeScenarioEvents(scenario, scenario.eventsFile, { ...connections, eventsStream: env.EVENTS_STREAM ?? '' });
    return await forkWorker(root, env, scenario, prepare);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Prepares step `i` for the worker (httpC2d: enqueue; httpCommand: purge), once more after a
 * failure: a failed enqueue would turn the next receive into an empty poll, a failed purge would
 * let the queue fill.
 */
async function answerPrepare(prepare: ((i: number) => Promise<void>) | undefined, i: number): Promise<PrepareReply> {
  if (!prepare) return { prepared: i, error: 'this scenario prepares nothing' };
  try {
    await prepare(i).catch(() => prepare(i));
    return { prepared: i };
  } catch (err) {
    return { prepared: i, error: err instanceof Error ? err.message : String(err) };
  }
}

function forkWorker(
  root: string,
  env: NodeJS.ProcessEnv,
  scenario: WorkerScenario,
  prepare?: (i: number) => Promise<void>,
): Promise<WorkerResult> {
  return new Promise((resolveResult, reject) => {
    const child = fork(join(root, 'dist/bench/functionWorker.js'), [], {
      env: { ...env, DEVHUB_SIZE_SCENARIO: JSON.stringify(scenario) },
      silent: true,
    });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout?.resume();
    child.on('message', (m: { ok: boolean; result?: WorkerResult; error?: string } | PrepareRequest) => {
      if ('prepare' in m) {
        void answerPrepare(prepare, m.prepare).then((reply) => child.connected && child.send(reply));
        return;
      }
      if (m.ok && m.result) resolveResult(m.result);
      else reject(new Error(`${scenario.fn} (${scenario.kind}) failed: ${m.error ?? ''}`));
    });
    child.on('exit', (code) => {
      if (code !== 0) reject(new Error(`${scenario.fn} worker exited ${code}: ${stderr.slice(-2000)}`));
    });
  });
}

export interface FunctionSizesOptions {
  root: string;
  /** The local hub's function environment and the SDK's emulator endpoints. */
  env: Record<string, string>;
  deviceConnectionString: string;
  /** A connection string with ServiceConnect (the commands API's send). */
  serviceConnectionString: string;
  messageBytes: number;
  quick: boolean;
  /**
   * Enqueues a command of `body` for the measured device (the bench sends it through the local
   * hub's service API, the path a backend takes), resolving once it is stored. Called between a
   * C2D scenario's invocations, outside their measured windows.
   */
  enqueueCommand: (body: string, messageId: string) => Promise<void>;
  /** Purges the measured device's command queue through the hub's service API (between the commands API's sends, not measured). */
  purgeCommands: () => Promise<void>;
  /**
   * A device held connected over WebSocket through the local hub (its connection id, and the hub's
   * replies it received since the last call): the wsDefault function's send frames are measured
   * from it and each must be acked. Without it, wsMessage is not measured.
   */
  ws?: { connectionId: string; replies: () => { acks: number; others: number; firstOther?: string } };
}

/** Messages in a WebSocket sendBatch frame: 50 of ~1.1 KB stay well inside API Gateway's 128 KB frame. */
export const WS_BATCH_ITEMS = 50;

/** The Lambda-like environment a deployed function runs with (stage prod, JSON logs at INFO, metrics on). */
function lambdaEnv(base: Record<string, string>, fn: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    ...base,
    AWS_LAMBDA_FUNCTION_NAME: `devhub-prod-${fn}`,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '512',
    AWS_LAMBDA_LOG_FORMAT: 'JSON',
    AWS_LAMBDA_LOG_LEVEL: 'INFO',
    POWERTOOLS_SERVICE_NAME: 'devhub-prod',
    POWERTOOLS_LOG_LEVEL: 'INFO',
    POWERTOOLS_METRICS_DISABLED: 'false',
    POWERTOOLS_DEV: 'false',
    DEVHUB_LOG_STYLE: 'lambda',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
}

export interface FunctionSizesResult {
  functions: SizedFunction[];
  /** Device API empty C2D poll (GET devicebound → 204). */
  poll: SampleSummary;
  /**
   * Device API C2D receive that returns a command of messageBytes (GET devicebound → 200) and the
   * complete of that command with its lock token (DELETE devicebound/{lockToken} → 204).
   */
  c2d: { receive: SampleSummary; complete: SampleSummary; commandBytes: number; errors: number; firstError?: string };
}

/**
 * Of several whole runs of the scenario, the one whose device API send CPU is the median (the
 * lower median for an even count). One run's numbers move ±15% between quiet runs on the same
 * machine; the median run keeps each run's numbers together (the memory choice, the EMF bytes
 * and the C2D calls come from one run), where a median per field would mix runs.
 */
export function medianRun<T extends { functions: readonly { role: string; invocation: { cpuMsMedian: number } }[] }>(
  runs: readonly T[],
): { run: T; index: number; deviceCpuMs: number[] } {
  const cpu = (r: T) => r.functions.find((f) => f.role === 'deviceApi')?.invocation.cpuMsMedian ?? Number.NaN;
  const deviceCpuMs = runs.map(cpu);
  if (runs.length === 0 || deviceCpuMs.some((x) => Number.isNaN(x))) throw new Error('medianRun: every run must measure the device API');
  const order = deviceCpuMs.map((x, i) => [x, i] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const index = order[Math.floor((order.length - 1) / 2)]?.[1] ?? 0;
  return { run: runs[index] as T, index, deviceCpuMs };
}

export async function measureFunctionSizes(o: FunctionSizesOptions): Promise<FunctionSizesResult> {
  const n = o.quick ? { warm: 10, single: 40, batch: 8 } : { warm: 50, single: 400, batch: 60 };
  const batchItems = 100;
  const scenario = (fn: string, kind: WorkerScenario['kind'], items: number, invocations: number) => ({
    fn,
    kind,
    items,
    messageBytes: o.messageBytes,
    warmup: n.warm,
    invocations,
  });
  const connections: ScenarioConnections = {
    deviceConnectionString: o.deviceConnectionString,
    serviceConnectionString: o.serviceConnectionString,
    ...(o.ws ? { wsConnectionId: o.ws.connectionId } : {}),
  };
  const purge = () => o.purgeCommands();
  // One at a time: the machine's other cores stay with the emulators.
  const send1 = await runWorker(o.root, lambdaEnv(o.env, 'deviceApi'), scenario('deviceApi', 'httpSend', 1, n.single), connections);
  const sendBatch = await runWorker(
    o.root,
    lambdaEnv(o.env, 'deviceApi'),
    scenario('deviceApi', 'httpSend', batchItems, n.batch),
    connections,
  );
  const poll = await runWorker(o.root, lambdaEnv(o.env, 'deviceApi'), scenario('deviceApi', 'httpPoll', 1, n.single), connections);
  // After the empty polls: each receive finds the one command enqueued just before it, whose complete empties the queue again.
  const c2d = await runWorker(o.root, lambdaEnv(o.env, 'deviceApi'), scenario('deviceApi', 'httpC2d', 1, n.single), connections, (i) =>
    o.enqueueCommand(commandBody(o.messageBytes, i), `bench-size-${i}-${Date.now()}`),
  );
  const route1 = await runWorker(o.root, lambdaEnv(o.env, 'router'), scenario('router', 'router', 1, n.single), connections);
  const routeBatch = await runWorker(o.root, lambdaEnv(o.env, 'router'), scenario('router', 'router', batchItems, n.batch), connections);
  // A backend's C2D send of a 1 KB command (the device's queue purged, unmeasured, every 25 sends).
  const command = await runWorker(
    o.root,
    lambdaEnv(o.env, 'commandsApi'),
    scenario('commandsApi', 'httpCommand', 1, n.single),
    connections,
    purge,
  );
  // Scheduled sweeps with nothing due (the common case): the commands above are neither expired nor locked.
  const sweep = await runWorker(o.root, lambdaEnv(o.env, 'c2dSweeper'), scenario('c2dSweeper', 'scheduled', 1, n.single), connections);
  // WebSocket send frames (one message, and sendBatch), each acked to the connected device through the management API.
  o.ws?.replies();
  const wsSend = o.ws
    ? {
        one: await runWorker(o.root, lambdaEnv(o.env, 'wsDefault'), scenario('wsDefault', 'wsSend', 1, n.single), connections),
        batch: await runWorker(
          o.root,
          lambdaEnv(o.env, 'wsDefault'),
          scenario('wsDefault', 'wsSend', WS_BATCH_ITEMS, n.batch),
          connections,
        ),
      }
    : undefined;
  // EMF per publication and per invocation: publishing after every invocation, then with a window longer than the run.
  // The first run is also a function's second fresh process (its init for the cold start) where no batch scenario gave one.
  const emfOf = async (fn: string, kind: WorkerScenario['kind']): Promise<{ emf: EmfMeasurement; each: WorkerResult }> => {
    const prepare = kind === 'httpCommand' ? purge : undefined;
    const each = await runWorker(
      o.root,
      { ...lambdaEnv(o.env, fn), METRICS_FLUSH_INTERVAL_MS: '0' },
      { ...scenario(fn, kind, 1, 20), warmup: 3 },
      connections,
      prepare,
    );
    const held = await runWorker(
      o.root,
      { ...lambdaEnv(o.env, fn), METRICS_FLUSH_INTERVAL_MS: '3600000' },
      { ...scenario(fn, kind, 1, 250), warmup: 0 },
      connections,
      prepare,
    );
    return { emf: emfMeasurement(each.samples, held.emfFlushes), each };
  };
  const emf = {
    deviceApi: await emfOf('deviceApi', 'httpSend'),
    router: await emfOf('router', 'router'),
    serviceApi: await emfOf('commandsApi', 'httpCommand'),
    sweeper: await emfOf('c2dSweeper', 'scheduled'),
    wsMessage: o.ws ? await emfOf('wsDefault', 'wsSend') : undefined,
  };
  // Every message sent (first, warm-up and measured invocations of the four wsDefault processes) must have been acked:
  // one ack per message, a sendBatch's too (lib/ws/socketService.ts).
  const wsMessages = wsSend ? 1 + n.warm + n.single + (1 + n.warm + n.batch) * WS_BATCH_ITEMS + (1 + 3 + 20) + (1 + 250) : 0;
  const wsReplies = o.ws ? await settledReplies(o.ws.replies, wsMessages) : undefined;

  /**
   * `one`: the single-item scenario; `batch`: the batch scenario (the per-item CPU; none for a
   * function that takes one item); `second`: another fresh process of the function (cold start).
   */
  const size = (
    role: SizedRole,
    one: WorkerResult,
    batch: WorkerResult | undefined,
    second: WorkerResult,
    p99BoundMs: number,
    replyErrors?: { errors: number; firstError?: string },
  ): SizedFunction => {
    const a = summarise(one.samples);
    const cpuMsPerItem = batch ? Math.max(0, (summarise(batch.samples).cpuMsMedian - a.cpuMsMedian) / (batch.items - 1)) : 0;
    const bySize = MEMORY_SIZES_MB.map((memoryMb) => {
      const invocationMs = durationAt(memoryMb, a.cpuMsMedian, a.waitMsMedian);
      return {
        memoryMb,
        invocationMs: r2(invocationMs),
        // p99 of CPU, median waiting: on a shared machine the emulators' slowest answers measure the machine, not AWS.
        p99Ms: r2(durationAt(memoryMb, a.cpuMsP99, a.waitMsMedian)),
        perItemMs: Math.round((cpuMsPerItem / cpuShare(memoryMb)) * 1000) / 1000,
        coldStartMs: r2(coldStartMsAt(memoryMb, one, second)),
        gbSecondsPerMillion: r2((invocationMs / 1000) * (memoryMb / 1024) * 1e6),
      };
    });
    const rssMb = Math.max(one.rssAfterFirstMb, second.rssAfterFirstMb);
    const chosen = chooseMemory(bySize, rssMb, { p99Ms: p99BoundMs, coldStartMs: COLD_START_BOUND_MS });
    const errors = one.errors + (batch?.errors ?? 0) + (replyErrors?.errors ?? 0);
    const firstError = one.firstError ?? batch?.firstError ?? replyErrors?.firstError;
    return {
      role,
      name: one.fn,
      invocation: a,
      cpuMsPerItem: Math.round(cpuMsPerItem * 1000) / 1000,
      itemsInBatch: batch?.items ?? 1,
      init: { wallMs: r2(one.init.wallMs), cpuMs: r2(one.init.cpuMs) },
      firstInvocation: { cpuMs: r2(one.first.cpuMs), wallMs: r2(one.first.wallMs) },
      rssMb,
      bySize,
      chosenMemoryMb: chosen.memoryMb,
      why: chosen.why,
      errors,
      ...(firstError !== undefined ? { firstError } : {}),
      emf: (emf[role] ?? { emf: emptyEmf }).emf,
    };
  };
  return {
    functions: [
      size('deviceApi', send1, sendBatch, sendBatch, DEVICE_P99_BOUND_MS),
      size('router', route1, routeBatch, routeBatch, ROUTER_P99_BOUND_MS),
      size('serviceApi', command, undefined, emf.serviceApi.each, COMMANDS_P99_BOUND_MS),
      size('sweeper', sweep, undefined, emf.sweeper.each, SWEEPER_P99_BOUND_MS),
      ...(wsSend && wsReplies
        ? [size('wsMessage', wsSend.one, wsSend.batch, wsSend.batch, DEVICE_P99_BOUND_MS, wsReplyErrors(wsReplies, wsMessages))]
        : []),
    ],
    poll: summarise(poll.samples),
    c2d: {
      receive: summarise(c2d.samples),
      complete: summarise(c2d.completeSamples),
      commandBytes: Buffer.byteLength(commandBody(o.messageBytes, 0)),
      errors: c2d.errors,
      ...(c2d.firstError !== undefined ? { firstError: c2d.firstError } : {}),
    },
  };
}

const emptyEmf: EmfMeasurement = {
  bytesPerFlush: 0,
  valueBytesPerInvocation: 0,
  invocationsPerLine: null,
  oneInvocationBytes: 0,
  fullFlushBytes: null,
};

/** The device's replies once `expected` have arrived or 5 s passed (acks travel through the management API, after the handler's return). */
async function settledReplies(
  replies: () => { acks: number; others: number; firstOther?: string },
  expected: number,
): Promise<{ acks: number; others: number; firstOther?: string }> {
  let acks = 0;
  let others = 0;
  let firstOther: string | undefined;
  const deadline = Date.now() + 5000;
  for (;;) {
    const r = replies();
    acks += r.acks;
    others += r.others;
    firstOther ??= r.firstOther;
    if (acks + others >= expected || Date.now() > deadline) return { acks, others, ...(firstOther !== undefined ? { firstOther } : {}) };
    await new Promise((done) => setTimeout(done, 50));
  }
}

/** A message not acked (a nack, an error frame, or no reply) counts as an error of the WebSocket function. */
export function wsReplyErrors(
  r: { acks: number; others: number; firstOther?: string },
  messages: number,
): { errors: number; firstError?: string } {
  const missing = Math.max(0, messages - r.acks - r.others);
  const errors = r.others + missing;
  if (errors === 0) return { errors };
  return { errors, firstError: r.firstOther ?? `${missing} of ${messages} WebSocket messages got no reply` };
}

/** A device API call other than a send, as cost/measured.ts reads it (MeasuredCall). */
const call = (x: SampleSummary) => ({
  cpuMsPerInvocation: x.cpuMsMedian,
  waitMsPerInvocation: x.waitMsMedian,
  emfBytesPerInvocation: x.emfBytesMean,
});

/** The file `npm run cost` reads over cost/assumptions.json (see cost/measured.ts). */
export function measuredAssumptions(r: FunctionSizesResult, method: string): unknown {
  const machine = {
    cores: cpus().length,
    cpu: cpus()[0]?.model ?? 'unknown',
    memoryGb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
  };
  return {
    about:
      "Written by `npm run bench` (scenario 10, bench/functionSizes.ts); read by `npm run cost` over cost/assumptions.json. Durations are derived per memory size from CPU and waiting time measured in-process, see method. EMF metrics are aggregated per instance (lib/metrics.ts): emfBytesPerFlush is the fixed part of one publication on the hot path, emfValueBytesPerInvocation what each invocation adds to it (distribution values), emfInvocationsPerLine the invocations after which a distribution fills a line and publishes (null: none). deviceApiEmptyPoll, deviceApiC2dReceive and deviceApiC2dComplete: the device API's empty C2D poll (204), a receive that returns a command and the complete of that command, each billed at its own duration. functions.serviceApi is the commandsApi function (a backend's C2D send of a 1 KB command), functions.sweeper the c2dSweeper (a scheduled run with nothing due); a file without them leaves those functions to cost/assumptions.json.",
    date: new Date().toISOString(),
    machine,
    method,
    functions: Object.fromEntries(
      r.functions.map((f) => [
        f.role,
        {
          cpuMsPerInvocation: f.invocation.cpuMsMedian,
          waitMsPerInvocation: f.invocation.waitMsMedian,
          cpuMsPerItem: f.cpuMsPerItem,
          logBytesPerInvocation: f.invocation.logBytesMean,
          emfBytesPerFlush: f.emf.bytesPerFlush,
          emfValueBytesPerInvocation: f.emf.valueBytesPerInvocation,
          emfInvocationsPerLine: f.emf.invocationsPerLine,
          initCpuMs: f.init.cpuMs,
          initWallMs: f.init.wallMs,
          rssMb: f.rssMb,
          chosenMemoryMb: f.chosenMemoryMb,
          why: f.why,
        },
      ]),
    ),
    deviceApiEmptyPoll: call(r.poll),
    deviceApiC2dReceive: call(r.c2d.receive),
    deviceApiC2dComplete: call(r.c2d.complete),
  };
}
