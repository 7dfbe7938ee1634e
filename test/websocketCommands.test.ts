/** Cloud-to-device over the WebSocket: pushed on send, settled like HTTPS, same queue and feedback. */
import { DeviceClient } from '../client/clients';
import { WsDevice, type HubFrame } from '../client/wsDevice';
import { closeFeedbackReader, feedbackFor } from './support/feedback';
import { hubInfo, newDevice, service } from './support/hub';

afterAll(() => closeFeedbackReader());

const isC2d = (f: HubFrame) => f.type === 'c2d';

describe('commands over the WebSocket', () => {
  it('pushes a command sent while the device is connected, with every field, and completes it with Success feedback', async () => {
    const { device, connectionString } = await newDevice('wsc2d');
    const socket = await WsDevice.fromConnectionString(hubInfo().wsUrl, connectionString);
    await service().sendCommand(device.deviceId, {
      body: 'reboot',
      messageId: 'cmd-1',
      correlationId: 'corr-1',
      userId: 'ops',
      contentType: 'text/plain',
      ack: 'full',
      properties: { urgency: 'high' },
      ttlSeconds: 600,
    });
    // Pushed: the device never asks (no receive frame) and no sweeper delivers commands, so only
    // the send can have put it on the socket. The deadline only bounds a hang.
    const frame = await socket.next(isC2d, 60_000);
    expect(frame).toMatchObject({
      messageId: 'cmd-1',
      correlationId: 'corr-1',
      userId: 'ops',
      contentType: 'text/plain',
      ack: 'full',
      deliveryCount: 0,
      properties: { urgency: 'high' },
    });
    expect(Buffer.from(String(frame.body), 'base64').toString()).toBe('reboot');
    expect(typeof frame.lockToken).toBe('string');
    const ttlMs = new Date(String(frame.expiry)).getTime() - new Date(String(frame.enqueuedTime)).getTime();
    expect(Math.abs(ttlMs - 600_000)).toBeLessThan(1000);
    // The lock is the queue's: an HTTPS receive sees nothing while the socket holds it.
    const https = new DeviceClient(hubInfo().httpUrl, connectionString);
    expect(await https.receive()).toBeUndefined();
    socket.send({ action: 'complete', lockToken: frame.lockToken });
    expect(await socket.next((f) => f.type === 'settled')).toMatchObject({ action: 'complete', messageId: 'cmd-1' });
    const [fb] = await feedbackFor(device.deviceId, 1);
    expect(fb).toMatchObject({ originalMessageId: 'cmd-1', statusCode: 'Success', deviceGenerationId: device.generationId });
    await socket.close();
  });

  it('keeps at most one unsettled command in flight, pushing the next on settle; reject and abandon behave as over HTTPS', async () => {
    const { device, connectionString } = await newDevice('wsflight');
    const socket = await WsDevice.fromConnectionString(hubInfo().wsUrl, connectionString);
    for (const id of ['a', 'b']) await service().sendCommand(device.deviceId, { body: id, messageId: id, ack: 'full' });
    const first = await socket.next(isC2d);
    expect(first.messageId).toBe('a');
    await new Promise((r) => setTimeout(r, 500));
    expect(socket.pending().filter(isC2d)).toEqual([]); // b waits for a's settlement

    socket.send({ action: 'abandon', lockToken: first.lockToken });
    expect(await socket.next((f) => f.type === 'settled')).toMatchObject({ action: 'abandon' });
    const again = await socket.next(isC2d); // abandoned: visible again, first in order
    expect(again).toMatchObject({ messageId: 'a', deliveryCount: 1 });

    socket.send({ action: 'reject', lockToken: again.lockToken });
    expect(await socket.next((f) => f.type === 'settled')).toMatchObject({ action: 'reject' });
    const second = await socket.next(isC2d);
    expect(second.messageId).toBe('b');
    socket.send({ action: 'complete', lockToken: second.lockToken });
    await socket.next((f) => f.type === 'settled');

    const fb = await feedbackFor(device.deviceId, 2);
    expect(fb.map((r) => `${r.originalMessageId}:${r.statusCode}`).sort()).toEqual(['a:Rejected', 'b:Success']);
    await socket.close();
  });

  it('answers a settle with a wrong or used lock token with a 412 nack', async () => {
    const { device, connectionString } = await newDevice('wslost');
    const socket = await WsDevice.fromConnectionString(hubInfo().wsUrl, connectionString);
    socket.send({ action: 'complete', lockToken: '1-00000000000000000000000000000000' });
    expect(await socket.next((f) => f.type === 'nack')).toMatchObject({ status: 412, code: 'DeviceMessageLockLost' });
    await service().sendCommand(device.deviceId, { body: 'x', messageId: 'once' });
    const frame = await socket.next(isC2d);
    socket.send({ action: 'complete', lockToken: frame.lockToken });
    await socket.next((f) => f.type === 'settled');
    socket.send({ action: 'complete', lockToken: frame.lockToken });
    expect(await socket.next((f) => f.type === 'nack')).toMatchObject({ status: 412 });
    await socket.close();
  });

  it('delivers a command sent while disconnected after reconnect and receive', async () => {
    const { device, connectionString } = await newDevice('wsoffline');
    await service().sendCommand(device.deviceId, { body: 'while away', messageId: 'queued' });
    const socket = await WsDevice.fromConnectionString(hubInfo().wsUrl, connectionString);
    await new Promise((r) => setTimeout(r, 300));
    expect(socket.pending().filter(isC2d)).toEqual([]); // nothing is pushed inside $connect
    socket.send({ action: 'receive' });
    const frame = await socket.next(isC2d);
    expect(frame.messageId).toBe('queued');
    socket.send({ action: 'complete', lockToken: frame.lockToken });
    await socket.next((f) => f.type === 'settled');
    await socket.close();
  });

  it('leaves a command in the queue for HTTPS when the socket is gone', async () => {
    const { device, connectionString } = await newDevice('wsgone');
    const socket = await WsDevice.fromConnectionString(hubInfo().wsUrl, connectionString);
    socket.socket.terminate(); // no close handshake: the hub may still think it is connected
    await new Promise((r) => setTimeout(r, 300));
    await service().sendCommand(device.deviceId, { body: 'fallback', messageId: 'to-https' });
    const https = new DeviceClient(hubInfo().httpUrl, connectionString);
    let received;
    for (let i = 0; i < 20 && !received; i++) {
      received = await https.receive();
      if (!received) await new Promise((r) => setTimeout(r, 250));
    }
    expect(received?.messageId).toBe('to-https');
  });
});
