/** DeviceLifecycleEvents messages, shaped like IoT Hub's lifecycle notifications. Pure. */
import type { Envelope } from '../envelope';
import { toEnvelope } from '../d2c/telemetry';
import type { Device } from './device';

export type LifecycleOperation = 'createDeviceIdentity' | 'deleteDeviceIdentity';

export function lifecycleEvent(hubName: string, device: Device, opType: LifecycleOperation, now: Date): Envelope {
  // The body is the device's public view: never its keys.
  const body = {
    deviceId: device.deviceId,
    etag: device.etag,
    generationId: device.generationId,
    status: device.status,
    statusReason: device.statusReason,
    tags: device.tags,
  };
  return toEnvelope(
    {
      body: Buffer.from(JSON.stringify(body)),
      system: { 'content-type': 'application/json', 'content-encoding': 'utf-8' },
      properties: {
        hubName,
        deviceId: device.deviceId,
        opType,
        operationTimestamp: now.toISOString(),
        'iothub-message-schema': 'deviceLifecycleNotification',
      },
    },
    { deviceId: device.deviceId, generationId: device.generationId, transport: 'https' },
    now,
    'DeviceLifecycleEvents',
  );
}
