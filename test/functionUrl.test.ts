/**
 * The device front door as deployed by default: the device function's Lambda function URL, served
 * locally by infra/local/functionUrlFront.ts (serverless offline has none). Devices send telemetry
 * and receive/settle commands through it, with tokens naming the host they connect to; AWS's
 * invocation payload limit (6 MB) is answered as a function URL does.
 */
import { randomBytes } from 'node:crypto';
import { DeviceClient } from '../client/clients';
import { httpCall } from '../client/http';
import type { Envelope } from '../lib/envelope';
import { buildSasToken, deviceConnectionString, deviceResource } from '../lib/sas';
import { hubInfo, kinesis, newDevice, service, StreamWatcher } from './support/hub';

const k = kinesis();
afterAll(() => k.destroy());

const API = 'api-version=2021-04-12';

async function frontDevice(prefix: string) {
  const { device } = await newDevice(prefix);
  const host = new URL(hubInfo().deviceUrl).hostname;
  const key = device.authentication.symmetricKey.primaryKey;
  return { device, key, client: new DeviceClient(hubInfo().deviceUrl, deviceConnectionString(host, device.deviceId, key)) };
}

describe('device function URL (local front)', () => {
  it('takes telemetry, binary body and properties intact, into the built-in stream', async () => {
    const watcher = await StreamWatcher.start(k);
    const { device, client } = await frontDevice('url-d2c');
    const body = randomBytes(2000); // not UTF-8: travels base64 in the event
    await client.send({ body, messageId: 'u1', properties: { temp: '21' } });
    await client.send({ body: '{"a":1}', messageId: 'u2', contentType: 'application/json', contentEncoding: 'utf-8' });
    const got = await watcher.waitFor((e: Envelope) => e.deviceId === device.deviceId && e.messageSource === 'Telemetry', 2);
    const byId = new Map(got.map((e) => [e.systemProperties['message-id'], e]));
    expect(Buffer.from(byId.get('u1')?.body ?? '', 'base64').equals(body)).toBe(true);
    expect(byId.get('u1')?.properties).toEqual({ temp: '21' });
    expect(Buffer.from(byId.get('u2')?.body ?? '', 'base64').toString()).toBe('{"a":1}');
  });

  it('delivers, abandons, rejects and completes commands', async () => {
    const { device, client } = await frontDevice('url-c2d');
    const svc = service();
    await svc.sendCommand(device.deviceId, { body: 'first', messageId: 'c1' });
    await svc.sendCommand(device.deviceId, { body: 'second', messageId: 'c2' });
    const one = await client.receive();
    expect(one?.body.toString()).toBe('first');
    await client.abandon(one?.lockToken ?? '');
    const again = await client.receive();
    expect([again?.body.toString(), again?.deliveryCount]).toEqual(['first', 1]);
    await client.complete(again?.lockToken ?? '');
    const two = await client.receive();
    expect(two?.body.toString()).toBe('second');
    await client.reject(two?.lockToken ?? '');
    expect(await client.receive()).toBeUndefined();
    // A settled lock is gone: 412 as IoT Hub answers.
    expect((await client.settleRaw('complete', two?.lockToken ?? '')).status).toBe(412);
  });

  it('refuses tokens for another host, unknown routes with 404, and bad tokens with 401', async () => {
    const { device, key } = await frontDevice('url-auth');
    const url = `${hubInfo().deviceUrl}/devices/${device.deviceId}/messages/events?${API}`;
    const soon = Math.floor(Date.now() / 1000) + 600;
    const foreign = buildSasToken({ resource: deviceResource('other-hub.example.com', device.deviceId), keyBase64: key, expiry: soon });
    const refused = await httpCall(url, { method: 'POST', headers: { authorization: foreign }, body: 'x' });
    expect([refused.status, refused.headers['iothub-errorcode']]).toEqual([401, 'IotHubUnauthorizedAccess']);
    const own = buildSasToken({
      resource: deviceResource(new URL(hubInfo().deviceUrl).hostname, device.deviceId),
      keyBase64: key,
      expiry: soon,
    });
    expect((await httpCall(url, { method: 'POST', headers: { authorization: own }, body: 'x' })).status).toBe(204);
    const nowhere = await httpCall(`${hubInfo().deviceUrl}/devices/${device.deviceId}/twin`, {
      method: 'GET',
      headers: { authorization: own },
    });
    expect(nowhere.status).toBe(404);
    // The service API is not on the device front door.
    expect(
      (await httpCall(`${hubInfo().deviceUrl}/devices/${device.deviceId}`, { method: 'GET', headers: { authorization: own } })).status,
    ).toBe(404);
  });

  it('answers a message over IoT Hub limit 413 MessageTooLarge, and a request over 6 MB 413 as Lambda does, before the function runs', async () => {
    const { device, client } = await frontDevice('url-limit');
    const tooBig = await client.sendRaw({ body: randomBytes(300 * 1024) });
    expect([tooBig.status, tooBig.headers['iothub-errorcode']]).toEqual([413, 'MessageTooLarge']);
    const huge = await client.sendRaw({ body: randomBytes(6 * 1024 * 1024 + 1) });
    expect(huge.status).toBe(413);
    expect(huge.json<{ Message: string }>().Message).toBe('Request must be smaller than 6291456 bytes for the InvokeFunction operation');
    // A binary body is base64 in the event: 4.8 MB of body is already over 6 MB of event.
    const inflated = await client.sendRaw({ body: randomBytes(4_800_000) });
    expect(inflated.status).toBe(413);
    expect(inflated.headers['iothub-errorcode']).toBeUndefined();
    // Nothing of it was taken, and the device goes on.
    expect((await client.sendRaw({ body: 'small' })).status).toBe(204);
    expect(device.deviceId).toBeTruthy();
  });
});
