/**
 * Resource limits: one WebSocket per device, message/batch/frame/command size limits, command
 * queue depth, and per-device rate limiting (429 + Retry-After over HTTPS, a 429 error frame
 * with retryAfterSeconds over the WebSocket). The shared test hub runs with rate limiting off
 * (the default), so that part starts a second small hub with deviceRateLimitPerSecond=5.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DeviceClient, ServiceClient } from '../client/clients';
import { WsDevice, WsMessageTooLargeError } from '../client/wsDevice';
import { deviceConnectionString } from '../lib/sas';
import { portsFrom, TEST_PORTS } from './support/config';
import { hubInfo, newDevice, service, uniqueId } from './support/hub';
import { iotHubErrorBody } from './support/security';

type Stack = typeof import('../infra/local/stack');

describe('limits on the shared test hub', () => {
  it('keeps one WebSocket per device: a second connection replaces and closes the first', async () => {
    const { connectionString } = await newDevice('lim-ws');
    const first = await WsDevice.fromConnectionString(hubInfo().wsUrl, connectionString);
    const second = await WsDevice.fromConnectionString(hubInfo().wsUrl, connectionString);
    expect((await first.closed).code).toBeGreaterThan(0);
    second.send({ action: 'send', messageId: 'still-here', body: 'x' });
    expect(await second.next((f) => f.messageId === 'still-here')).toMatchObject({ type: 'ack' });
    await second.close();
  });

  it('HTTPS: 256 KB per message and per batch (413 MessageTooLarge above)', async () => {
    const { client } = await newDevice('lim-https');
    expect((await client.sendRaw({ body: Buffer.alloc(256 * 1024) })).status).toBe(204);
    const tooBig = await client.sendRaw({ body: Buffer.alloc(256 * 1024 + 1) });
    expect([tooBig.status, tooBig.headers['iothub-errorcode']]).toEqual([413, 'MessageTooLarge']);
    expect(iotHubErrorBody(tooBig)).toMatchObject({ Message: expect.stringContaining('MessageTooLarge') });
    expect((await client.sendBatch([{ body: Buffer.alloc(128 * 1024) }, { body: Buffer.alloc(128 * 1024) }])).status).toBe(204);
    expect((await client.sendBatch([{ body: Buffer.alloc(128 * 1024) }, { body: Buffer.alloc(128 * 1024 + 1) }])).status).toBe(413);
  });

  it('WebSocket: messages up to 128 KB in 32 KB frames are accepted; a larger frame or message closes the connection with 1009, as API Gateway does', async () => {
    const { connectionString } = await newDevice('lim-wsframe');
    const socket = await WsDevice.fromConnectionString(hubInfo().wsUrl, connectionString);
    socket.send({ action: 'send', messageId: 'big-ok', body: 'b'.repeat(120 * 1024) }); // four fragments
    expect(await socket.next((f) => f.messageId === 'big-ok')).toMatchObject({ type: 'ack' });
    expect(() => socket.send({ action: 'send', body: 'b'.repeat(128 * 1024) })).toThrow(WsMessageTooLargeError); // refused by the client
    socket.send({ action: 'send', messageId: 'after-refusal', body: 'x' });
    expect(await socket.next((f) => f.messageId === 'after-refusal')).toMatchObject({ type: 'ack' });

    // One frame over 32 KB, sent raw (as a client that does not fragment would): closed with 1009.
    socket.socket.send(JSON.stringify({ action: 'send', messageId: 'one-big-frame', body: 'f'.repeat(33 * 1024) }));
    expect((await socket.closed).code).toBe(1009);
    expect(socket.pending().filter((f) => f.messageId === 'one-big-frame')).toEqual([]);

    // A message over 128 KB in frames that are each small enough: closed with 1009 too.
    const fragmented = await WsDevice.fromConnectionString(hubInfo().wsUrl, connectionString);
    const text = Buffer.from(JSON.stringify({ action: 'send', messageId: 'too-long', body: 'm'.repeat(130 * 1024) }));
    for (let at = 0; at < text.length; at += 30 * 1024)
      fragmented.socket.send(text.subarray(at, at + 30 * 1024), { binary: false, fin: at + 30 * 1024 >= text.length });
    expect((await fragmented.closed).code).toBe(1009);

    // The device reconnects and carries on.
    const again = await WsDevice.fromConnectionString(hubInfo().wsUrl, connectionString);
    again.send({ action: 'send', messageId: 'after-1009', body: 'x' });
    expect(await again.next((f) => f.messageId === 'after-1009')).toMatchObject({ type: 'ack' });
    await again.close();
  });

  it('C2D: 64 KB per command (413 above), at most 50 queued per device (the 51st is 403 DeviceMaximumQueueDepthExceeded)', async () => {
    const { device } = await newDevice('lim-c2d');
    const svc = service();
    expect((await svc.sendCommandRaw(device.deviceId, { body: Buffer.alloc(64 * 1024) })).status).toBe(202);
    const tooBig = await svc.sendCommandRaw(device.deviceId, { body: Buffer.alloc(64 * 1024 + 1) });
    expect([tooBig.status, tooBig.headers['iothub-errorcode']]).toEqual([413, 'MessageTooLarge']);
    for (let i = 2; i <= 50; i++) expect([i, (await svc.sendCommandRaw(device.deviceId, { body: `c${i}` })).status]).toEqual([i, 202]);
    const overflow = await svc.sendCommandRaw(device.deviceId, { body: 'c51' });
    expect([overflow.status, overflow.headers['iothub-errorcode']]).toEqual([403, 'DeviceMaximumQueueDepthExceeded']);
    expect(typeof iotHubErrorBody(overflow)).toBe('object');
    expect((await svc.purgeCommands(device.deviceId)).totalMessagesPurged).toBe(50);
  });
});

describe('per-device rate limiting (a second hub with deviceRateLimitPerSecond=5)', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the built stack, exactly what `npm start` runs
  const stack = require(resolve(__dirname, '../dist/local/stack.js')) as Stack;
  const base = TEST_PORTS.httpPort + 70;
  const dataDir = mkdtempSync(join(tmpdir(), 'devhub-ratelimit-'));
  let hub: Awaited<ReturnType<Stack['startLocalHub']>> | undefined;

  beforeAll(async () => {
    hub = await stack.startLocalHub({
      root: resolve(__dirname, '..'),
      dataDir,
      hostname: 'localhost',
      ...portsFrom(base),
      inMemory: true,
      tls: false,
      stage: 'ratelimit',
      params: { deviceRateLimitPerSecond: '5' },
      echoFunctions: false,
      poller: false,
      log: () => undefined,
    });
  }, 90_000);

  afterAll(async () => {
    await hub?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function device(svc: ServiceClient): Promise<{ id: string; client: DeviceClient; connectionString: string }> {
    const created = await svc.createDevice(uniqueId('rl'));
    const connectionString = deviceConnectionString('localhost', created.deviceId, created.authentication.symmetricKey.primaryKey);
    return { id: created.deviceId, client: new DeviceClient(hub?.httpUrl ?? '', connectionString), connectionString };
  }

  it('HTTPS: a device over its rate gets 429 ThrottlingException with Retry-After; other devices are not affected; it recovers', async () => {
    if (!hub) throw new Error('hub not started');
    const svc = new ServiceClient(hub.httpUrl, hub.connectionString);
    const noisy = await device(svc);
    const quiet = await device(svc);
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => noisy.client.sendRaw({ body: `m${i}` })));
    const throttled = results.filter((r) => r.status === 429);
    console.log(`20 concurrent sends at 5/s: ${results.filter((r) => r.status === 204).length} accepted, ${throttled.length} throttled`);
    expect(results.every((r) => r.status === 204 || r.status === 429)).toBe(true);
    expect(throttled.length).toBeGreaterThanOrEqual(10);
    for (const r of throttled) {
      expect(r.headers['iothub-errorcode']).toBe('ThrottlingException');
      expect(Number(r.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(iotHubErrorBody(r)).toMatchObject({ Message: expect.stringContaining('ThrottlingException') });
    }
    // Receives count too (a burst of them, so that no refill between requests can hide it).
    const receives = await Promise.all(
      Array.from({ length: 20 }, () => noisy.client.call('GET', `/devices/${noisy.id}/messages/devicebound`)),
    );
    expect(receives.every((r) => r.status === 204 || r.status === 429)).toBe(true);
    expect(receives.some((r) => r.status === 429)).toBe(true);
    expect((await quiet.client.sendRaw({ body: 'unaffected' })).status).toBe(204);
    await new Promise((r) => setTimeout(r, Number(throttled[0]?.headers['retry-after'] ?? 1) * 1000));
    expect((await noisy.client.sendRaw({ body: 'after waiting' })).status).toBe(204);
  });

  it('WebSocket: frames over the rate get a 429 error frame with retryAfterSeconds; the connection stays open', async () => {
    if (!hub) throw new Error('hub not started');
    const svc = new ServiceClient(hub.httpUrl, hub.connectionString);
    const { connectionString } = await device(svc);
    const socket = await WsDevice.fromConnectionString(hub.wsUrl, connectionString);
    for (let i = 0; i < 15; i++) socket.send({ action: 'send', messageId: `w${i}`, body: 'x' });
    const throttled = await socket.next((f) => f.type === 'error' && f.status === 429);
    expect(throttled).toMatchObject({ code: 'ThrottlingException', retryAfterSeconds: expect.any(Number) });
    expect(Number(throttled.retryAfterSeconds)).toBeGreaterThanOrEqual(1);
    await new Promise((r) => setTimeout(r, Number(throttled.retryAfterSeconds) * 1000 + 200));
    socket.send({ action: 'send', messageId: 'after-wait', body: 'x' });
    expect(await socket.next((f) => f.messageId === 'after-wait')).toMatchObject({ type: 'ack' });
    await socket.close();
  });
});
