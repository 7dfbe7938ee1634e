/**
 * A device deleted and re-created under the same id (a new generation), or disabled while it
 * holds a socket: the new device's commands are delivered, never purged, over HTTPS and the
 * WebSocket, whatever the functions' per-instance device caches still hold.
 */
import { randomBytes } from 'node:crypto';
import { DeviceClient } from '../client/clients';
import { WsDevice, type HubFrame } from '../client/wsDevice';
import { deviceConnectionString } from '../lib/sas';
import { closeFeedbackReader, feedbackFor } from './support/feedback';
import { hubInfo, service, uniqueId } from './support/hub';

afterAll(() => closeFeedbackReader());

const isC2d = (f: HubFrame) => f.type === 'c2d';

/** The socket's close, or a clear failure instead of the test's own timeout. */
function closedWithin(socket: WsDevice, ms = 10_000): Promise<unknown> {
  return Promise.race([
    socket.closed,
    new Promise((_, reject) => setTimeout(() => reject(new Error(`the hub did not close the socket within ${ms} ms`)), ms).unref()),
  ]);
}

/** Same keys every time: a re-created device's token also verifies against a stale cached device. */
function fixedKeys() {
  return {
    authentication: {
      symmetricKey: { primaryKey: randomBytes(32).toString('base64'), secondaryKey: randomBytes(32).toString('base64') },
    },
  };
}

async function createWithKeys(deviceId: string, body: ReturnType<typeof fixedKeys>) {
  const svc = service();
  const device = await svc.createDevice(deviceId, body);
  const cs = deviceConnectionString(svc.hostName, deviceId, body.authentication.symmetricKey.primaryKey);
  return { device, cs };
}

describe('a re-created device (new generation)', () => {
  it('over HTTPS: receives the command sent after delete → re-create, and no Purged feedback appears', async () => {
    const svc = service();
    const id = uniqueId('regen-http');
    const keys = fixedKeys();
    const first = await createWithKeys(id, keys);
    const client = new DeviceClient(hubInfo().httpUrl, first.cs);
    expect((await client.receiveRaw()).status).toBe(204); // the device function now caches generation 1
    await svc.deleteDevice(id);
    const second = await createWithKeys(id, keys);
    expect(second.device.generationId).not.toBe(first.device.generationId);
    await svc.sendCommand(id, { body: 'for gen 2', messageId: 'after', ack: 'full' });
    const got = await client.receive();
    expect([got?.messageId, got?.body.toString(), got?.deliveryCount]).toEqual(['after', 'for gen 2', 0]);
    await client.complete(got?.lockToken ?? '');
    const records = await feedbackFor(id, 2, 3000);
    expect(records.map((r) => [r.originalMessageId, r.statusCode, r.deviceGenerationId])).toEqual([
      ['after', 'Success', second.device.generationId],
    ]);
  });

  it('over the WebSocket: delete closes the socket; the re-created device’s socket gets the command pushed', async () => {
    const svc = service();
    const id = uniqueId('regen-ws');
    const keys = fixedKeys();
    const first = await createWithKeys(id, keys);
    const old = await WsDevice.fromConnectionString(hubInfo().wsUrl, first.cs);
    await svc.deleteDevice(id);
    await closedWithin(old); // the hub closed the deleted device's socket
    const second = await createWithKeys(id, keys);
    const socket = await WsDevice.fromConnectionString(hubInfo().wsUrl, second.cs);
    await svc.sendCommand(id, { body: 'pushed', messageId: 'ws-after', ack: 'full' });
    const frame = await socket.next(isC2d);
    expect([frame.messageId, Buffer.from(String(frame.body), 'base64').toString(), frame.deliveryCount]).toEqual(['ws-after', 'pushed', 0]);
    socket.send({ action: 'complete', lockToken: frame.lockToken });
    expect(await socket.next((f) => f.type === 'settled')).toMatchObject({ action: 'complete', messageId: 'ws-after' });
    const records = await feedbackFor(id, 2, 3000);
    expect(records.map((r) => [r.originalMessageId, r.statusCode, r.deviceGenerationId])).toEqual([
      ['ws-after', 'Success', second.device.generationId],
    ]);
    await socket.close();
  });
});

describe('a device disabled while connected', () => {
  it('loses its socket, gets nothing pushed, and gets the untouched command over HTTPS once enabled again', async () => {
    const svc = service();
    const id = uniqueId('disable-ws');
    const { device, cs } = await createWithKeys(id, fixedKeys());
    const socket = await WsDevice.fromConnectionString(hubInfo().wsUrl, cs);
    const disabled = await svc.updateDevice(device, { status: 'disabled' }, '*');
    await closedWithin(socket); // the hub closed the disabled device's socket
    expect(socket.pending().filter(isC2d)).toEqual([]);
    await svc.sendCommand(id, { body: 'later', messageId: 'while-disabled', ack: 'full' });
    const client = new DeviceClient(hubInfo().httpUrl, cs);
    expect((await client.receiveRaw()).status).toBe(401);
    await svc.updateDevice(disabled, { status: 'enabled' }, '*');
    let got;
    for (const deadline = Date.now() + 10_000; !got && Date.now() < deadline;) {
      // The device function caches "disabled" for up to its cache bound (1 s in tests).
      const res = await client.receiveRaw();
      if (res.status === 200) got = res;
      else await new Promise((r) => setTimeout(r, 200));
    }
    expect(got?.headers['iothub-messageid']).toBe('while-disabled');
    expect(got?.headers['iothub-deliverycount']).toBe('0'); // never pushed to the disabled socket
    expect(await feedbackFor(id, 1, 1500)).toEqual([]);
  });
});
