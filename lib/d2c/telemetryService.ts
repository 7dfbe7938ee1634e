/** Accepting device-to-cloud telemetry: stamp, then store in the built-in stream before answering. */
import { toEnvelope, type DeviceConnection, type Envelope, type EventStream } from '../envelope';
import { metrics } from '../metrics';
import type { DeviceCredentials } from '../registry/device';
import type { DeviceMessage } from './telemetry';

export class TelemetryService {
  constructor(
    private readonly stream: EventStream,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Resolves only once every message is in the stream (throws otherwise). */
  async accept(
    device: Pick<DeviceCredentials, 'deviceId' | 'generationId'>,
    messages: readonly DeviceMessage[],
    transport: DeviceConnection['transport'],
  ): Promise<Envelope[]> {
    const now = this.now();
    const conn: DeviceConnection = { deviceId: device.deviceId, generationId: device.generationId, transport };
    const envelopes = messages.map((m) => toEnvelope(m, conn, now));
    await this.stream.putJson(envelopes.map((e) => ({ partitionKey: e.deviceId, value: e })));
    metrics.messagesAccepted(
      transport,
      messages.length,
      messages.reduce((n, m) => n + m.body.length, 0),
    );
    return envelopes;
  }
}
