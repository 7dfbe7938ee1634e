/**
 * One function measured in its own process, in-process (no HTTP server, no event source in the
 * loop): requires the built bundle (dist/functions/<fn>.js) the way Lambda's runtime does, then
 * calls its handler with realistic events against the local emulators and measures, per
 * invocation, this process's CPU time (process.cpuUsage: the handler, the SDK, JSON, GC), the
 * wall time, and the bytes the function writes to stdout/stderr (its log and EMF lines, as
 * Lambda would ship them to CloudWatch Logs), and which invocations published metrics. Forked by bench/functionSizes.ts, which passes the
 * scenario in DEVHUB_SIZE_SCENARIO and receives the result over IPC.
 */
import { performance } from 'node:perf_hooks';
import type { KinesisStreamEvent } from 'aws-lambda';
import { GetRecordsCommand, GetShardIteratorCommand, KinesisClient, ListShardsCommand, type _Record } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { kinesisEvent } from '../client/routerFailures';
import { parseConnectionString, tokenFromConnectionString } from '../lib/sas';

export interface WorkerScenario {
  /** Bundle name under dist/functions. */
  fn: string;
  kind: 'httpSend' | 'httpPoll' | 'router';
  bundle: string;
  deviceConnectionString?: string;
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

/** An HTTP API (payload 2.0) event as API Gateway builds it for the device routes. */
function httpEvent(method: string, route: string, path: string, deviceId: string, headers: Record<string, string>, body?: string) {
  const now = Date.now();
  return {
    version: '2.0',
    routeKey: `${method} ${route}`,
    rawPath: path,
    rawQueryString: 'api-version=2020-03-13',
    headers: { host: 'localhost', 'user-agent': 'devhub-bench', ...headers },
    queryStringParameters: { 'api-version': '2020-03-13' },
    pathParameters: { id: deviceId },
    requestContext: {
      accountId: '123456789012',
      apiId: 'bench',
      domainName: 'localhost',
      domainPrefix: 'localhost',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'devhub-bench' },
      requestId: `r${now}${Math.random().toString(16).slice(2, 8)}`,
      routeKey: `${method} ${route}`,
      stage: '$default',
      time: new Date(now).toISOString(),
      timeEpoch: now,
    },
    body,
    isBase64Encoded: false,
  };
}

function telemetryBody(bytes: number, i: number): string {
  // A JSON document of about `bytes` (a typical telemetry shape, padded).
  const base = { deviceTime: new Date().toISOString(), seq: i, temperature: 21.5 + (i % 10), humidity: 40 + (i % 7), pad: '' };
  const pad = Math.max(0, bytes - Buffer.byteLength(JSON.stringify(base)));
  return JSON.stringify({ ...base, pad: 'x'.repeat(pad) });
}

async function eventsFromStream(items: number, count: number): Promise<KinesisStreamEvent[]> {
  const kinesis = new KinesisClient({ requestHandler: new NodeHttpHandler() });
  const stream = process.env.EVENTS_STREAM ?? '';
  const shards = (await kinesis.send(new ListShardsCommand({ StreamName: stream }))).Shards ?? [];
  const records: _Record[] = [];
  for (const shard of shards) {
    let iterator = (
      await kinesis.send(new GetShardIteratorCommand({ StreamName: stream, ShardId: shard.ShardId, ShardIteratorType: 'TRIM_HORIZON' }))
    ).ShardIterator;
    while (iterator && records.length < items * count) {
      const out = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }));
      records.push(...(out.Records ?? []));
      if ((out.Records ?? []).length === 0) break;
      iterator = out.NextShardIterator;
    }
  }
  kinesis.destroy();
  if (records.length < items) throw new Error(`the events stream holds ${records.length} records, the router batch needs ${items}`);
  const events: KinesisStreamEvent[] = [];
  for (let i = 0; i < count; i++) {
    const start = (i * items) % Math.max(1, records.length - items + 1);
    events.push(
      kinesisEvent(
        records.slice(start, start + items),
        'shardId-000000000000',
        `arn:aws:kinesis:us-east-1:123456789012:stream/${stream}`,
        'us-east-1',
      ) as KinesisStreamEvent,
    );
  }
  return events;
}

async function run(s: WorkerScenario): Promise<WorkerResult> {
  // Events are prepared before the bundle is loaded so that their cost is not the function's.
  const total = s.warmup + s.invocations + 1;
  let makeEvent: (i: number) => unknown;
  if (s.kind === 'router') {
    const events = await eventsFromStream(s.items, Math.min(total, 50));
    makeEvent = (i) => events[i % events.length];
  } else {
    const cs = parseConnectionString(s.deviceConnectionString ?? '');
    const deviceId = cs.deviceId ?? '';
    const token = tokenFromConnectionString(cs, Math.floor(Date.now() / 1000), 86_400);
    const path = (p: string) => `/devices/${encodeURIComponent(deviceId)}/messages/${p}`;
    makeEvent =
      s.kind === 'httpPoll'
        ? () => httpEvent('GET', '/devices/{id}/messages/devicebound', path('devicebound'), deviceId, { authorization: token })
        : s.items === 1
          ? (i) =>
              httpEvent(
                'POST',
                '/devices/{id}/messages/events',
                path('events'),
                deviceId,
                {
                  authorization: token,
                  'content-type': 'application/json',
                  'iothub-messageid': `m${i}`,
                  'iothub-contenttype': 'application/json',
                  'iothub-contentencoding': 'utf-8',
                  'iothub-app-kind': 'bench',
                },
                telemetryBody(s.messageBytes, i),
              )
          : (i) =>
              httpEvent(
                'POST',
                '/devices/{id}/messages/events',
                path('events'),
                deviceId,
                { authorization: token, 'content-type': 'application/vnd.microsoft.iothub.json' },
                JSON.stringify(
                  Array.from({ length: s.items }, (_, k) => ({
                    body: Buffer.from(telemetryBody(s.messageBytes, i * s.items + k)).toString('base64'),
                    properties: { 'iothub-app-kind': 'bench', 'iothub-messageid': `m${i}-${k}` },
                  })),
                ),
              );
  }
  const events = Array.from({ length: Math.min(total, 200) }, (_, i) => makeEvent(i));

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
