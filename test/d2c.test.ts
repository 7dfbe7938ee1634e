/** Device-to-cloud over HTTPS through serverless offline, read back from the built-in stream. */
import { randomBytes } from 'node:crypto';
import { DeviceClient } from '../client/clients';
import { httpCall } from '../client/http';
import type { Envelope } from '../lib/envelope';
import { buildSasToken, deviceResource } from '../lib/sas';
import { hubInfo, kinesis, newDevice, service, StreamWatcher } from './support/hub';

const k = kinesis();
afterAll(() => k.destroy());

function telemetryOf(deviceId: string) {
  return (e: Envelope) => e.deviceId === deviceId && e.messageSource === 'Telemetry';
}

describe('telemetry over HTTPS', () => {
  it('stores a single message with every stamped system property and the exact body bytes', async () => {
    const watcher = await StreamWatcher.start(k);
    const { device, client } = await newDevice('single');
    const body = randomBytes(300); // binary, not valid UTF-8
    await client.send({
      body,
      messageId: 'msg-1',
      correlationId: 'corr-1',
      userId: 'user-1',
      contentType: 'application/octet-stream',
      contentEncoding: 'binary',
      creationTimeUtc: '2026-01-02T03:04:05Z',
      properties: { temp: '21.5', 'alert.level': 'high' },
    });
    const [env] = await watcher.waitFor(telemetryOf(device.deviceId), 1);
    expect(env).toBeDefined();
    if (!env) return;
    expect(Buffer.from(env.body, 'base64').equals(body)).toBe(true);
    expect(env.properties).toEqual({ temp: '21.5', 'alert.level': 'high' });
    expect(env.moduleId).toBeNull();
    const sp = env.systemProperties;
    expect(sp['message-id']).toBe('msg-1');
    expect(sp['correlation-id']).toBe('corr-1');
    expect(sp['user-id']).toBe('user-1');
    expect(sp['content-type']).toBe('application/octet-stream');
    expect(sp['content-encoding']).toBe('binary');
    expect(sp['iothub-creation-time-utc']).toBe('2026-01-02T03:04:05Z');
    expect(sp['iothub-connection-device-id']).toBe(device.deviceId);
    expect(sp['iothub-connection-auth-generation-id']).toBe(device.generationId);
    expect(JSON.parse(sp['iothub-connection-auth-method'])).toEqual({ scope: 'device', type: 'sas', issuer: 'iothub', transport: 'https' });
    expect(sp['iothub-message-source']).toBe('Telemetry');
    expect(sp['iothub-enqueuedtime']).toBe(env.enqueuedTime);
    expect(Math.abs(new Date(env.enqueuedTime).getTime() - Date.now())).toBeLessThan(30_000);
  });

  it('stores every message of a batch, in order, with per-message properties', async () => {
    const watcher = await StreamWatcher.start(k);
    const { device, client } = await newDevice('batch');
    const res = await client.sendBatch([
      { body: 'one', messageId: 'b1', properties: { n: '1' } },
      { body: Buffer.from([0, 255, 1]), messageId: 'b2', properties: { n: '2' }, contentType: 'application/octet-stream' },
      { body: '{"x":3}', messageId: 'b3', contentType: 'application/json', contentEncoding: 'utf-8' },
    ]);
    expect(res.status).toBe(204);
    const envs = await watcher.waitFor(telemetryOf(device.deviceId), 3);
    expect(envs.map((e) => e.systemProperties['message-id'])).toEqual(['b1', 'b2', 'b3']);
    expect(Buffer.from(envs[1]?.body ?? '', 'base64')).toEqual(Buffer.from([0, 255, 1]));
    expect(envs[0]?.properties).toEqual({ n: '1' });
    expect(envs[2]?.systemProperties['content-type']).toBe('application/json');
  });

  it('decodes a batch body as base64 when base64Encoded is absent (the SDKs omit it), and as text when it is false', async () => {
    const watcher = await StreamWatcher.start(k);
    const { device, client } = await newDevice('batchtext');
    const res = await client.call('POST', `/devices/${device.deviceId}/messages/events?api-version=2020-03-13`, {
      headers: { 'content-type': 'application/vnd.microsoft.iothub.json' },
      body: JSON.stringify([
        { body: Buffer.from([0, 1, 254, 255]).toString('base64'), properties: { 'iothub-app-a': 'b' } },
        { body: 'hello', base64Encoded: false },
      ]),
    });
    expect(res.status).toBe(204);
    const envs = await watcher.waitFor(telemetryOf(device.deviceId), 2);
    expect(Buffer.from(envs[0]?.body ?? '', 'base64')).toEqual(Buffer.from([0, 1, 254, 255]));
    expect(envs[0]?.properties).toEqual({ a: 'b' });
    expect(Buffer.from(envs[1]?.body ?? '', 'base64').toString()).toBe('hello');
  });

  it('refuses a whole batch with 400 naming the entry whose body is not base64 while base64Encoded is absent', async () => {
    const watcher = await StreamWatcher.start(k);
    const { device, client } = await newDevice('batchbad64');
    const res = await client.call('POST', `/devices/${device.deviceId}/messages/events`, {
      headers: { 'content-type': 'application/vnd.microsoft.iothub.json' },
      body: JSON.stringify([{ body: 'aGk=' }, { body: 'not base64!' }]),
    });
    expect([res.status, res.headers['iothub-errorcode']]).toEqual([400, 'ArgumentInvalid']);
    expect(res.json<{ Message: string }>().Message).toMatch(/Batch entry 1: body is not valid base64/);
    // Nothing of a refused batch is stored: a marker sent afterwards is the first record.
    expect((await client.sendRaw({ body: 'marker', messageId: 'marker' })).status).toBe(204);
    const [first] = await watcher.waitFor(telemetryOf(device.deviceId), 1);
    expect(first?.systemProperties['message-id']).toBe('marker');
  });

  it('works with a token signed by the secondary key and an sr with upper-case host and a port', async () => {
    const { device } = await newDevice('secondary');
    const token = buildSasToken({
      resource: `LOCALHOST:${new URL(hubInfo().httpUrl).port}/devices/${device.deviceId}`,
      keyBase64: device.authentication.symmetricKey.secondaryKey,
      expiry: Math.floor(Date.now() / 1000) + 60,
    });
    const res = await httpCall(`${hubInfo().httpUrl}/devices/${device.deviceId}/messages/events`, {
      method: 'POST',
      headers: { authorization: token },
      body: 'x',
    });
    expect(res.status).toBe(204);
  });
});

describe('telemetry errors', () => {
  const url = (id: string) => `${hubInfo().httpUrl}/devices/${encodeURIComponent(id)}/messages/events?api-version=2020-03-13`;
  const token = (id: string, key: string, expiry = Math.floor(Date.now() / 1000) + 60) =>
    buildSasToken({ resource: deviceResource('localhost', id), keyBase64: key, expiry });

  async function expectError(res: Awaited<ReturnType<typeof httpCall>>, status: number, code: string) {
    expect(res.status).toBe(status);
    expect(res.headers['iothub-errorcode']).toBe(code);
    const body = res.json<{ Message: string; ExceptionMessage: string }>();
    expect(body.Message).toContain(`ErrorCode:${code}`);
    expect(body.ExceptionMessage).toContain(`ErrorCode:${code}`);
    expect(res.text()).not.toMatch(/at \w+ \(|\.ts:\d+|\.js:\d+/); // no stack trace
  }

  it('answers 401 alike for a missing, malformed, expired, foreign or tampered token, an unknown and a disabled device', async () => {
    const { device } = await newDevice('auth');
    const other = await newDevice('auth-other');
    const key = device.authentication.symmetricKey.primaryKey;
    const cases: Record<string, string | undefined> = {
      missing: undefined,
      malformed: 'SharedAccessSignature nonsense',
      expired: token(device.deviceId, key, Math.floor(Date.now() / 1000) - 1),
      otherDevicesToken: token(other.device.deviceId, other.device.authentication.symmetricKey.primaryKey),
      wrongKey: token(device.deviceId, randomBytes(32).toString('base64')),
      tampered: token(device.deviceId, key).replace(/se=\d+/, `se=${Math.floor(Date.now() / 1000) + 9999}`),
    };
    for (const [name, authorization] of Object.entries(cases)) {
      const res = await httpCall(url(device.deviceId), { method: 'POST', headers: authorization ? { authorization } : {}, body: 'x' });
      await expectError(res, 401, 'IotHubUnauthorizedAccess');
      expect([name, res.text()]).toEqual([name, expect.not.stringContaining(device.deviceId)]);
    }
    const unknown = await httpCall(url('no-such-device'), {
      method: 'POST',
      headers: { authorization: token('no-such-device', key) },
      body: 'x',
    });
    await expectError(unknown, 401, 'IotHubUnauthorizedAccess');
    expect(unknown.text()).toBe(unknown.text().replace('no-such-device', '')); // never reveals which devices exist
  });

  it('refuses a disabled device within the key cache bound, and accepts it again once enabled', async () => {
    const { device, client } = await newDevice('disable');
    await client.send({ body: 'before' });
    const svc = service();
    const disabled = await svc.updateDevice(await svc.getDevice(device.deviceId), { status: 'disabled' });
    await new Promise((r) => setTimeout(r, 1200)); // DEVICE_CACHE_TTL_MS is 1000 in tests
    await expectError(await client.sendRaw({ body: 'during' }), 401, 'IotHubUnauthorizedAccess');
    await svc.updateDevice(disabled, { status: 'enabled' });
    await new Promise((r) => setTimeout(r, 1200));
    expect((await client.sendRaw({ body: 'after' })).status).toBe(204);
  });

  it('rejects invalid property names and values with 400', async () => {
    const { client } = await newDevice('props');
    // A name outside the set cannot even travel as an HTTP header; batches carry names in JSON.
    await expectError(await client.sendBatch([{ body: 'x', properties: { 'bad name': 'v' } }]), 400, 'ArgumentInvalid');
    await expectError(await client.sendBatch([{ body: 'x', properties: { bäd: 'v' } }]), 400, 'ArgumentInvalid');
    await expectError(await client.sendRaw({ body: 'x', properties: { ok: 'spaces not allowed' } }), 400, 'ArgumentInvalid');
    await expectError(await client.sendRaw({ body: 'x', properties: { ok: 'a"b' } }), 400, 'ArgumentInvalid');
  });

  it('rejects a message id over 128 characters with 400', async () => {
    const { client } = await newDevice('msgid');
    await expectError(await client.sendRaw({ body: 'x', messageId: 'm'.repeat(129) }), 400, 'ArgumentInvalid');
    expect((await client.sendRaw({ body: 'x', messageId: 'm'.repeat(128) })).status).toBe(204);
  });

  it('rejects malformed batches with 400', async () => {
    const { device, client } = await newDevice('badbatch');
    const post = (body: string) =>
      client.call('POST', `/devices/${device.deviceId}/messages/events`, {
        headers: { 'content-type': 'application/vnd.microsoft.iothub.json' },
        body,
      });
    await expectError(await post('[{"body":'), 400, 'ArgumentInvalid');
    await expectError(await post('[]'), 400, 'ArgumentInvalid');
    await expectError(await post('{"body":"x"}'), 400, 'ArgumentInvalid');
    await expectError(await post('[{"body":"!!!notbase64","base64Encoded":true}]'), 400, 'ArgumentInvalid');
    await expectError(await post('[{"body":"eA==","base64Encoded":true,"properties":{"iothub-app-x":1}}]'), 400, 'ArgumentInvalid');
  });

  it('rejects a message and a batch over 256 KB with 413, counting properties too', async () => {
    const { client } = await newDevice('big');
    await expectError(await client.sendRaw({ body: Buffer.alloc(256 * 1024 + 1) }), 413, 'MessageTooLarge');
    await expectError(await client.sendRaw({ body: Buffer.alloc(256 * 1024 - 2), properties: { ab: 'cd' } }), 413, 'MessageTooLarge');
    expect((await client.sendRaw({ body: Buffer.alloc(256 * 1024) })).status).toBe(204);
    const batch = await client.sendBatch([{ body: Buffer.alloc(200 * 1024) }, { body: Buffer.alloc(100 * 1024) }]);
    await expectError(batch, 413, 'MessageTooLarge');
  });

  it('never writes a rejected message to the stream', async () => {
    const watcher = await StreamWatcher.start(k);
    const { device, client } = await newDevice('nowrite');
    await client.sendRaw({ body: Buffer.alloc(300 * 1024) });
    await client.sendRaw({ body: 'x', properties: { ok: 'bad value' } });
    await client.sendBatch([{ body: 'x' }, { body: 'y', properties: { 'bad name': 'v' } }]);
    await client.send({ body: 'marker' });
    const envs = await watcher.waitFor(telemetryOf(device.deviceId), 1);
    expect(envs.map((e) => Buffer.from(e.body, 'base64').toString())).toEqual(['marker']);
  });

  it('accepts the IoT Hub SDK request shape: api-version query and iothub-to header', async () => {
    const { device, connectionString } = await newDevice('sdkshape');
    const client = new DeviceClient(hubInfo().httpUrl, connectionString);
    const res = await client.call('POST', `/devices/${device.deviceId}/messages/events?api-version=2020-09-30`, {
      headers: {
        'iothub-to': `/devices/${device.deviceId}/messages/events`,
        'content-type': 'text/plain',
        'user-agent': 'azure-iot-device/1.18',
      },
      body: 'hi',
    });
    expect(res.status).toBe(204);
  });
});
