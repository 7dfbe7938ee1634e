/** DeviceLifecycleEvents messages, shaped like IoT Hub's lifecycle notifications. Pure. */
import type { Envelope } from '../envelope';
import { hubEvent } from '../hubEvent';
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
  return hubEvent({
    hubName,
    device,
    source: 'DeviceLifecycleEvents',
    opType,
    schema: 'deviceLifecycleNotification',
    body,
    transport: 'https',
    now,
  });
}
