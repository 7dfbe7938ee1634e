/**
 * IoT Hub's HTTPS feedback receiver over the SQS feedback queue: batches (a JSON array of
 * records, application/vnd.microsoft.iothub.feedback.json), ETag lock tokens, 204 when nothing
 * is visible, complete (DELETE) and abandon (POST .../abandon), ServiceConnect only.
 */
import type { FeedbackRecord } from '../lib/c2d/types';
import type { HttpResponse } from '../client/http';
import { newDevice, service } from './support/hub';

const FEEDBACK = '/messages/serviceBound/feedback';
const API = 'api-version=2021-04-12';

function lockOf(res: HttpResponse): string {
  return (res.headers.etag ?? '').replace(/^"|"$/g, '');
}

/** Locks visible batches one by one until the batch with a record of `deviceId` (others are abandoned again). */
async function lockBatchOf(deviceId: string, timeoutMs = 10_000): Promise<HttpResponse | undefined> {
  const svc = service();
  const others: string[] = [];
  try {
    for (const deadline = Date.now() + timeoutMs; Date.now() < deadline;) {
      const res = await svc.call('GET', `${FEEDBACK}?${API}`);
      if (res.status === 204) {
        await new Promise((r) => setTimeout(r, 200));
        continue;
      }
      if (res.json<FeedbackRecord[]>().some((r) => r.deviceId === deviceId)) return res;
      others.push(lockOf(res));
    }
    return undefined;
  } finally {
    for (const lock of others) await svc.call('POST', `${FEEDBACK}/${lock}/abandon?${API}`);
  }
}

describe('HTTPS feedback receiver', () => {
  it('serves feedback batches with a lock; abandon makes a batch visible again, complete removes it', async () => {
    const svc = service();
    const { device, client } = await newDevice('fbapi');
    await svc.sendCommand(device.deviceId, { body: 'x', messageId: 'fb-1', ack: 'full' });
    const cmd = await client.receive();
    await client.complete(cmd?.lockToken ?? '');

    const first = await lockBatchOf(device.deviceId);
    expect(first?.status).toBe(200);
    expect(first?.headers['content-type']).toBe('application/vnd.microsoft.iothub.feedback.json');
    expect(first?.headers.etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
    const records = first?.json<FeedbackRecord[]>() ?? [];
    expect(records).toEqual([
      {
        originalMessageId: 'fb-1',
        deviceId: device.deviceId,
        statusCode: 'Success',
        description: 'Success',
        enqueuedTimeUtc: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        deviceGenerationId: device.generationId,
      },
    ]);

    expect((await svc.call('POST', `${FEEDBACK}/${lockOf(first as HttpResponse)}/abandon?${API}`)).status).toBe(204);
    const again = await lockBatchOf(device.deviceId);
    expect(again?.json<FeedbackRecord[]>()).toEqual(records);
    expect(lockOf(again as HttpResponse)).not.toBe(lockOf(first as HttpResponse));

    expect((await svc.call('DELETE', `${FEEDBACK}/${lockOf(again as HttpResponse)}?${API}`)).status).toBe(204);
    expect(await lockBatchOf(device.deviceId, 2000)).toBeUndefined();
  });

  it('answers 204 once every batch is locked, and 412 for a malformed lock token', async () => {
    const svc = service();
    const locks: string[] = [];
    let res = await svc.call('GET', `${FEEDBACK}?${API}`);
    for (let i = 0; i < 500 && res.status === 200; i++) {
      locks.push(lockOf(res));
      res = await svc.call('GET', `${FEEDBACK}?${API}`);
    }
    expect(res.status).toBe(204);
    expect(res.body.length).toBe(0);
    for (const lock of locks) expect((await svc.call('POST', `${FEEDBACK}/${lock}/abandon?${API}`)).status).toBe(204);
    for (const bad of ['!!!', 'not.a.lock']) {
      const settle = await svc.call('DELETE', `${FEEDBACK}/${encodeURIComponent(bad)}?${API}`);
      expect([settle.status, settle.headers['iothub-errorcode']]).toEqual([412, 'DeviceMessageLockLost']);
    }
  });
});
