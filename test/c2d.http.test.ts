/**
 * Cloud-to-device end to end through serverless offline, over raw HTTP as a device SDK and a
 * backend send it; feedback read from the feedback SQS queue. Test hub: lock timeout 5 s, max
 * delivery count 3, sweeper every 2 s (test/support/config.ts).
 */
import type { FeedbackRecord, FeedbackStatus } from '../lib/c2d/types';
import { httpCall, type HttpResponse } from '../client/http';
import { DeviceClient } from '../client/clients';
import { buildSasToken, deviceConnectionString, deviceResource } from '../lib/sas';
import { closeFeedbackReader, feedbackFor } from './support/feedback';
import { hubInfo, newDevice, service } from './support/hub';

afterAll(() => closeFeedbackReader());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const API = 'api-version=2021-04-12';

/** Asserts no feedback for the device arrives within `ms`. */
async function noFeedbackFor(deviceId: string, ms: number): Promise<void> {
  expect(await feedbackFor(deviceId, 1, ms)).toEqual([]);
}

function statuses(records: FeedbackRecord[]): FeedbackStatus[] {
  return records.map((r) => r.statusCode).sort();
}

async function expectError(res: HttpResponse, status: number, code: string): Promise<void> {
  expect([res.status, res.headers['iothub-errorcode']]).toEqual([status, code]);
  const body = res.json<{ Message: string; ExceptionMessage: string }>();
  expect(body.Message).toContain(`ErrorCode:${code}`);
  expect(res.text()).not.toMatch(/at \w+ \(|\.ts:\d+|\.js:\d+/);
}

describe('send and receive', () => {
  it('delivers a command with the body and every IoT Hub header, then completes it with Success feedback', async () => {
    const { device, client } = await newDevice('c2d-basic');
    const svc = service();
    const body = Buffer.from([0, 1, 2, 250, 251, 252]);
    const sent = await svc.sendCommandRaw(device.deviceId, {
      body,
      messageId: 'cmd-1',
      correlationId: 'corr-1',
      userId: 'backend',
      contentType: 'application/octet-stream',
      contentEncoding: 'binary',
      ack: 'full',
      ttlSeconds: 600,
      properties: { color: 'blue', 'x.y': '1' },
    });
    expect(sent.status).toBe(202);
    const accepted = sent.json<{ messageId: string; sequenceNumber: number }>();
    expect(accepted).toEqual({ messageId: 'cmd-1', sequenceNumber: expect.any(Number) });

    const before = Date.now();
    const res = await httpCall(`${hubInfo().httpUrl}/devices/${device.deviceId}/messages/devicebound?${API}`, {
      method: 'GET',
      headers: { authorization: client.authorization(), 'iothub-to': `/devices/${device.deviceId}/messages/devicebound` },
    });
    expect(res.status).toBe(200);
    expect(res.body.equals(body)).toBe(true);
    const h = res.headers;
    expect(h.etag).toMatch(/^"[^"]+"$/);
    const lockToken = (h.etag ?? '').slice(1, -1);
    expect(lockToken.replace(/^\d+-/, '')).toMatch(/^[0-9a-f]{32}$/); // 128 random bits
    expect(h['iothub-messageid']).toBe('cmd-1');
    expect(h['iothub-correlationid']).toBe('corr-1');
    expect(h['iothub-userid']).toBe('backend');
    expect(h['iothub-sequencenumber']).toBe(String(accepted.sequenceNumber));
    expect(h['iothub-to']).toBe(`/devices/${device.deviceId}/messages/devicebound`);
    expect(h['iothub-ack']).toBe('full');
    expect(h['iothub-deliverycount']).toBe('0'); // previous deliveries, as IoT Hub counts
    expect(h['iothub-contenttype']).toBe('application/octet-stream');
    expect(h['iothub-contentencoding']).toBe('binary');
    expect(h['iothub-app-color']).toBe('blue');
    expect(h['iothub-app-x.y']).toBe('1');
    const expiry = Date.parse(h['iothub-expiry'] ?? '');
    const enqueued = Date.parse(h['iothub-enqueuedtime'] ?? '');
    expect(Math.abs(expiry - enqueued - 600_000)).toBeLessThan(1000);
    expect(Math.abs(enqueued - before)).toBeLessThan(30_000);

    const done = await httpCall(`${hubInfo().httpUrl}/devices/${device.deviceId}/messages/devicebound/${lockToken}?${API}`, {
      method: 'DELETE',
      headers: { authorization: client.authorization() },
    });
    expect(done.status).toBe(204);
    expect((await client.receiveRaw()).status).toBe(204);
    await expectError(await client.settleRaw('complete', lockToken), 412, 'DeviceMessageLockLost');

    const [fb] = await feedbackFor(device.deviceId, 1);
    expect(fb).toEqual({
      originalMessageId: 'cmd-1',
      deviceId: device.deviceId,
      statusCode: 'Success',
      description: 'Success',
      enqueuedTimeUtc: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      deviceGenerationId: device.generationId,
    });
  });

  it('answers 204 when nothing is visible, accepts the deviceBound spelling, and delivers FIFO by sequence number', async () => {
    const { device, client } = await newDevice('c2d-fifo');
    expect((await client.receiveRaw()).status).toBe(204);
    const svc = service();
    const seqs: number[] = [];
    for (const n of [1, 2, 3]) seqs.push((await svc.sendCommand(device.deviceId, { body: `m${n}` })).sequenceNumber);
    expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
    const first = await httpCall(`${hubInfo().httpUrl}/devices/${device.deviceId}/messages/deviceBound?${API}`, {
      method: 'GET',
      headers: { authorization: client.authorization() },
    });
    expect([first.status, first.text()]).toEqual([200, 'm1']);
    // The first is locked: the next receive gets the second, and so on.
    const second = await client.receive();
    const third = await client.receive();
    expect([second?.body.toString(), third?.body.toString()]).toEqual(['m2', 'm3']);
    expect(second?.messageId).toMatch(/^[0-9a-f-]{36}$/); // generated when the sender gave none
    expect((await client.receiveRaw()).status).toBe(204);
    const token = (first.headers.etag ?? '').slice(1, -1);
    const viaCapital = await httpCall(`${hubInfo().httpUrl}/devices/${device.deviceId}/messages/deviceBound/${token}?${API}`, {
      method: 'DELETE',
      headers: { authorization: client.authorization() },
    });
    expect(viaCapital.status).toBe(204);
  });

  it('rejects with ?reject: Rejected feedback for negative ack, none for positive', async () => {
    const { device, client } = await newDevice('c2d-reject');
    const svc = service();
    await svc.sendCommand(device.deviceId, { body: 'neg', messageId: 'neg', ack: 'negative' });
    await svc.sendCommand(device.deviceId, { body: 'pos', messageId: 'pos', ack: 'positive' });
    for (let i = 0; i < 2; i++) {
      const msg = await client.receive();
      expect(msg).toBeDefined();
      const res = await httpCall(
        `${hubInfo().httpUrl}/devices/${device.deviceId}/messages/devicebound/${msg?.lockToken ?? ''}?reject&${API}`,
        {
          method: 'DELETE',
          headers: { authorization: client.authorization() },
        },
      );
      expect(res.status).toBe(204);
    }
    const records = await feedbackFor(device.deviceId, 2, 4000);
    expect(records.map((r) => [r.originalMessageId, r.statusCode])).toEqual([['neg', 'Rejected']]);
    expect((await client.receiveRaw()).status).toBe(204);
  });

  it('abandon makes the command visible again with delivery count + 1, until the maximum dead-letters it', async () => {
    const { device, client } = await newDevice('c2d-abandon');
    await service().sendCommand(device.deviceId, { body: 'again', messageId: 'ab', ack: 'negative' });
    for (let delivery = 1; delivery <= 3; delivery++) {
      const msg = await client.receive();
      expect(msg?.deliveryCount).toBe(delivery - 1);
      const res = await httpCall(
        `${hubInfo().httpUrl}/devices/${device.deviceId}/messages/devicebound/${msg?.lockToken ?? ''}/abandon?${API}`,
        {
          method: 'POST',
          headers: { authorization: client.authorization() },
        },
      );
      expect(res.status).toBe(204);
      // An abandoned lock is gone: completing with it is a lost lock.
      await expectError(await client.settleRaw('complete', msg?.lockToken ?? ''), 412, 'DeviceMessageLockLost');
    }
    expect((await client.receiveRaw()).status).toBe(204); // max delivery count 3 in tests
    const records = await feedbackFor(device.deviceId, 1);
    expect(records.map((r) => [r.originalMessageId, r.statusCode, r.description])).toEqual([
      ['ab', 'DeliveryCountExceeded', expect.stringContaining('delivery count')],
    ]);
  });
});

describe('locks', () => {
  it('a lock that times out makes the command visible again; the old token is lost, the new one works', async () => {
    const { device, client } = await newDevice('c2d-lock');
    await service().sendCommand(device.deviceId, { body: 'x' });
    const first = await client.receive({ lockTimeoutSeconds: 1 });
    expect(first?.deliveryCount).toBe(0);
    expect((await client.receiveRaw()).status).toBe(204); // still locked
    await sleep(1300);
    const second = await client.receive();
    expect(second?.deliveryCount).toBe(1);
    expect(second?.messageId).toBe(first?.messageId);
    expect(second?.lockToken).not.toBe(first?.lockToken);
    await expectError(await client.settleRaw('complete', first?.lockToken ?? ''), 412, 'DeviceMessageLockLost');
    expect((await client.settleRaw('complete', second?.lockToken ?? '')).status).toBe(204);
  });

  it('a timed-out lock that nobody re-took is lost too, and at the maximum delivery count the command is dead-lettered', async () => {
    const { device, client } = await newDevice('c2d-lapse');
    await service().sendCommand(device.deviceId, { body: 'x', messageId: 'lapse', ack: 'full' });
    let last;
    for (let i = 0; i < 3; i++) {
      last = await client.receive({ lockTimeoutSeconds: 1 });
      expect(last?.deliveryCount).toBe(i);
      await sleep(1100);
    }
    await expectError(await client.settleRaw('complete', last?.lockToken ?? ''), 412, 'DeviceMessageLockLost');
    expect((await client.receiveRaw()).status).toBe(204);
    expect(statuses(await feedbackFor(device.deviceId, 1))).toEqual(['DeliveryCountExceeded']);
  });

  it('?reject=false completes (Success), ?reject=true rejects, anything else is 400', async () => {
    const { device, client } = await newDevice('c2d-rejectflag');
    const svc = service();
    await svc.sendCommand(device.deviceId, { body: 'a', messageId: 'kept', ack: 'full' });
    await svc.sendCommand(device.deviceId, { body: 'b', messageId: 'dropped', ack: 'full' });
    const settle = (lockToken: string, query: string) =>
      httpCall(`${hubInfo().httpUrl}/devices/${device.deviceId}/messages/devicebound/${lockToken}?${query}&${API}`, {
        method: 'DELETE',
        headers: { authorization: client.authorization() },
      });
    const first = await client.receive();
    await expectError(await settle(first?.lockToken ?? '', 'reject=maybe'), 400, 'ArgumentInvalid');
    expect((await settle(first?.lockToken ?? '', 'reject=false')).status).toBe(204);
    const second = await client.receive();
    expect((await settle(second?.lockToken ?? '', 'reject=true')).status).toBe(204);
    const records = await feedbackFor(device.deviceId, 2);
    expect(records.map((r) => [r.originalMessageId, r.statusCode]).sort()).toEqual([
      ['dropped', 'Rejected'],
      ['kept', 'Success'],
    ]);
  });

  it('reads IotHub-MessageLockTimeout from the query string too (the .NET SDK sends it there)', async () => {
    const { device, client } = await newDevice('c2d-lockquery');
    await service().sendCommand(device.deviceId, { body: 'x' });
    const res = await client.call('GET', `/devices/${device.deviceId}/messages/devicebound?IotHub-MessageLockTimeout=1&${API}`);
    expect(res.status).toBe(200);
    await sleep(1300); // the 5 s default would still hold the lock
    const again = await client.receive();
    expect(again?.messageId).toBe(res.headers['iothub-messageid']);
    expect(again?.deliveryCount).toBe(1);
    const bad = await client.call('GET', `/devices/${device.deviceId}/messages/devicebound?iothub-messagelocktimeout=soon`);
    await expectError(bad, 400, 'ArgumentInvalid');
  });

  it('honours IotHub-MessageLockTimeout within bounds and refuses a malformed one', async () => {
    const { device, client } = await newDevice('c2d-locktimeout');
    await service().sendCommand(device.deviceId, { body: 'x' });
    const bad = await client.call('GET', `/devices/${device.deviceId}/messages/devicebound`, {
      headers: { 'iothub-messagelocktimeout': 'soon' },
    });
    await expectError(bad, 400, 'ArgumentInvalid');
    // Far above the hub's maximum: clamped, not refused; the default test lock is 5 s.
    const msg = await client.receive({ lockTimeoutSeconds: 100_000 });
    expect(msg).toBeDefined();
    await sleep(5500);
    expect((await client.receiveRaw()).status).toBe(204); // longer than the 5 s default
    expect((await client.settleRaw('complete', msg?.lockToken ?? '')).status).toBe(204);
  });

  it("answers 412 for a malformed token, another device's token, and 401 without credentials", async () => {
    const a = await newDevice('c2d-tok-a');
    const b = await newDevice('c2d-tok-b');
    await service().sendCommand(a.device.deviceId, { body: 'x' });
    const msg = await a.client.receive();
    await expectError(await a.client.settleRaw('complete', 'not-a-token'), 412, 'DeviceMessageLockLost');
    await expectError(await b.client.settleRaw('complete', msg?.lockToken ?? ''), 412, 'DeviceMessageLockLost');
    const anon = await httpCall(`${hubInfo().httpUrl}/devices/${a.device.deviceId}/messages/devicebound`, { method: 'GET' });
    await expectError(anon, 401, 'IotHubUnauthorizedAccess');
    const foreign = buildSasToken({
      resource: deviceResource('localhost', b.device.deviceId),
      keyBase64: b.device.authentication.symmetricKey.primaryKey,
      expiry: Math.floor(Date.now() / 1000) + 60,
    });
    await expectError(
      await httpCall(`${hubInfo().httpUrl}/devices/${a.device.deviceId}/messages/devicebound`, {
        method: 'GET',
        headers: { authorization: foreign },
      }),
      401,
      'IotHubUnauthorizedAccess',
    );
    expect((await a.client.settleRaw('complete', msg?.lockToken ?? '')).status).toBe(204);
  });
});

describe('expiry', () => {
  it('never delivers an expired command and sends Expired feedback even when no device polls (sweeper)', async () => {
    const { device, client } = await newDevice('c2d-expire');
    await service().sendCommand(device.deviceId, { body: 'late', messageId: 'exp', ack: 'negative', ttlSeconds: 1 });
    // Nothing reads the device's queue until the feedback is there, so only the sweeper can have
    // written it (the deadline only bounds a hang; the sweeper runs every 2 s here).
    const [fb] = await feedbackFor(device.deviceId, 1, 60_000);
    expect(fb?.statusCode).toBe('Expired');
    expect(fb?.originalMessageId).toBe('exp');
    expect((await client.receiveRaw()).status).toBe(204);
  });

  it('checks expiry on read: an expired command is not delivered even before the sweeper runs', async () => {
    const { device, client } = await newDevice('c2d-expread');
    await service().sendCommand(device.deviceId, { body: 'late', expiry: new Date(Date.now() + 1000) });
    await service().sendCommand(device.deviceId, { body: 'fresh' });
    await sleep(1100);
    const msg = await client.receive();
    expect(msg?.body.toString()).toBe('fresh');
  });
});

describe('purge, depth, limits, unknown devices', () => {
  it('purges every pending command with Purged feedback where asked', async () => {
    const { device, client } = await newDevice('c2d-purge');
    const svc = service();
    await svc.sendCommand(device.deviceId, { body: '1', ack: 'full' });
    await svc.sendCommand(device.deviceId, { body: '2', ack: 'negative' });
    await svc.sendCommand(device.deviceId, { body: '3', ack: 'positive' });
    await client.receive(); // a locked command is purged too
    const res = await svc.call('DELETE', `/devices/${device.deviceId}/commands?${API}`);
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({ deviceId: device.deviceId, totalMessagesPurged: 3 });
    expect((await client.receiveRaw()).status).toBe(204);
    expect(statuses(await feedbackFor(device.deviceId, 3, 4000))).toEqual(['Purged', 'Purged']);
    expect(await svc.purgeCommands(device.deviceId)).toEqual({ deviceId: device.deviceId, totalMessagesPurged: 0 });
    await expectError(await svc.call('DELETE', `/devices/no-such-device-c2d/commands`), 404, 'DeviceNotFound');
  });

  it('accepts 50 pending commands and refuses the 51st with 403 DeviceMaximumQueueDepthExceeded', async () => {
    const { device, client } = await newDevice('c2d-depth');
    const svc = service();
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => svc.sendCommandRaw(device.deviceId, { body: String(i) })));
    expect(results.map((r) => r.status)).toEqual(Array(50).fill(202));
    await expectError(await svc.sendCommandRaw(device.deviceId, { body: '51' }), 403, 'DeviceMaximumQueueDepthExceeded');
    const msg = await client.receive();
    await client.complete(msg?.lockToken ?? '');
    expect((await svc.sendCommandRaw(device.deviceId, { body: 'room again' })).status).toBe(202);
    await expectError(await svc.sendCommandRaw(device.deviceId, { body: 'full again' }), 403, 'DeviceMaximumQueueDepthExceeded');
  });

  it('answers 404 for an unknown device, 413 over 64 KB (properties count), 400 for bad headers, 401 without a policy token', async () => {
    const { device } = await newDevice('c2d-limits');
    const svc = service();
    await expectError(await svc.sendCommandRaw('no-such-device-c2d', { body: 'x' }), 404, 'DeviceNotFound');
    await expectError(await svc.sendCommandRaw(device.deviceId, { body: Buffer.alloc(64 * 1024 + 1) }), 413, 'MessageTooLarge');
    await expectError(
      await svc.sendCommandRaw(device.deviceId, { body: Buffer.alloc(64 * 1024 - 3), properties: { ab: 'cd' } }),
      413,
      'MessageTooLarge',
    );
    expect((await svc.sendCommandRaw(device.deviceId, { body: Buffer.alloc(64 * 1024) })).status).toBe(202);
    await expectError(await svc.sendCommandRaw(device.deviceId, { body: 'x', ack: 'sometimes' as never }), 400, 'ArgumentInvalid');
    await expectError(
      await svc.sendCommandRaw(device.deviceId, { body: 'x', expiry: new Date(Date.now() - 1000) }),
      400,
      'ArgumentInvalid',
    );
    await expectError(await svc.sendCommandRaw(device.deviceId, { body: 'x', ttlSeconds: 3 * 24 * 3600 }), 400, 'ArgumentInvalid');
    await expectError(await svc.sendCommandRaw(device.deviceId, { body: 'x', properties: { ok: 'no spaces' } }), 400, 'ArgumentInvalid');
    const anon = await httpCall(`${hubInfo().httpUrl}/devices/${device.deviceId}/messages/devicebound`, { method: 'POST', body: 'x' });
    await expectError(anon, 401, 'IotHubUnauthorizedAccess');
  });

  it('deleting a device drops its queue (Purged feedback where asked)', async () => {
    const { device } = await newDevice('c2d-delete');
    const svc = service();
    await svc.sendCommand(device.deviceId, { body: 'bye', messageId: 'gone', ack: 'full' });
    await svc.deleteDevice(device.deviceId);
    const records = await feedbackFor(device.deviceId, 1);
    expect(records.map((r) => [r.originalMessageId, r.statusCode])).toEqual([['gone', 'Purged']]);
    // A device re-created with the same id starts with an empty queue.
    const again = await svc.createDevice(device.deviceId);
    expect(again.generationId).not.toBe(device.generationId);
    const cs = deviceConnectionString(svc.hostName, again.deviceId, again.authentication.symmetricKey.primaryKey);
    expect((await new DeviceClient(hubInfo().httpUrl, cs).receiveRaw()).status).toBe(204);
    await noFeedbackFor(device.deviceId, 500);
  });
});
