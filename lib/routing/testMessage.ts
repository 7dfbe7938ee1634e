/**
 * The message a route test evaluates: an envelope as the built-in stream holds it (see
 * lib/envelope.ts). For hand-written files, `body` may also be a JSON value (not a string):
 * it is then encoded as UTF-8 JSON, and content type and encoding default to
 * application/json and utf-8. Missing maps are empty. Pure.
 */
import type { Envelope, MessageSource } from '../envelope';
import { BadRequestError } from '../errors';

export function parseTestMessage(value: unknown): Envelope {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new BadRequestError('"message" must be an envelope object');
  const m = value as Record<string, unknown>;
  const systemProperties = { ...(isObject(m.systemProperties) ? m.systemProperties : {}) } as Record<string, unknown>;
  const properties = isObject(m.properties) ? (m.properties as Record<string, string>) : {};
  for (const [k, v] of Object.entries(properties)) if (typeof v !== 'string') throw new BadRequestError(`Property "${k}" must be a string`);
  let body = '';
  if (typeof m.body === 'string') {
    body = m.body;
  } else if (m.body !== undefined) {
    body = Buffer.from(JSON.stringify(m.body), 'utf8').toString('base64');
    systemProperties['content-type'] ??= 'application/json';
    systemProperties['content-encoding'] ??= 'utf-8';
  }
  const fromSystem = systemProperties['iothub-connection-device-id'];
  const deviceId = typeof m.deviceId === 'string' ? m.deviceId : typeof fromSystem === 'string' ? fromSystem : undefined;
  // Fields the file leaves out stay absent, so that conditions see them as undefined
  // (fromEnvelope tolerates a partial envelope).
  return {
    schemaVersion: 1,
    ...(deviceId !== undefined ? { deviceId } : {}),
    moduleId: typeof m.moduleId === 'string' ? m.moduleId : null,
    messageSource: (typeof m.messageSource === 'string' ? m.messageSource : 'Telemetry') as MessageSource,
    ...(typeof m.enqueuedTime === 'string' ? { enqueuedTime: m.enqueuedTime } : {}),
    systemProperties: systemProperties as unknown as Envelope['systemProperties'],
    properties,
    body,
  } as Envelope;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
