/**
 * One function measured in its own process, in-process (no HTTP server, no event source in the
 * loop): requires the built bundle (dist/functions/<fn>.js) the way Lambda's runtime does, then
 * calls its handler with realistic events against the local emulators and measures, per
 * invocation, this process's CPU time (process.cpuUsage: the handler, the SDK, JSON, GC), the
 * wall time, and the bytes the function writes to stdout/stderr (its log and EMF lines, as
 * Lambda would ship them to CloudWatch Logs), and which invocations published metrics. Forked by bench/functionSizes.ts, which passes the
 * scenario in DEVHUB_SIZE_SCENARIO and receives the result over IPC.
 *
 * `httpC2d` measures a C2D receive that returns a command and the complete of that command: before
 * each receive, outside the measured window, the worker asks the parent over IPC to enqueue a
 * command (the parent sends it through the hub's service API), then calls the handler with the
 * receive event and builds the complete event from its answer, the lock token in the ETag header
 * (IoT Hub's contract; device SDKs strip the quotes and put it in the DELETE's path).
 *
 * `httpCommand` measures a backend's C2D send (the commands API, POST devicebound with a service
 * SAS). A device's queue holds at most 50 commands, so before every COMMANDS_BETWEEN_PURGES-th send,
 * outside the measured window, the worker asks the parent to purge the device's queue (through the
 * hub's service API): no measured send meets a full queue. `scheduled` calls a scheduled function
 * (the C2D sweeper) with an EventBridge scheduled event. `wsSend` calls the WebSocket $default
 * function with a send (items 1) or sendBatch frame of a device the parent holds connected through
 * the local hub: the function answers 200 whatever happens (API Gateway ignores it) and acks the
 * device through the management API, so the parent counts the device's acks.
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

export interface WorkerScenario {
  /** Bundle name under dist/functions. */
  fn: string;
  kind: 'httpSend' | 'httpPoll' | 'httpC2d' | 'httpCommand' | 'scheduled' | 'wsSend' | 'router';
  /** The function's code as Lambda gets it (a copy of dist/functions/<fn>.js without its source map). */
  bundle: string;
  /** A JSON array of events (bench/functionEvents.ts), used in turn; for httpC2d, C2dEvents. */
  eventsFile: string;
  /** Messages per HTTPS request / records per router batch. */
  items: number;
  messageBytes: number;
  warmup: number;
  invocations: number;
}

/** httpC2d's events: a receive, and the complete with `lockTokenPlaceholder` where the receive's lock token goes. */
export interface C2dEvents {
  receive: unknown;
  complete: unknown;
  lockTokenPlaceholder: string;
}

/**
 * IPC between the worker and bench/functionSizes.ts: prepare step `i`, unmeasured (httpC2d: enqueue
 * the command receive `i` takes; httpCommand: purge the device's queue), and the parent's answer.
 */
export interface PrepareRequest {
  prepare: number;
}
export interface PrepareReply {
  prepared: number;
  error?: string;
}

/** httpCommand: sends between two purges of the device's queue, below its depth limit of 50 (lib/c2d). */
export const COMMANDS_BETWEEN_PURGES = 25;

/** A metrics publication (lib/metrics.ts aggregates per instance): the invocations it covered and the EMF bytes it wrote. */
export interface EmfFlush {
  invocations: number;
  bytes: number;
}

export interface InvocationSample {
  cpuMs: number;
  wallMs: number;
  logBytes: number;
  emfBytes: number;
}

export interface WorkerResult {
  fn: string;
  kind: WorkerScenario['kind'];
  items: number;
  /** Module initialisation: require() of the bundle (Lambda's INIT phase). */
  init: { wallMs: number; cpuMs: number };
  /** The first invocation after init (lazy SDK set-up, first connections). */
  first: InvocationSample;
  samples: InvocationSample[];
  /** httpC2d: the completes, one per receive in `samples` that returned a command. */
  completeSamples: InvocationSample[];
  /** Every invocation that wrote EMF lines, counted from the first invocation. */
  emfFlushes: EmfFlush[];
  /** Resident memory after init and the first invocation: the code, the SDK and the runtime. */
  rssAfterFirstMb: number;
  /** Peak resident memory over the run (Node grows its heap lazily when nothing bounds it). */
  rssMb: number;
  heapUsedMb: number;
  errors: number;
  firstError?: string;
}

type Handler = (event: unknown, context: unknown) => Promise<unknown>;
type HandlerResult = { statusCode?: number; headers?: Record<string, string>; batchItemFailures?: unknown[] } | undefined;

function cpuMsSince(start: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(start);
  return (d.user + d.system) / 1000;
}

/** Counts what the function writes (Lambda ships stdout and stderr to CloudWatch Logs). */
function captureOutput(): { take(): { logBytes: number; emfBytes: number } } {
  let logBytes = 0;
  let emfBytes = 0;
  for (const stream of [process.stdout, process.stderr]) {
    // Replaced, not wrapped: the measurement must not print the function's lines.
    stream.write = ((chunk: string | Uint8Array): boolean => {
      const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      const bytes = Buffer.byteLength(text);
      if (text.includes('"_aws"')) emfBytes += bytes;
      else logBytes += bytes;
      return true;
    }) as typeof stream.write;
  }
  return {
    take() {
      const out = { logBytes, emfBytes };
      logBytes = 0;
      emfBytes = 0;
      return out;
    },
  };
}

function context(fn: string) {
  return {
    functionName: `devhub-prod-${fn}`,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:devhub-prod-${fn}`,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE ?? '512',
    awsRequestId: `bench-${Math.random().toString(16).slice(2)}`,
    logGroupName: `/aws/lambda/devhub-prod-${fn}`,
    logStreamName: 'bench',
    callbackWaitsForEmptyEventLoop: false,
    getRemainingTimeInMillis: () => 20_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** Asks the parent to prepare step `i` (`what` names it in an error) and waits until it is done (nothing of this is measured). */
function prepareStep(i: number, what: string): Promise<void> {
  return new Promise((resolvePrepared, reject) => {
    const onMessage = (m: PrepareReply) => {
      if (m.prepared !== i) return;
      process.off('message', onMessage);
      if (m.error !== undefined) reject(new Error(`${what}: ${m.error}`));
      else resolvePrepared();
    };
    process.on('message', onMessage);
    process.send?.({ prepare: i } satisfies PrepareRequest);
  });
}

/** The lock token of a receive's answer: its ETag without the quotes, as device SDKs send it back. */
function lockTokenOf(res: HandlerResult): string | undefined {
  const etag = Object.entries(res?.headers ?? {}).find(([k]) => k.toLowerCase() === 'etag')?.[1];
  const token = etag?.replace(/^"|"$/g, '');
  return token ? token : undefined;
}

async function run(s: WorkerScenario): Promise<WorkerResult> {
  // Prepared by the parent (bench/functionEvents.ts): this process loads nothing before the bundle.
  const events = JSON.parse(readFileSync(s.eventsFile, 'utf8')) as unknown[];

  const output = captureOutput();
  const initCpu = process.cpuUsage();
  const initStart = performance.now();
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the built bundle, as Lambda loads it
  const handler = (require(s.bundle) as { handler: Handler }).handler;
  const init = { wallMs: performance.now() - initStart, cpuMs: cpuMsSince(initCpu) };
  output.take();

  let errors = 0;
  let firstError: string | undefined;
  const emfFlushes: EmfFlush[] = [];
  let sinceFlush = 0;
  const failure = (what: string) => {
    errors++;
    firstError ??= what;
  };
  /** One measured call of the handler; `expectStatus`: the only status that counts as success. */
  const invoke = async (event: unknown, expectStatus?: number): Promise<{ sample: InvocationSample; res: HandlerResult }> => {
    let res: HandlerResult;
    const cpu = process.cpuUsage();
    const t = performance.now();
    try {
      res = (await handler(event, context(s.fn))) as HandlerResult;
    } catch (err) {
      failure(err instanceof Error ? err.message : String(err));
    }
    const wallMs = performance.now() - t;
    const cpuMs = cpuMsSince(cpu);
    const written = output.take();
    if (res !== undefined) {
      const failed =
        (res.statusCode !== undefined && (expectStatus !== undefined ? res.statusCode !== expectStatus : res.statusCode >= 300)) ||
        (Array.isArray(res.batchItemFailures) && res.batchItemFailures.length > 0);
      if (failed) failure(JSON.stringify(res).slice(0, 300));
    }
    sinceFlush++;
    if (written.emfBytes > 0) {
      emfFlushes.push({ invocations: sinceFlush, bytes: written.emfBytes });
      sinceFlush = 0;
    }
    return { sample: { cpuMs, wallMs, ...written }, res };
  };
  /**
   * Invocation `i` of the scenario: one handler call; for httpCommand one send (202), after a purge
   * (unmeasured) every COMMANDS_BETWEEN_PURGES sends; for httpC2d an enqueue (unmeasured), a receive
   * and its complete.
   */
  const step = async (i: number): Promise<{ sample: InvocationSample; complete?: InvocationSample }> => {
    if (s.kind === 'httpCommand') {
      if (i % COMMANDS_BETWEEN_PURGES === 0) await prepareStep(i, `purging the device's commands before send ${i}`);
      return invoke(events[i % events.length], 202);
    }
    if (s.kind !== 'httpC2d') return invoke(events[i % events.length]);
    const c2d = events[i % events.length] as C2dEvents;
    await prepareStep(i, `enqueueing command ${i}`);
    const received = await invoke(c2d.receive, 200);
    const token = lockTokenOf(received.res);
    if (token === undefined) {
      if (received.res?.statusCode === 200) failure('a receive answered 200 without an ETag');
      return received;
    }
    // The device's side, not measured: the DELETE's path carries the token from the ETag.
    const completeEvent = JSON.parse(JSON.stringify(c2d.complete).replaceAll(c2d.lockTokenPlaceholder, token)) as unknown;
    const completed = await invoke(completeEvent, 204);
    return { sample: received.sample, complete: completed.sample };
  };
  const first = (await step(0)).sample;
  const rssAfterFirst = process.memoryUsage().rss;
  for (let i = 1; i <= s.warmup; i++) await step(i);
  const samples: InvocationSample[] = [];
  const completeSamples: InvocationSample[] = [];
  let rss = 0;
  for (let i = 0; i < s.invocations; i++) {
    const done = await step(s.warmup + 1 + i);
    samples.push(done.sample);
    if (done.complete) completeSamples.push(done.complete);
    rss = Math.max(rss, process.memoryUsage().rss);
  }
  return {
    fn: s.fn,
    kind: s.kind,
    items: s.items,
    init,
    first,
    samples,
    completeSamples,
    emfFlushes,
    rssAfterFirstMb: Math.round((rssAfterFirst / 2 ** 20) * 10) / 10,
    rssMb: Math.round((rss / 2 ** 20) * 10) / 10,
    heapUsedMb: Math.round((process.memoryUsage().heapUsed / 2 ** 20) * 10) / 10,
    errors,
    ...(firstError !== undefined ? { firstError } : {}),
  };
}

const scenario = JSON.parse(process.env.DEVHUB_SIZE_SCENARIO ?? '{}') as WorkerScenario;
run(scenario).then(
  (result) => process.send?.({ ok: true, result }, () => process.exit(0)),
  (err: unknown) =>
    process.send?.({ ok: false, error: err instanceof Error ? (err.stack ?? err.message) : String(err) }, () => process.exit(1)),
);
