/**
 * Plays Lambda's event source mappings and schedules for `serverless offline`, which has
 * neither for Kinesis: for every function with a `stream` (Kinesis) event it reads each shard
 * and invokes the function through the offline Lambda endpoint with the same event shape,
 * batch size, partial batch failure handling (ReportBatchItemFailures), retries, bisecting
 * and on-failure destination as AWS; for `schedule` events it invokes on the rate.
 * Checkpoints are kept in <data dir>/poller-checkpoints.json and advanced only after success,
 * so a killed poller resumes from the last finished batch (records after it are redelivered).
 * (The stack removes the file when an in-memory hub starts.) Schedules' last runs go to
 * <data dir>/poller-state.json for `devhub status`.
 */
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { kinesisEvent } from '../../client/routerFailures';
import { failureRecord } from '../../lib/routing/failureRecord';
import { GetRecordsCommand, GetShardIteratorCommand, KinesisClient, ListShardsCommand, type _Record } from '@aws-sdk/client-kinesis';
import { GetQueueUrlCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

interface StreamEvent {
  stream: {
    type?: string;
    arn: unknown;
    batchSize?: number;
    startingPosition?: string;
    maximumRetryAttempts?: number;
    bisectBatchOnFunctionError?: boolean;
    functionResponseType?: string;
    maximumBatchingWindow?: number;
    batchWindow?: number;
    destinations?: { onFailure?: unknown };
    /** Local only: the stream name (the ARN is a CloudFormation expression offline). */
    streamName?: string;
  };
}
export interface PollerState {
  pid: number;
  startedAt: string;
  schedules: Record<string, { everyMs: number; lastRunAt?: string; lastOk?: boolean; lastError?: string }>;
  /** Stream consumers; their checkpoints are `${function}/${stream}/${shardId}` in poller-checkpoints.json. */
  streams: { function: string; stream: string; shards: string[] }[];
}
interface ScheduleEvent {
  schedule: { rate: string | string[]; enabled?: boolean } | string;
}
interface PollerConfig {
  dataDir: string;
  functions: Record<string, { name: string; events?: unknown[]; environment?: Record<string, string> }>;
  environment: Record<string, string>;
  /** Local override of every schedule's rate, in seconds. */
  scheduleSeconds?: number;
}

const config = JSON.parse(process.argv[2] ?? '{}') as PollerConfig;
const handler = new NodeHttpHandler();
const lambda = new LambdaClient({ requestHandler: handler, maxAttempts: 1 });
const kinesis = new KinesisClient({ requestHandler: handler });
const sqs = new SQSClient({ requestHandler: handler });
const checkpointFile = join(config.dataDir, 'poller-checkpoints.json');
const checkpoints: Record<string, string> = existsSync(checkpointFile)
  ? (JSON.parse(readFileSync(checkpointFile, 'utf8')) as Record<string, string>)
  : {};
let stopping = false;

/** `<data dir>/poller-state.json`: when each schedule last ran (read by `devhub status`). */
const stateFile = join(config.dataDir, 'poller-state.json');
const pollerState: PollerState = { pid: process.pid, startedAt: new Date().toISOString(), schedules: {}, streams: [] };
function saveState(): void {
  const tmp = `${stateFile}.tmp`;
  writeFileSync(tmp, JSON.stringify(pollerState));
  renameSync(tmp, stateFile);
}

function log(message: string, fields: Record<string, unknown> = {}): void {
  console.log(JSON.stringify({ level: 'info', component: 'poller', message, ...fields }));
}

function saveCheckpoint(key: string, sequenceNumber: string): void {
  checkpoints[key] = sequenceNumber;
  const tmp = `${checkpointFile}.tmp`;
  writeFileSync(tmp, JSON.stringify(checkpoints));
  renameSync(tmp, checkpointFile); // atomic: a kill never leaves a torn file
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function invoke(functionName: string, payload: unknown): Promise<{ ok: boolean; result: unknown; error?: string }> {
  try {
    const out = await lambda.send(new InvokeCommand({ FunctionName: functionName, Payload: Buffer.from(JSON.stringify(payload)) }));
    const text = out.Payload ? Buffer.from(out.Payload).toString('utf8') : '';
    const result: unknown = text ? JSON.parse(text) : undefined;
    if (out.FunctionError) return { ok: false, result, error: text.slice(0, 500) };
    return { ok: true, result };
  } catch (err) {
    return { ok: false, result: undefined, error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) };
  }
}

/** The ARN's stream name, whether given as an ARN string or a Fn::GetAtt of a known resource. */
function streamNameOf(ev: StreamEvent['stream']): string {
  if (ev.streamName) return ev.streamName;
  if (typeof ev.arn === 'string') return ev.arn.split('/').pop() ?? ev.arn;
  const getAtt = (ev.arn as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt'];
  const env = config.environment;
  if (getAtt?.[0] === 'EventsStream' && env.EVENTS_STREAM) return env.EVENTS_STREAM;
  throw new Error(`cannot tell the stream of ${JSON.stringify(ev.arn)} locally; add streamName`);
}

function failureQueueOf(ev: StreamEvent['stream']): string | undefined {
  const dest = ev.destinations?.onFailure;
  const arn = typeof dest === 'string' ? dest : (dest as { arn?: unknown } | undefined)?.arn;
  if (typeof arn === 'string') return arn.split(':').pop();
  const getAtt = (arn as { 'Fn::GetAtt'?: [string, string] } | undefined)?.['Fn::GetAtt'];
  if (getAtt?.[0] === 'RouterFailureQueue') return `${config.environment.HUB_NAME}-router-failures`;
  return undefined;
}

async function sendToFailureDestination(queueName: string | undefined, detail: Record<string, unknown>): Promise<void> {
  if (!queueName) {
    log('batch dropped after retries (no on-failure destination)', detail);
    return;
  }
  const url = (await sqs.send(new GetQueueUrlCommand({ QueueName: queueName }))).QueueUrl;
  await sqs.send(
    new SendMessageCommand({
      QueueUrl: url,
      MessageBody: JSON.stringify(detail),
    }),
  );
}

/** Invokes with one batch until it is done; returns how many leading records are finished. */
async function processBatch(
  fn: string,
  ev: StreamEvent['stream'],
  records: _Record[],
  shardId: string,
  streamArn: string,
): Promise<number> {
  const maxRetries = ev.maximumRetryAttempts ?? -1; // -1: retry until the record expires, as AWS
  const reportsFailures = ev.functionResponseType === 'ReportBatchItemFailures';
  let attempt = 0;
  let batch = records;
  let done = 0;
  while (batch.length > 0 && !stopping) {
    const out = await invoke(
      fn,
      kinesisEvent(batch, shardId, streamArn, process.env.AWS_REGION ?? 'us-east-1', 'arn:aws:iam::000000000000:role/local'),
    );
    let failedFrom = -1;
    if (!out.ok) {
      failedFrom = 0;
      log('function error', { function: fn, shardId, records: batch.length, attempt, error: out.error });
    } else if (reportsFailures) {
      const failures = (out.result as { batchItemFailures?: { itemIdentifier?: string }[] } | undefined)?.batchItemFailures ?? [];
      if (failures.length > 0) {
        const ids = new Set(failures.map((f) => f.itemIdentifier));
        failedFrom = batch.findIndex((r) => ids.has(r.SequenceNumber));
        if (failedFrom < 0) failedFrom = 0; // an unknown identifier fails the whole batch, as in AWS
      }
    }
    if (failedFrom < 0) return done + batch.length;
    done += failedFrom;
    batch = batch.slice(failedFrom);
    attempt++;
    if (maxRetries >= 0 && attempt > maxRetries) {
      // AWS's on-failure record (KinesisBatchInfo), so `devhub routing failures` reads both alike.
      await sendToFailureDestination(
        failureQueueOf(ev),
        failureRecord({
          shardId,
          startSequenceNumber: batch[0]?.SequenceNumber ?? '',
          endSequenceNumber: batch[batch.length - 1]?.SequenceNumber ?? '',
          batchSize: batch.length,
          streamArn,
          functionArn: `arn:aws:lambda:${process.env.AWS_REGION ?? 'us-east-1'}:000000000000:function:${fn}`,
        }),
      );
      return done + batch.length;
    }
    if (!out.ok && ev.bisectBatchOnFunctionError && batch.length > 1) batch = batch.slice(0, Math.ceil(batch.length / 2));
    await sleep(Math.min(200 * 2 ** Math.min(attempt, 5), 5000));
  }
  return done;
}

async function pollShard(fnKey: string, fn: string, ev: StreamEvent['stream'], streamName: string, shardId: string): Promise<void> {
  const key = `${fnKey}/${streamName}/${shardId}`;
  const streamArn = `arn:aws:kinesis:${process.env.AWS_REGION ?? 'us-east-1'}:000000000000:stream/${streamName}`;
  let iterator: string | undefined;
  const freshIterator = async () => {
    const after = checkpoints[key];
    if (after) {
      try {
        const out = await kinesis.send(
          new GetShardIteratorCommand({
            StreamName: streamName,
            ShardId: shardId,
            ShardIteratorType: 'AFTER_SEQUENCE_NUMBER',
            StartingSequenceNumber: after,
          }),
        );
        return out.ShardIterator;
      } catch (err) {
        if ((err as Error).name !== 'InvalidArgumentException') throw err;
        // The stream was re-created (its data deleted): the checkpoint means nothing any more.
        log('checkpoint not in this stream; starting over', { function: fn, shardId });
        delete checkpoints[key];
      }
    }
    const out = await kinesis.send(
      new GetShardIteratorCommand({
        StreamName: streamName,
        ShardId: shardId,
        ShardIteratorType: ev.startingPosition === 'LATEST' ? 'LATEST' : 'TRIM_HORIZON',
      }),
    );
    return out.ShardIterator;
  };
  const batchSize = ev.batchSize ?? 100;
  // serverless.yml spells the batching window `batchWindow` (CloudFormation: MaximumBatchingWindowInSeconds).
  const windowMs = Math.min((ev.batchWindow ?? ev.maximumBatchingWindow ?? 0) * 1000, 1000);
  while (!stopping) {
    try {
      iterator ??= await freshIterator();
      if (!iterator) return; // closed shard
      const out = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: batchSize }));
      const records = out.Records ?? [];
      if (records.length === 0) {
        iterator = out.NextShardIterator;
        await sleep(Math.max(windowMs, 100));
        continue;
      }
      const finished = await processBatch(fn, ev, records, shardId, streamArn);
      const last = records[finished - 1];
      if (last?.SequenceNumber) saveCheckpoint(key, last.SequenceNumber);
      // Continue after what finished: the whole batch, or (when stopping) the finished prefix.
      iterator = finished === records.length ? out.NextShardIterator : undefined;
    } catch (err) {
      log('poll error; retrying', { function: fn, shardId, error: err instanceof Error ? err.message : String(err) });
      iterator = undefined;
      await sleep(1000);
    }
  }
}

/** The stream's shards; waits while Kinesis is down (the poller may start while it restarts). */
async function listShards(streamName: string) {
  for (let attempt = 0; ; attempt++) {
    try {
      return (await kinesis.send(new ListShardsCommand({ StreamName: streamName }))).Shards ?? [];
    } catch (err) {
      if (stopping) return [];
      if (attempt % 10 === 0)
        log('cannot list shards yet; retrying', { stream: streamName, error: err instanceof Error ? err.message : String(err) });
      await sleep(500);
    }
  }
}

function rateMs(rate: string): number {
  const m = /^rate\((\d+)\s+(second|seconds|minute|minutes|hour|hours)\)$/.exec(rate.trim());
  if (!m) throw new Error(`unsupported schedule ${rate}; use rate(N unit)`);
  const unit = m[2]?.startsWith('second') ? 1000 : m[2]?.startsWith('minute') ? 60_000 : 3_600_000;
  return Number(m[1]) * unit;
}

async function runSchedule(fn: string, rate: string): Promise<void> {
  const every = config.scheduleSeconds ? config.scheduleSeconds * 1000 : rateMs(rate);
  const key = `${fn} ${rate}`;
  pollerState.schedules[key] = { everyMs: every };
  saveState();
  while (!stopping) {
    await sleep(every);
    if (stopping) return;
    const out = await invoke(fn, {
      version: '0',
      source: 'aws.events',
      'detail-type': 'Scheduled Event',
      time: new Date().toISOString(),
      detail: {},
    });
    if (!out.ok) log('scheduled invocation failed', { function: fn, error: out.error });
    pollerState.schedules[key] = {
      everyMs: every,
      lastRunAt: new Date().toISOString(),
      lastOk: out.ok,
      ...(out.error ? { lastError: out.error } : {}),
    };
    saveState();
  }
}

async function main(): Promise<void> {
  const tasks: Promise<void>[] = [];
  for (const [fnKey, def] of Object.entries(config.functions)) {
    for (const raw of def.events ?? []) {
      const streamEv = (raw as Partial<StreamEvent>).stream;
      if (streamEv && (streamEv.type ?? 'kinesis') === 'kinesis') {
        const streamName = streamNameOf(streamEv);
        const shards = await listShards(streamName);
        for (const s of shards) if (s.ShardId) tasks.push(pollShard(fnKey, def.name, streamEv, streamName, s.ShardId));
        pollerState.streams.push({ function: fnKey, stream: streamName, shards: shards.flatMap((s) => (s.ShardId ? [s.ShardId] : [])) });
        saveState();
        log('polling stream', { function: def.name, stream: streamName, shards: shards.length });
      }
      const schedule = (raw as Partial<ScheduleEvent>).schedule;
      if (schedule) {
        const rates = typeof schedule === 'string' ? [schedule] : schedule.enabled === false ? [] : [schedule.rate].flat();
        for (const rate of rates) tasks.push(runSchedule(def.name, rate));
        log('running schedule', { function: def.name, rates });
      }
    }
  }
  if (tasks.length === 0) log('no stream or schedule events to drive');
  await Promise.all(tasks);
  // Stay up until stopped (the signal handlers exit): the hub treats an exiting poller as a failure.
  setInterval(() => undefined, 1 << 30);
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    stopping = true;
    setTimeout(() => process.exit(0), 200);
  });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
