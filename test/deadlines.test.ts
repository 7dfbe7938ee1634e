/**
 * Failures the device cannot see in a status line are still visible, and no request outlives
 * its function: a hung dependency (the fault proxy holds the call open) yields the hub's own
 * 503 before the function's timeout, and a failed WebSocket frame gets an error frame plus an
 * error-level log line that is also a CloudWatch metric (Embedded Metric Format).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { WsDevice } from '../client/wsDevice';
import { hubInfo, injectFault, newDevice } from './support/hub';

const iotHubCode = (body: string) => (JSON.parse(body) as { ExceptionMessage?: string }).ExceptionMessage ?? '';

describe('deadlines', () => {
  it('answers 503 ServiceUnavailable (retryable, nothing acknowledged) when the stream write hangs, instead of timing out', async () => {
    const { device, client } = await newDevice('deadline');
    const clear = await injectFault('kinesis', { operation: 'PutRecords', mode: 'hang', match: device.deviceId });
    try {
      const res = await client.sendRaw({ body: 'held', messageId: 'held-1' });
      expect(res.status).toBe(503);
      expect(res.headers['iothub-errorcode']).toBe('ServiceUnavailable');
      expect(iotHubCode(res.body.toString())).toMatch(/ServiceUnavailable/);
    } finally {
      await clear();
    }
    expect((await client.sendRaw({ body: 'after' })).status).toBe(204);
  }, 60_000);
});

describe('WebSocket frame failures', () => {
  it('answer the device with an error frame and log an error and count the WsFrameFailures metric', async () => {
    const { connectionString } = await newDevice('wsfail');
    const socket = await WsDevice.fromConnectionString(hubInfo().wsUrl, connectionString);
    socket.send({ action: 'ping' });
    expect(await socket.next()).toEqual({ type: 'pong' });
    // Devices stay cached; past the registry change-feed poll (1 s in the test hub) the next frame
    // must read the feed (one GetItem of its item), and that read fails.
    await new Promise((r) => setTimeout(r, 1500));
    const clear = await injectFault('dynamodb', {
      operation: 'GetItem',
      mode: 'error',
      match: '#registry-changes',
      errorCode: 'InternalServerError',
    });
    try {
      socket.send({ action: 'ping' });
      expect(await socket.next((f) => f.type === 'error', 30_000)).toMatchObject({ status: 503, code: 'ServiceUnavailable' });
    } finally {
      await clear();
    }
    socket.send({ action: 'ping' });
    expect(await socket.next((f) => f.type === 'pong')).toEqual({ type: 'pong' });
    await socket.close();

    const lines = readFileSync(join(hubInfo().dataDir, 'logs', 'functions.log'), 'utf8').split('\n');
    const json = (l: string) => JSON.parse(l.slice(l.indexOf('{'))) as Record<string, unknown>;
    expect(lines.filter((l) => l.includes('websocket frame failed')).map(json)).toContainEqual(
      expect.objectContaining({ level: 'ERROR', message: 'websocket frame failed' }),
    );
    const emf = lines.filter((l) => l.includes('"WsFrameFailures":1')).map(json);
    expect(emf).toContainEqual(
      expect.objectContaining({
        _aws: expect.objectContaining({
          CloudWatchMetrics: [expect.objectContaining({ Namespace: 'devhub', Metrics: [{ Name: 'WsFrameFailures', Unit: 'Count' }] })],
        }),
      }),
    );
  });
});
