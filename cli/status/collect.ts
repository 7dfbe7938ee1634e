/**
 * Gathers `devhub status` from the local hub: the supervisor's state file and the poller's
 * (both in the data dir), checked against reality (is the pid alive, does the port answer),
 * then the stream, queues and tables read straight from the emulators.
 */
import {
  DynamoDBClient,
  QueryCommand,
  ScanCommand,
  type AttributeValue,
  type QueryCommandOutput,
  type ScanCommandOutput,
} from '@aws-sdk/client-dynamodb';
import { GetRecordsCommand, GetShardIteratorCommand, KinesisClient, ListShardsCommand } from '@aws-sdk/client-kinesis';
import { GetQueueAttributesCommand, GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import type { HubContext } from '../context';
import { overallOk, scheduleUp, type ComponentReport, type ScheduleReport, type ShardLag, type StatusReport } from './report';

/** The parts of infra/local's state files status reads (the CLI does not import the stack). */
interface StackStateFile {
  hubPid: number;
  startedAt: string;
  stoppedAt?: string;
  failure?: string;
  urls?: { http: string; websocket: string };
  components: Record<
    string,
    { pid: number | null; ports: number[]; state: string; restarts: number; lastExit?: ComponentReport['lastExit'] }
  >;
}
interface PollerStateFile {
  pid: number;
  startedAt: string;
  schedules: Record<string, { everyMs: number; lastRunAt?: string; lastOk?: boolean }>;
  streams?: { function: string; stream: string; shards: string[] }[];
}

const LAG_CAP = 10_000;

function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

function alive(pid: number | null | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.setTimeout(2000, () => (socket.destroy(), resolve(false)));
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

function message(err: unknown): string {
  const e = err as { code?: string; name?: string; message?: string };
  return e.code === 'ECONNREFUSED' ? 'connection refused' : (e.message ?? e.name ?? String(err));
}

export async function collectStatus(ctx: HubContext, nowMs = Date.now()): Promise<StatusReport> {
  const state = readJson<StackStateFile>(join(ctx.dataDir, 'stack.json'));
  const hubRunning = state !== undefined && state.stoppedAt === undefined && alive(state.hubPid);
  const components: ComponentReport[] = [];
  for (const [name, c] of Object.entries(state?.components ?? {})) {
    const pidAlive = hubRunning && alive(c.pid);
    const ports = await Promise.all(c.ports.map(async (port) => ({ port, open: pidAlive && (await portOpen(port)) })));
    components.push({
      name,
      up: pidAlive && ports.every((p) => p.open) && c.state !== 'failed',
      state: hubRunning ? c.state : 'stopped',
      pid: pidAlive ? c.pid : null,
      ports,
      restarts: c.restarts,
      ...(c.lastExit ? { lastExit: c.lastExit } : {}),
    });
  }
  const poller = readJson<PollerStateFile>(join(ctx.dataDir, 'poller-state.json'));
  const pollerComponent = components.find((c) => c.name === 'poller');
  const pollerUp = pollerComponent?.up === true && pollerComponent.pid === poller?.pid;
  const schedules: ScheduleReport[] = Object.entries(poller?.schedules ?? {}).map(([name, s]) => ({
    name,
    up: scheduleUp(pollerUp, s.everyMs, s.lastRunAt, poller?.startedAt ?? '', nowMs),
    everyMs: s.everyMs,
    ...(s.lastRunAt ? { lastRunAt: s.lastRunAt } : {}),
    ...(s.lastOk !== undefined ? { lastOk: s.lastOk } : {}),
  }));
  const hub: StatusReport['hub'] = {
    running: hubRunning,
    pid: hubRunning ? (state?.hubPid ?? null) : null,
    ...(state?.startedAt ? { startedAt: state.startedAt } : {}),
    ...(state?.stoppedAt ? { stoppedAt: state.stoppedAt } : {}),
    ...(state?.failure ? { failure: state.failure } : {}),
    ...(state?.urls ? { http: state.urls.http, websocket: state.urls.websocket } : {}),
  };

  const partial = { dataDir: ctx.dataDir, hub, components, schedules };
  let names: { stream: string; feedback: string; deadLetters: string; routerFailures: string; devices: string; routing: string };
  try {
    const env = (name: string) => ctx.resourceName(name);
    names = {
      stream: env('EVENTS_STREAM'),
      feedback: env('FEEDBACK_QUEUE'),
      deadLetters: env('ROUTING_DLQ'),
      routerFailures: `${env('HUB_NAME')}-router-failures`,
      devices: env('DEVICES_TABLE'),
      routing: env('ROUTING_TABLE'),
    };
  } catch (err) {
    // No hub ever ran on this data dir: nothing to read from.
    const error = message(err);
    return { ...partial, ok: false, stream: { name: 'events', error }, queues: [], registry: { error } };
  }
  ctx.applyAwsEnvironment();
  // One quick attempt each: status must answer promptly when an emulator is down.
  const requestHandler = new NodeHttpHandler({ connectionTimeout: 1000, requestTimeout: 5000 });
  const sdk = { requestHandler, maxAttempts: 1 };
  const kinesis = new KinesisClient(sdk);
  const sqs = new SQSClient(sdk);
  const dynamo = new DynamoDBClient(sdk);
  try {
    const [stream, queues, registry] = await Promise.all([
      streamStatus(kinesis, names.stream, ctx.dataDir, poller, nowMs),
      Promise.all([
        queueDepth(sqs, 'feedback', names.feedback),
        queueDepth(sqs, 'dead letters', names.deadLetters),
        queueDepth(sqs, 'router failures', names.routerFailures),
      ]),
      registryCounts(dynamo, names.devices, names.routing),
    ]);
    return { ...partial, ok: overallOk(partial), stream, queues, registry };
  } finally {
    kinesis.destroy();
    sqs.destroy();
    dynamo.destroy();
  }
}

async function streamStatus(
  kinesis: KinesisClient,
  name: string,
  dataDir: string,
  poller: PollerStateFile | undefined,
  nowMs: number,
): Promise<StatusReport['stream']> {
  try {
    const shards = ((await kinesis.send(new ListShardsCommand({ StreamName: name }))).Shards ?? []).flatMap((s) =>
      s.ShardId ? [s.ShardId] : [],
    );
    const checkpoints = readJson<Record<string, string>>(join(dataDir, 'poller-checkpoints.json')) ?? {};
    const lag: ShardLag[] = [];
    for (const consumer of (poller?.streams ?? []).filter((s) => s.stream === name)) {
      for (const shardId of shards) {
        lag.push(await shardLag(kinesis, name, shardId, consumer.function, checkpoints[`${consumer.function}/${name}/${shardId}`], nowMs));
      }
    }
    return { name, shards, lag };
  } catch (err) {
    return { name, error: message(err) };
  }
}

/** Reads what follows the checkpoint (up to LAG_CAP records) to count it and date its oldest record. */
async function shardLag(
  kinesis: KinesisClient,
  stream: string,
  shardId: string,
  consumer: string,
  checkpoint: string | undefined,
  nowMs: number,
): Promise<ShardLag> {
  const start = await kinesis.send(
    new GetShardIteratorCommand({
      StreamName: stream,
      ShardId: shardId,
      ...(checkpoint
        ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', StartingSequenceNumber: checkpoint }
        : { ShardIteratorType: 'TRIM_HORIZON' }),
    }),
  );
  let iterator = start.ShardIterator;
  let behind = 0;
  let oldest: Date | undefined;
  while (iterator && behind < LAG_CAP) {
    const out = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: Math.min(1000, LAG_CAP - behind) }));
    const records = out.Records ?? [];
    oldest ??= records[0]?.ApproximateArrivalTimestamp;
    behind += records.length;
    iterator = out.NextShardIterator;
    if (records.length === 0 && (out.MillisBehindLatest ?? 0) === 0) break;
  }
  return { shardId, consumer, behind, capped: behind >= LAG_CAP, iteratorAgeMs: oldest ? Math.max(0, nowMs - oldest.getTime()) : 0 };
}

async function queueDepth(sqs: SQSClient, role: string, name: string): Promise<StatusReport['queues'][number]> {
  try {
    const url = (await sqs.send(new GetQueueUrlCommand({ QueueName: name }))).QueueUrl;
    const attrs =
      (
        await sqs.send(
          new GetQueueAttributesCommand({
            QueueUrl: url,
            AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
          }),
        )
      ).Attributes ?? {};
    return {
      role,
      name,
      visible: Number(attrs.ApproximateNumberOfMessages ?? 0),
      inFlight: Number(attrs.ApproximateNumberOfMessagesNotVisible ?? 0),
    };
  } catch (err) {
    return { role, name, error: message(err) };
  }
}

async function registryCounts(dynamo: DynamoDBClient, devicesTable: string, routingTable: string): Promise<StatusReport['registry']> {
  try {
    let devices = 0;
    let startKey: Record<string, AttributeValue> | undefined;
    do {
      const out: ScanCommandOutput = await dynamo.send(
        new ScanCommand({
          TableName: devicesTable,
          Select: 'COUNT',
          // Devices only: not the change feed, the device-key seed or deleted devices' tombstones (no etag).
          FilterExpression: 'attribute_exists(etag)',
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      devices += out.Count ?? 0;
      startKey = out.LastEvaluatedKey;
    } while (startKey);
    let routes = 0;
    do {
      const out: QueryCommandOutput = await dynamo.send(
        new QueryCommand({
          TableName: routingTable,
          Select: 'COUNT',
          KeyConditionExpression: '#k = :k',
          ExpressionAttributeNames: { '#k': 'kind' },
          ExpressionAttributeValues: { ':k': { S: 'route' } },
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      routes += out.Count ?? 0;
      startKey = out.LastEvaluatedKey;
    } while (startKey);
    return { devices, routes };
  } catch (err) {
    return { error: message(err) };
  }
}
