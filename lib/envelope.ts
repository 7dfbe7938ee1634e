/**
 * The record every accepted message becomes on the built-in endpoint (the Kinesis
 * "events" stream) and on every custom endpoint. JSON Schema: schema/envelope.schema.json.
 * The body is always base64 so that binary payloads survive the JSON encoding. Built here (one
 * builder for telemetry, lifecycle and connection state events), so that no folder imports d2c
 * for it.
 */
export type MessageSource = 'Telemetry' | 'DeviceLifecycleEvents' | 'DeviceConnectionStateEvents';

/** System property names exactly as IoT Hub spells them on the wire. */
export interface SystemProperties {
  'message-id'?: string;
  'correlation-id'?: string;
  'user-id'?: string;
  'content-type'?: string;
  'content-encoding'?: string;
  'iothub-connection-device-id': string;
  'iothub-connection-module-id'?: string;
  'iothub-connection-auth-method': string;
  'iothub-connection-auth-generation-id'?: string;
  'iothub-enqueuedtime': string;
  'iothub-message-source': MessageSource;
  'iothub-creation-time-utc'?: string;
  'dt-subject'?: string;
  'dt-dataschema'?: string;
}

/**
 * Port: the built-in endpoint (lib/adapters/aws/streamWriter.ts). Resolves only once every
 * item is stored, and throws otherwise, so nothing is acknowledged that is not in the stream.
 */
export interface EventStream {
  putJson(items: readonly { partitionKey: string; value: unknown }[]): Promise<void>;
}

export interface Envelope {
  schemaVersion: 1;
  deviceId: string;
  moduleId: string | null;
  messageSource: MessageSource;
  /** ISO-8601 UTC time the hub accepted the message. */
  enqueuedTime: string;
  systemProperties: SystemProperties;
  /** Application properties, names as sent (iothub-app- prefix stripped). */
  properties: Record<string, string>;
  /** Body bytes, base64. */
  body: string;
}

/** How the device authenticated and over which transport; stamped into every message. */
export interface DeviceConnection {
  deviceId: string;
  moduleId?: string;
  generationId: string;
  transport: 'https' | 'websocket';
}

export function authMethod(transport: DeviceConnection['transport']): string {
  return JSON.stringify({ scope: 'device', type: 'sas', issuer: 'iothub', transport });
}

/** Stamps a device message into the envelope the built-in endpoint stores. */
export function toEnvelope(
  msg: { body: Buffer; system: Partial<SystemProperties>; properties: Record<string, string> },
  conn: DeviceConnection,
  now: Date,
  source: MessageSource = 'Telemetry',
): Envelope {
  const enqueuedTime = now.toISOString();
  const systemProperties: SystemProperties = {
    ...msg.system,
    'iothub-connection-device-id': conn.deviceId,
    ...(conn.moduleId ? { 'iothub-connection-module-id': conn.moduleId } : {}),
    'iothub-connection-auth-method': authMethod(conn.transport),
    'iothub-connection-auth-generation-id': conn.generationId,
    'iothub-enqueuedtime': enqueuedTime,
    'iothub-message-source': source,
  };
  return {
    schemaVersion: 1,
    deviceId: conn.deviceId,
    moduleId: conn.moduleId ?? null,
    messageSource: source,
    enqueuedTime,
    systemProperties,
    properties: { ...msg.properties },
    body: msg.body.toString('base64'),
  };
}
