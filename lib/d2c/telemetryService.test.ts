/** Accepting telemetry with a fake stream (no I/O): stamped envelopes, one write, and a failed write is never an answer. */
import type { EventStream } from '../envelope';
import { createDevice } from '../registry/device';
import type { DeviceMessage } from './telemetry';
import { TelemetryService } from './telemetryService';

const NOW = new Date('2026-12-01T12:00:00.000Z');
const device = createDevice('d1', {}, NOW);
const message = (body: string, system: DeviceMessage['system'] = {}, properties: Record<string, string> = {}): DeviceMessage => ({
  body: Buffer.from(body),
  system,
  properties,
});

function recordingStream(fail?: Error) {
  const writes: { partitionKey: string; value: unknown }[][] = [];
  const stream: EventStream = {
    putJson: async (items) => {
      writes.push([...items]);
      if (fail) throw fail;
    },
  };
  return { stream, writes };
}

describe('TelemetryService.accept', () => {
  it('writes every message of a batch in one stream write, keyed by the device, stamped with one enqueued time', async () => {
    const { stream, writes } = recordingStream();
    const service = new TelemetryService(stream, () => NOW);
    const envelopes = await service.accept(device, [message('a', { 'message-id': 'm1' }, { k: 'v' }), message('bb')], 'https');
    expect(writes).toHaveLength(1);
    expect(writes[0]?.map((w) => w.partitionKey)).toEqual(['d1', 'd1']);
    expect(writes[0]?.map((w) => w.value)).toEqual(envelopes);
    expect(envelopes.map((e) => [e.deviceId, e.enqueuedTime, Buffer.from(e.body, 'base64').toString()])).toEqual([
      ['d1', NOW.toISOString(), 'a'],
      ['d1', NOW.toISOString(), 'bb'],
    ]);
    expect(envelopes[0]).toMatchObject({
      properties: { k: 'v' },
      systemProperties: { 'message-id': 'm1', 'iothub-enqueuedtime': NOW.toISOString() },
    });
  });

  it('carries the device and its generation into the envelope', async () => {
    const { stream } = recordingStream();
    const [envelope] = await new TelemetryService(stream, () => NOW).accept(device, [message('x')], 'websocket');
    expect(envelope?.systemProperties).toMatchObject({
      'iothub-connection-device-id': 'd1',
      'iothub-connection-auth-generation-id': device.generationId,
    });
  });

  it('throws when the stream write fails: a device is never told a message is stored when it is not', async () => {
    const { stream } = recordingStream(new Error('ProvisionedThroughputExceeded'));
    await expect(new TelemetryService(stream, () => NOW).accept(device, [message('x')], 'https')).rejects.toThrow(
      'ProvisionedThroughputExceeded',
    );
  });
});
