/**
 * The events bench/functionWorker.ts feeds a handler, prepared by the parent (bench/functionSizes.ts)
 * and handed over in a JSON file, so that the measured process loads nothing but the function's
 * bundle: an SDK or a Node core module the worker loaded first would make the bundle's init look
 * cheaper and its resident memory larger than on Lambda.
 */
import { writeFileSync } from 'node:fs';
import type { KinesisStreamEvent } from 'aws-lambda';
import { GetRecordsCommand, GetShardIteratorCommand, KinesisClient, ListShardsCommand, type _Record } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { kinesisEvent } from '../client/routerFailures';
import { parseConnectionString, tokenFromConnectionString } from '../lib/sas';
import type { C2dEvents, WorkerScenario } from './functionWorker';

/**
 * At most this many distinct events are kept (the handler is called with them in turn): a Lambda
 * instance holds one event at a time, so the set is kept small (a 100-message batch event is
 * ~140 KB) to keep it out of the resident memory measured.
 */
const MAX_EVENT_BYTES = 2 * 2 ** 20;

/** An HTTP API (payload 2.0) event as API Gateway builds it for the device routes. */
function httpEvent(
  method: string,
  route: string,
  path: string,
  deviceId: string,
  headers: Record<string, string>,
  body?: string,
  pathParameters: Record<string, string> = {},
) {
  const now = Date.now();
  return {
    version: '2.0',
    routeKey: `${method} ${route}`,
    rawPath: path,
    rawQueryString: 'api-version=2020-03-13',
    headers: { host: 'localhost', 'user-agent': 'devhub-bench', ...headers },
    queryStringParameters: { 'api-version': '2020-03-13' },
    pathParameters: { id: deviceId, ...pathParameters },
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

async function eventsFromStream(stream: string, items: number, count: number): Promise<KinesisStreamEvent[]> {
  const kinesis = new KinesisClient({ requestHandler: new NodeHttpHandler() });
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

/** A JSON command of about `bytes`. */
export function commandBody(bytes: number, i: number): string {
  const base = { command: 'setInterval', seq: i, seconds: 60, pad: '' };
  return JSON.stringify({ ...base, pad: 'x'.repeat(Math.max(0, bytes - Buffer.byteLength(JSON.stringify(base)))) });
}

/** An EventBridge scheduled event, as a `schedule: rate(...)` rule invokes a function. */
function scheduledEvent(i: number) {
  return {
    version: '0',
    id: `bench-${i}-${Math.random().toString(16).slice(2, 10)}`,
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: '123456789012',
    time: new Date().toISOString(),
    region: 'us-east-1',
    resources: ['arn:aws:events:us-east-1:123456789012:rule/devhub-prod-c2dSweeper'],
    detail: {},
  };
}

/** The hub's connection strings a scenario's events authenticate with. */
export interface ScenarioConnections {
  /** The measured device (device API calls; the commands API sends to it). */
  deviceConnectionString: string;
  /** ServiceConnect: the commands API's send (httpCommand). */
  serviceConnectionString?: string;
  /** wsSend: the connection id of a device connected to the local hub (its acks go there). */
  wsConnectionId?: string;
}

/** An API Gateway WebSocket event for the $default route carrying `body` from `connectionId`. */
function wsFrameEvent(connectionId: string, body: string) {
  const now = Date.now();
  return {
    requestContext: {
      routeKey: '$default',
      eventType: 'MESSAGE',
      messageId: `m${now}${Math.random().toString(16).slice(2, 8)}`,
      extendedRequestId: `e${now}`,
      requestTime: new Date(now).toUTCString(),
      messageDirection: 'IN',
      stage: 'prod',
      connectedAt: now - 60_000,
      requestTimeEpoch: now,
      identity: { sourceIp: '127.0.0.1' },
      requestId: `r${now}${Math.random().toString(16).slice(2, 8)}`,
      domainName: 'bench.execute-api.us-east-1.amazonaws.com',
      connectionId,
      apiId: 'bench',
    },
    body,
    isBase64Encoded: false,
  };
}

/** Stands for the lock token in httpC2d's complete event until the worker has the receive's ETag (hex, digits and '-' only). */
const LOCK_TOKEN_PLACEHOLDER = '__DEVHUB_BENCH_LOCK_TOKEN__';

/** Writes the scenario's events to `file` (a JSON array); the worker cycles through them. */
export async function writeScenarioEvents(
  s: Omit<WorkerScenario, 'eventsFile'>,
  file: string,
  hub: ScenarioConnections & { eventsStream: string },
): Promise<void> {
  const total = s.warmup + s.invocations + 1;
  let makeEvent: (i: number) => unknown;
  if (s.kind === 'router') {
    const events = await eventsFromStream(hub.eventsStream, s.items, Math.min(total, 50));
    makeEvent = (i) => events[i % events.length];
  } else if (s.kind === 'scheduled') {
    makeEvent = scheduledEvent;
  } else if (s.kind === 'wsSend') {
    const connectionId = hub.wsConnectionId;
    if (!connectionId) throw new Error('wsSend needs the connection id of a connected device');
    // JSON telemetry as text, as a device sends it (base64 is for binary bodies).
    const message = (i: number) => ({
      messageId: `w${i}`,
      body: telemetryBody(s.messageBytes, i),
      contentType: 'application/json',
      contentEncoding: 'utf-8',
      properties: { kind: 'bench' },
    });
    makeEvent = (i) =>
      wsFrameEvent(
        connectionId,
        JSON.stringify(
          s.items === 1
            ? { action: 'send', ...message(i) }
            : { action: 'sendBatch', messages: Array.from({ length: s.items }, (_, k) => message(i * s.items + k)) },
        ),
      );
  } else if (s.kind === 'httpCommand') {
    // A backend's send as the IoT Hub service SDK makes it: service SAS, JSON body, a message id, no iothub-ack (no feedback).
    if (!hub.serviceConnectionString) throw new Error("httpCommand needs the hub's service connection string");
    const service = parseConnectionString(hub.serviceConnectionString);
    const deviceId = parseConnectionString(hub.deviceConnectionString).deviceId ?? '';
    const token = tokenFromConnectionString(service, Math.floor(Date.now() / 1000), 86_400);
    const path = `/devices/${encodeURIComponent(deviceId)}/messages/devicebound`;
    makeEvent = (i) =>
      httpEvent(
        'POST',
        '/devices/{id}/messages/devicebound',
        path,
        deviceId,
        {
          authorization: token,
          'content-type': 'application/json',
          'iothub-messageid': `bench-cmd-${i}`,
          'iothub-contenttype': 'application/json',
          'iothub-contentencoding': 'utf-8',
          'iothub-app-kind': 'bench',
        },
        commandBody(s.messageBytes, i),
      );
  } else {
    const cs = parseConnectionString(hub.deviceConnectionString);
    const deviceId = cs.deviceId ?? '';
    const token = tokenFromConnectionString(cs, Math.floor(Date.now() / 1000), 86_400);
    const path = (p: string) => `/devices/${encodeURIComponent(deviceId)}/messages/${p}`;
    const receive = () => httpEvent('GET', '/devices/{id}/messages/devicebound', path('devicebound'), deviceId, { authorization: token });
    makeEvent =
      s.kind === 'httpPoll'
        ? receive
        : s.kind === 'httpC2d'
          ? (): C2dEvents => ({
              receive: receive(),
              complete: httpEvent(
                'DELETE',
                '/devices/{id}/messages/devicebound/{lockToken}',
                path(`devicebound/${LOCK_TOKEN_PLACEHOLDER}`),
                deviceId,
                { authorization: token },
                undefined,
                { lockToken: LOCK_TOKEN_PLACEHOLDER },
              ),
              lockTokenPlaceholder: LOCK_TOKEN_PLACEHOLDER,
            })
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
  const events: unknown[] = [];
  let bytes = 0;
  for (let i = 0; i < Math.min(total, 200) && (bytes < MAX_EVENT_BYTES || events.length === 0); i++) {
    const event = makeEvent(i);
    bytes += JSON.stringify(event).length;
    events.push(event);
  }
  writeFileSync(file, JSON.stringify(events));
}
