/** DeviceConnectionStateEvents messages, shaped like IoT Hub's connection state notifications. Pure. */
import { toEnvelope } from '../d2c/telemetry';
import type { Envelope } from '../envelope';

export type ConnectionOperation = 'deviceConnected' | 'deviceDisconnected';

export function connectionStateEvent(
  hubName: string,
  device: { deviceId: string; generationId: string },
  opType: ConnectionOperation,
  sequenceNumber: number,
  now: Date,
): Envelope {
  // IoT Hub's sequence number is a string that sorts in event order; zero-padding keeps that.
  const body = { sequenceNumber: String(sequenceNumber).padStart(20, '0') };
  return toEnvelope(
    {
      body: Buffer.from(JSON.stringify(body)),
      system: { 'content-type': 'application/json', 'content-encoding': 'utf-8' },
      properties: {
        hubName,
        deviceId: device.deviceId,
        opType,
        operationTimestamp: now.toISOString(),
        'iothub-message-schema': 'deviceConnectionStateNotification',
      },
    },
    { deviceId: device.deviceId, generationId: device.generationId, transport: 'websocket' },
    now,
    'DeviceConnectionStateEvents',
  );
}
