/** Messages the hub itself writes about a device (lifecycle, connection state), IoT Hub style. Pure. */
import { toEnvelope, type DeviceConnection, type Envelope, type MessageSource } from './envelope';

export function hubEvent(opts: {
  hubName: string;
  device: { deviceId: string; generationId: string };
  source: Exclude<MessageSource, 'Telemetry'>;
  opType: string;
  schema: string;
  body: unknown;
  transport: DeviceConnection['transport'];
  now: Date;
}): Envelope {
  return toEnvelope(
    {
      body: Buffer.from(JSON.stringify(opts.body)),
      system: { 'content-type': 'application/json', 'content-encoding': 'utf-8' },
      properties: {
        hubName: opts.hubName,
        deviceId: opts.device.deviceId,
        opType: opts.opType,
        operationTimestamp: opts.now.toISOString(),
        'iothub-message-schema': opts.schema,
      },
    },
    { deviceId: opts.device.deviceId, generationId: opts.device.generationId, transport: opts.transport },
    opts.now,
    opts.source,
  );
}
