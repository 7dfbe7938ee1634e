/**
 * One function measured in its own process, in-process (no HTTP server, no event source in the
 * loop): requires the built bundle (dist/functions/<fn>.js) the way Lambda's runtime does, then
 * calls its handler with realistic events against the local emulators and measures, per
 * invocation, this process's CPU time (process.cpuUsage: the handler, the SDK, JSON, GC), the
 * wall time, and the bytes the function writes to stdout/stderr (its log and EMF lines, as
 * Lambda would ship them to CloudWatch Logs), and which invocations published metrics. Forked by bench/functionSizes.ts, which passes the
 * scenario in DEVHUB_SIZE_SCENARIO and receives the result over IPC.
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

export interface WorkerScenario {
  /** Bundle name under dist/functions. */
  fn: string;
  kind: 'httpSend' | 'httpPoll' | 'router';
  /** The function's code as Lambda gets it (a copy of dist/functions/<fn>.js without its source map). */
  bundle: string;
  /** A JSON array of events (bench/functionEvents.ts), used in turn. */
  eventsFile: string;
  /** Messages per HTTPS request / records per router batch. */
  items: number;
  messageBytes: number;
  warmup: number;
  invocations: number;
}

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
  const invoke = async (i: number): Promise<InvocationSample> => {
    const event = events[i % events.length];
    const cpu = process.cpuUsage();
    const t = performance.now();
    try {
      const res = (await handler(event, context(s.fn))) as { statusCode?: number; batchItemFailures?: unknown[] } | undefined;
      const failed =
        (res?.statusCode !== undefined && res.statusCode >= 300) ||
        (Array.isArray(res?.batchItemFailures) && res.batchItemFailures.length > 0);
      if (failed) {
        errors++;
        firstError ??= JSON.stringify(res).slice(0, 300);
      }
    } catch (err) {
      errors++;
      firstError ??= err instanceof Error ? err.message : String(err);
    }
    const wallMs = performance.now() - t;
    const cpuMs = cpuMsSince(cpu);
    const written = output.take();
    sinceFlush++;
    if (written.emfBytes > 0) {
      emfFlushes.push({ invocations: sinceFlush, bytes: written.emfBytes });
      sinceFlush = 0;
    }
    return { cpuMs, wallMs, ...written };
  };
  const first = await invoke(0);
  const rssAfterFirst = process.memoryUsage().rss;
  for (let i = 1; i <= s.warmup; i++) await invoke(i);
  const samples: InvocationSample[] = [];
  let rss = 0;
  for (let i = 0; i < s.invocations; i++) {
    samples.push(await invoke(s.warmup + 1 + i));
    rss = Math.max(rss, process.memoryUsage().rss);
  }
  return {
    fn: s.fn,
    kind: s.kind,
    items: s.items,
    init,
    first,
    samples,
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
