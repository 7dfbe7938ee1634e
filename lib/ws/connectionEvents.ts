/** DeviceConnectionStateEvents messages, shaped like IoT Hub's connection state notifications. Pure. */
import type { Envelope } from '../envelope';
import { hubEvent } from '../hubEvent';

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
  return hubEvent({
    hubName,
    device,
    source: 'DeviceConnectionStateEvents',
    opType,
    schema: 'deviceConnectionStateNotification',
    body,
    transport: 'websocket',
    now,
  });
}
