/** The WebSocket device channel through serverless offline, with real sockets. */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { randomBytes } from 'node:crypto';
import { WsConnectError, WsDevice, WsMessageTooLargeError } from '../client/wsDevice';
import type { Envelope } from '../lib/envelope';
import { buildSasToken, deviceResource } from '../lib/sas';
import { hubInfo, injectFault, kinesis, newDevice, resourceName, StreamWatcher } from './support/hub';

const k = kinesis();
const dynamo = DynamoDBDocumentClient.from(new DynamoDBClient({}));
afterAll(() => {
  k.destroy();
  dynamo.destroy();
});

const wsUrl = () => hubInfo().wsUrl;
const token = (deviceId: string, key: string, expiry = Math.floor(Date.now() / 1000) + 600) =>
  buildSasToken({ resource: deviceResource('localhost', deviceId), keyBase64: key, expiry });

async function storedConnection(deviceId: string): Promise<Record<string, unknown> | undefined> {
  hubInfo();
  const out = await dynamo.send(new GetCommand({ TableName: resourceName('CONNECTIONS_TABLE'), Key: { deviceId } }));
  return out.Item;
}

async function connectStatus(url: string, tok: string | undefined): Promise<number> {
  try {
    const d = await (tok === undefined ? WsDevice.connect(url, '', { via: 'header' }) : WsDevice.connect(url, tok));
    await d.close();
    return 101;
  } catch (err) {
    if (err instanceof WsConnectError) return err.status;
    throw err;
  }
}

describe('WebSocket $connect', () => {
  it('accepts a valid token in the query or the Authorization header, and refuses everything else with 401', async () => {
    const { device } = await newDevice('wsauth');
    const other = await newDevice('wsauth-other');
    const key = device.authentication.symmetricKey.primaryKey;
    const viaHeader = await WsDevice.connect(wsUrl(), token(device.deviceId, key), { via: 'header' });
    await viaHeader.close();
    const cases: Record<string, string | undefined> = {
      missing: undefined,
      expired: token(device.deviceId, key, Math.floor(Date.now() / 1000) - 5),
      wrongDevice: token(device.deviceId, other.device.authentication.symmetricKey.primaryKey),
      tampered: token(device.deviceId, key).replace(/se=\d+/, `se=${Math.floor(Date.now() / 1000) + 99999}`),
      unknown: token('no-such-device', key),
      garbage: 'SharedAccessSignature sr=x',
    };
    for (const [name, tok] of Object.entries(cases)) {
      expect([name, await connectStatus(wsUrl(), tok)]).toEqual([name, 401]);
    }
    expect(await connectStatus(wsUrl(), token(device.deviceId, key))).toBe(101);

    const disabled = await newDevice('wsauth-disabled', { status: 'disabled' });
    expect(await connectStatus(wsUrl(), token(disabled.device.deviceId, disabled.device.authentication.symmetricKey.primaryKey))).toBe(401);
    expect(await storedConnection(disabled.device.deviceId)).toBeUndefined(); // nothing stored for a refused device
  });

  it('keeps one live connection per device: a new one replaces and closes the old', async () => {
    const { device, connectionString } = await newDevice('wsreplace');
    const first = await WsDevice.fromConnectionString(wsUrl(), connectionString);
    const firstConn = (await storedConnection(device.deviceId))?.connectionId;
    const second = await WsDevice.fromConnectionString(wsUrl(), connectionString);
    const closed = await first.closed;
    expect(closed.code).toBeGreaterThan(0);
    const stored = await storedConnection(device.deviceId);
    expect(stored?.connectionId).not.toBe(firstConn);
    // The surviving connection still works.
    second.send({ action: 'send', messageId: 'after-replace', body: 'x' });
    expect(await second.next((f) => f.type === 'ack')).toMatchObject({ messageId: 'after-replace' });
    await second.close();
  });
});

describe('WebSocket telemetry', () => {
  it('acks a message only once it is in the stream, stamped like HTTPS telemetry but websocket', async () => {
    const watcher = await StreamWatcher.start(k);
    const { device, connectionString } = await newDevice('wssend');
    const socket = await WsDevice.fromConnectionString(wsUrl(), connectionString);
    const bytes = randomBytes(64);
    socket.send({
      action: 'send',
      messageId: 'ws-1',
      properties: { temp: '20' },
      contentType: 'application/json',
      contentEncoding: 'utf-8',
      body: '{"t":20}',
    });
    socket.send({ action: 'send', messageId: 'ws-2', body: bytes.toString('base64'), base64: true });
    const acks = [
      await socket.next((f) => f.type === 'ack' && f.messageId === 'ws-1'),
      await socket.next((f) => f.type === 'ack' && f.messageId === 'ws-2'),
    ];
    expect(acks.every((a) => a.status === 'ok')).toBe(true);
    const envs = await watcher.waitFor((e) => e.deviceId === device.deviceId && e.messageSource === 'Telemetry', 2);
    const byId = new Map(envs.map((e) => [e.systemProperties['message-id'], e]));
    expect(byId.get('ws-1')?.properties).toEqual({ temp: '20' });
    expect(byId.get('ws-1')?.systemProperties['content-type']).toBe('application/json');
    expect(JSON.parse(byId.get('ws-1')?.systemProperties['iothub-connection-auth-method'] ?? '{}')).toMatchObject({
      transport: 'websocket',
    });
    expect(byId.get('ws-1')?.systemProperties['iothub-connection-auth-generation-id']).toBe(device.generationId);
    expect(Buffer.from(byId.get('ws-2')?.body ?? '', 'base64').equals(bytes)).toBe(true);
    await socket.close();
  });

  it('acks each message of a sendBatch', async () => {
    const watcher = await StreamWatcher.start(k);
    const { device, connectionString } = await newDevice('wsbatch');
    const socket = await WsDevice.fromConnectionString(wsUrl(), connectionString);
    socket.send({
      action: 'sendBatch',
      messages: [
        { messageId: 'b1', body: 'one' },
        { messageId: 'b2', body: { two: 2 } },
      ],
    });
    expect(await socket.next((f) => f.messageId === 'b1')).toMatchObject({ type: 'ack' });
    expect(await socket.next((f) => f.messageId === 'b2')).toMatchObject({ type: 'ack' });
    const envs = await watcher.waitFor((e) => e.deviceId === device.deviceId && e.messageSource === 'Telemetry', 2);
    expect(envs.map((e) => Buffer.from(e.body, 'base64').toString()).sort()).toEqual(['one', '{"two":2}']);
    await socket.close();
  });

  it('nacks (and never acks) a message the stream did not take', async () => {
    const watcher = await StreamWatcher.start(k);
    const { device, connectionString } = await newDevice('wsnack');
    const socket = await WsDevice.fromConnectionString(wsUrl(), connectionString);
    const clear = await injectFault('kinesis', { operation: 'PutRecords', mode: 'error' });
    try {
      socket.send({ action: 'send', messageId: 'lost-1', body: 'x' });
      const reply = await socket.next((f) => f.messageId === 'lost-1', 30_000);
      expect(reply).toMatchObject({ type: 'nack', status: 503, code: 'ServiceUnavailable' });
    } finally {
      await clear();
    }
    socket.send({ action: 'send', messageId: 'ok-1', body: 'y' });
    expect(await socket.next((f) => f.messageId === 'ok-1')).toMatchObject({ type: 'ack' });
    const envs = await watcher.waitFor((e) => e.deviceId === device.deviceId && e.messageSource === 'Telemetry', 1);
    expect(envs.map((e) => e.systemProperties['message-id'])).toEqual(['ok-1']);
    await socket.close();
  });

  it('answers malformed frames with error frames and keeps the connection usable', async () => {
    const { connectionString } = await newDevice('wsbad');
    const socket = await WsDevice.fromConnectionString(wsUrl(), connectionString);
    const cases: [unknown, number][] = [
      ['not json', 400],
      [{ nope: 1 }, 400],
      [{ action: 'dance' }, 400],
      [{ action: 'complete' }, 400],
      [[1, 2], 400],
    ];
    for (const [frame, status] of cases) {
      socket.send(frame);
      expect(await socket.next((f) => f.type === 'error')).toMatchObject({ status, code: 'ArgumentInvalid' });
    }
    socket.send({ action: 'send', messageId: 'bad-prop', properties: { 'a b': 'c' }, body: 'x' });
    expect(await socket.next((f) => f.messageId === 'bad-prop')).toMatchObject({ type: 'nack', status: 400 });
    // Over API Gateway's 128 KB message limit: the client refuses it before sending anything.
    expect(() => socket.send({ action: 'send', messageId: 'too-big', body: 'x'.repeat(127 * 1024) + 'y'.repeat(2 * 1024) })).toThrow(
      WsMessageTooLargeError,
    );
    socket.send({ action: 'send', messageId: 'still-ok', body: 'x' });
    expect(await socket.next((f) => f.messageId === 'still-ok')).toMatchObject({ type: 'ack' });
    await socket.close();
  });
});

describe('connection state events', () => {
  it('writes deviceConnected and deviceDisconnected with increasing sequence numbers', async () => {
    const watcher = await StreamWatcher.start(k);
    const { device, connectionString } = await newDevice('wsstate');
    const isState = (e: Envelope) => e.deviceId === device.deviceId && e.messageSource === 'DeviceConnectionStateEvents';
    const socket = await WsDevice.fromConnectionString(wsUrl(), connectionString);
    await socket.close();
    // $disconnect runs after the socket closes; a reconnect that beats it supersedes it (no event).
    await watcher.waitFor(isState, 2);
    const again = await WsDevice.fromConnectionString(wsUrl(), connectionString);
    await again.close();
    const events = await watcher.waitFor(isState, 4);
    expect(events.map((e) => e.properties.opType)).toEqual([
      'deviceConnected',
      'deviceDisconnected',
      'deviceConnected',
      'deviceDisconnected',
    ]);
    const sequences = events.map(
      (e) => (JSON.parse(Buffer.from(e.body, 'base64').toString()) as { sequenceNumber: string }).sequenceNumber,
    );
    expect([...sequences].sort()).toEqual(sequences);
    expect(new Set(sequences).size).toBe(4);
    expect(events[0]?.properties['iothub-message-schema']).toBe('deviceConnectionStateNotification');
    expect(await storedConnection(device.deviceId)).toBeUndefined();
  });
});
