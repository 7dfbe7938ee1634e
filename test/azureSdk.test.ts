/**
 * The official Azure IoT SDKs for Node, unmodified, against a devhub started with `--tls`:
 * device side (azure-iot-device + azure-iot-device-http) and service side (azure-iothub
 * Registry). How the SDKs reach the hub without code changes: test/support/azureSdk.ts.
 */
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { randomBytes } from 'node:crypto';
import { decodeRecord, StreamCursor } from '../client/streamReader';
import { ServiceClient } from '../client/clients';
import type { Envelope } from '../lib/envelope';
import type { Device } from '../lib/registry/device';
import { deviceConnectionString, parseConnectionString, serviceConnectionString } from '../lib/sas';
import { SdkWorker, startSdkHub, type SdkHub } from './support/azureSdk';

let sdkHub: SdkHub;
let sdk: SdkWorker;
let kinesis: KinesisClient;
let ownerCs: string;
/** devhub's own client, to set up and check what the SDK did (TLS with the hub's self-signed cert). */
let own: ServiceClient;

beforeAll(async () => {
  sdkHub = await startSdkHub();
  sdk = SdkWorker.start(sdkHub.certFile);
  ownerCs = sdkHub.hub.connectionString;
  own = new ServiceClient(`https://127.0.0.1:${sdkHub.hub.options.httpPort}`, ownerCs, true);
  const env = sdkHub.hub.awsEnv;
  kinesis = new KinesisClient({
    endpoint: env.AWS_ENDPOINT_URL_KINESIS,
    region: env.AWS_REGION,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    requestHandler: new NodeHttpHandler(),
  });
}, 120_000);

afterAll(async () => {
  sdk?.stop();
  kinesis?.destroy();
  await sdkHub?.stop();
});

async function watch(): Promise<(deviceId: string, count: number) => Promise<Envelope[]>> {
  const cursor = await StreamCursor.latest(kinesis, sdkHub.hub.service.environment.EVENTS_STREAM ?? '');
  const seen: Envelope[] = [];
  return async (deviceId, count) => {
    for (const deadline = Date.now() + 15_000; Date.now() < deadline;) {
      for (const r of await cursor.next()) seen.push(decodeRecord<Envelope>(r));
      const found = seen.filter((e) => e.deviceId === deviceId && e.messageSource === 'Telemetry');
      if (found.length >= count) return found;
      await new Promise((r) => setTimeout(r, 100));
    }
    return seen.filter((e) => e.deviceId === deviceId && e.messageSource === 'Telemetry');
  };
}

async function newDevice(prefix: string): Promise<{ device: Device; cs: string }> {
  const device = await own.createDevice(`${prefix}-${randomBytes(4).toString('hex')}`);
  return { device, cs: deviceConnectionString(sdkHub.hostName, device.deviceId, device.authentication.symmetricKey.primaryKey) };
}

const b64 = (b: Buffer | string) => Buffer.from(b).toString('base64');

describe('azure-iot-device over HTTPS', () => {
  it('sendEvent: body bytes, ids, content type/encoding and application properties arrive exactly', async () => {
    const read = await watch();
    const { device, cs } = await newDevice('sdk-send');
    // sendEvent sets no Content-Type, so the gateway passes the body as UTF-8 text (binary: use sendEventBatch).
    const body = Buffer.from('{"temp":21.5,"note":"ü ✓ \\u0000"}');
    await sdk.call('sendEvent', {
      connectionString: cs,
      message: {
        data: b64(body),
        messageId: 'sdk-msg-1',
        correlationId: 'sdk-corr-1',
        contentType: 'application/json',
        contentEncoding: 'utf-8',
        properties: { temp: '21.5', 'alert.level': 'high' },
      },
    });
    const [env] = await read(device.deviceId, 1);
    expect(Buffer.from(env?.body ?? '', 'base64').equals(body)).toBe(true);
    expect(env?.systemProperties).toMatchObject({
      'message-id': 'sdk-msg-1',
      'correlation-id': 'sdk-corr-1',
      'content-type': 'application/json',
      'content-encoding': 'utf-8',
      'iothub-connection-device-id': device.deviceId,
      'iothub-connection-auth-generation-id': device.generationId,
    });
    expect(env?.properties).toEqual({ temp: '21.5', 'alert.level': 'high' });
  });

  it('sendEventBatch: every message stored as its payload (base64 in the batch), in order, with its properties', async () => {
    const read = await watch();
    const { device, cs } = await newDevice('sdk-batch');
    const bodies = [Buffer.from('first'), randomBytes(64), Buffer.from('{"n":3}')];
    await sdk.call('sendEventBatch', {
      connectionString: cs,
      messages: bodies.map((b, i) => ({ data: b64(b), properties: { n: String(i) } })),
    });
    const envs = await read(device.deviceId, 3);
    expect(envs.map((e) => Buffer.from(e.body, 'base64').toString('hex'))).toEqual(bodies.map((b) => b.toString('hex')));
    expect(envs.map((e) => e.properties)).toEqual([{ n: '0' }, { n: '1' }, { n: '2' }]);
  });

  it('receives commands and completes, rejects and abandons them as IoT Hub expects', async () => {
    const { device, cs } = await newDevice('sdk-c2d');
    // The SDK's HTTP layer reads response bodies as UTF-8 strings, so commands for it are text.
    const body = Buffer.from('réboot ✓');
    await own.sendCommand(device.deviceId, {
      body,
      messageId: 'c-1',
      correlationId: 'cc-1',
      contentType: 'text/plain; charset=utf-8',
      properties: { color: 'blue' },
    });
    const abandoned = await sdk.call<{ data: string; messageId: string; correlationId: string; properties: Record<string, string> }>(
      'receiveOne',
      { connectionString: cs, settle: 'abandon', timeoutMs: 10_000 },
    );
    expect(Buffer.from(abandoned.data, 'base64').equals(body)).toBe(true);
    expect([abandoned.messageId, abandoned.correlationId]).toEqual(['c-1', 'cc-1']);
    expect(abandoned.properties).toMatchObject({ 'iothub-app-color': 'blue' });
    // Abandoned: delivered again, then completed; nothing left.
    const completed = await sdk.call<{ messageId: string }>('receiveOne', { connectionString: cs, settle: 'complete', timeoutMs: 10_000 });
    expect(completed.messageId).toBe('c-1');
    await own.sendCommand(device.deviceId, { body: 'no', messageId: 'c-2' });
    const rejected = await sdk.call<{ messageId: string }>('receiveOne', { connectionString: cs, settle: 'reject', timeoutMs: 10_000 });
    expect(rejected.messageId).toBe('c-2');
    await expect(sdk.call('receiveOne', { connectionString: cs, timeoutMs: 2500 })).rejects.toThrow(/no message within/);
  });
});

describe('azure-iothub Registry over HTTPS', () => {
  it('create (keys generated by the hub), get, list, update with If-Match "*", delete', async () => {
    const deviceId = `sdk-reg-${randomBytes(4).toString('hex')}`;
    const created = await sdk.call<{ result: Device; status: number }>('registry', {
      connectionString: ownerCs,
      method: 'create',
      args: [{ deviceId }],
    });
    const keys = created.result.authentication.symmetricKey;
    expect(Buffer.from(keys.primaryKey, 'base64')).toHaveLength(32);
    expect(Buffer.from(keys.secondaryKey, 'base64')).toHaveLength(32);
    expect(created.result.status).toBe('enabled');

    const got = await sdk.call<{ result: Device }>('registry', { connectionString: ownerCs, method: 'get', args: [deviceId] });
    expect(got.result).toMatchObject({ deviceId, generationId: created.result.generationId, etag: created.result.etag });

    const listed = await sdk.call<{ result: Device[] }>('registry', { connectionString: ownerCs, method: 'list', args: [] });
    expect(listed.result.map((d) => d.deviceId)).toContain(deviceId);

    const updated = await sdk.call<{ result: Device }>('registry', {
      connectionString: ownerCs,
      method: 'update',
      args: [{ ...got.result, status: 'disabled', statusReason: 'maintenance' }],
    });
    expect(updated.result).toMatchObject({ status: 'disabled', statusReason: 'maintenance' });
    expect(updated.result.etag).not.toBe(got.result.etag);
    expect(updated.result.authentication.symmetricKey).toEqual(keys);

    await sdk.call('registry', { connectionString: ownerCs, method: 'delete', args: [deviceId] });
    expect((await own.call('GET', `/devices/${deviceId}`)).status).toBe(404);
  });

  it('maps errors to the SDK’s classes: DeviceNotFoundError, DeviceAlreadyExistsError, UnauthorizedError', async () => {
    const { device } = await newDevice('sdk-err');
    const missing = await sdk.error('registry', { connectionString: ownerCs, method: 'get', args: ['no-such-device-sdk'] });
    expect(missing).toMatchObject({ name: 'DeviceNotFoundError', statusCode: 404 });
    const deleteMissing = await sdk.error('registry', { connectionString: ownerCs, method: 'delete', args: ['no-such-device-sdk'] });
    expect(deleteMissing).toMatchObject({ name: 'DeviceNotFoundError', statusCode: 404 });
    const exists = await sdk.error('registry', { connectionString: ownerCs, method: 'create', args: [{ deviceId: device.deviceId }] });
    expect(exists).toMatchObject({ name: 'DeviceAlreadyExistsError', statusCode: 409 });
    const cs = parseConnectionString(ownerCs);
    const wrongKey = serviceConnectionString(sdkHub.hostName, cs.sharedAccessKeyName ?? '', randomBytes(32).toString('base64'));
    const unauthorized = await sdk.error('registry', { connectionString: wrongKey, method: 'get', args: [device.deviceId] });
    expect(unauthorized).toMatchObject({ statusCode: 401 });
  });

  it('bulk addDevices / updateDevices / removeDevices, with per-device errors', async () => {
    const ids = [0, 1].map((i) => `sdk-bulk-${i}-${randomBytes(3).toString('hex')}`);
    const reg = (method: string, ...args: unknown[]) =>
      sdk.call<{ result: { isSuccessful: boolean; errors: { deviceId: string; errorCode: string }[] } }>('registry', {
        connectionString: ownerCs,
        method,
        args,
      });
    const added = await reg(
      'addDevices',
      ids.map((deviceId) => ({ deviceId })),
    );
    expect(added.result).toEqual({ isSuccessful: true, errors: [], warnings: [] });
    const [first] = await Promise.all(ids.map((id) => own.getDevice(id)));
    expect(Buffer.from(first?.authentication.symmetricKey.primaryKey ?? '', 'base64')).toHaveLength(32);

    const again = await reg('addDevices', [{ deviceId: ids[0] }]);
    expect(again.result.isSuccessful).toBe(false);
    expect(again.result.errors).toEqual([expect.objectContaining({ deviceId: ids[0], errorCode: 'DeviceAlreadyExists' })]);

    // updateDevices(…, false) matches etags: a stale one fails for that device only.
    const stale = await reg('updateDevices', [{ deviceId: ids[0], etag: 'stale', status: 'disabled' }], false);
    expect(stale.result.errors).toEqual([expect.objectContaining({ deviceId: ids[0], errorCode: 'PreconditionFailed' })]);
    const fresh = await reg('updateDevices', [{ ...first, status: 'disabled' }], false);
    expect(fresh.result.isSuccessful).toBe(true);
    expect((await own.getDevice(ids[0] ?? '')).status).toBe('disabled');

    const removed = await reg(
      'removeDevices',
      ids.map((deviceId) => ({ deviceId })),
      true,
    );
    expect(removed.result.isSuccessful).toBe(true);
    for (const id of ids) expect((await own.call('GET', `/devices/${id}`)).status).toBe(404);
  });
});
