/**
 * Device-to-cloud message construction for IoT Hub's HTTPS (and our WebSocket) contract:
 * headers and batch entries become envelopes, with IoT Hub's validation and limits. Pure.
 */
import { BadRequestError, PayloadTooLargeError } from '../errors';
import type { SystemProperties } from '../envelope';
import { defineProperty, propertiesFromHeaders, SETTABLE_FIELDS, type MessageProperties, type SettableField } from '../messageProperties';

export const MAX_MESSAGE_BYTES = 256 * 1024;
export const MAX_MESSAGE_ID_LENGTH = 128;
export const BATCH_CONTENT_TYPE = 'application/vnd.microsoft.iothub.json';
/** One PutRecords call: a batch is stored in one write (and empty entries cannot multiply records). */
export const MAX_BATCH_MESSAGES = 500;

/** One message as a device presents it, before the hub stamps it. */
export interface DeviceMessage {
  body: Buffer;
  /** Settable system properties, keyed by their IoT Hub header names (without iothub- for app). */
  system: Partial<
    Pick<
      SystemProperties,
      | 'message-id'
      | 'correlation-id'
      | 'user-id'
      | 'content-type'
      | 'content-encoding'
      | 'iothub-creation-time-utc'
      | 'dt-subject'
      | 'dt-dataschema'
    >
  >;
  properties: Record<string, string>;
}

// The settable properties' names in the envelope (IoT Hub's AMQP names), by their wire field.
const ENVELOPE_NAMES: Readonly<Record<SettableField, keyof DeviceMessage['system']>> = {
  messageId: 'message-id',
  correlationId: 'correlation-id',
  userId: 'user-id',
  contentType: 'content-type',
  contentEncoding: 'content-encoding',
  creationTimeUtc: 'iothub-creation-time-utc',
  subject: 'dt-subject',
  dataSchema: 'dt-dataschema',
};

// IoT Hub over HTTPS: names and values are ASCII alphanumerics plus these.
const TOKEN_CHARS = /^[A-Za-z0-9!#$%&'*+\-.^_`|~]+$/;

function checkToken(what: string, value: string): void {
  if (!TOKEN_CHARS.test(value)) {
    throw new BadRequestError(
      `${what} "${printable(value)}" may contain only ASCII letters, digits and ! # $ % & ' * + - . ^ _ \` | ~`,
      'ArgumentInvalid',
    );
  }
}

function printable(value: string): string {
  const cut = value.length > 40 ? `${value.slice(0, 40)}...` : value;
  return cut.replace(/[^\x20-\x7e]/g, '?');
}

/** Builds a message from HTTP headers (any case) and the raw body. */
export function messageFromHeaders(headers: Readonly<Record<string, string | undefined>>, body: Buffer): DeviceMessage {
  return messageFromProperties(propertiesFromHeaders(headers), body);
}

/**
 * Builds a message from its wire properties (lib/messageProperties.ts) and the raw body, with
 * IoT Hub's rules: only the settable system properties are kept, application property names
 * and values are checked, then the system properties.
 */
export function messageFromProperties(props: MessageProperties, body: Buffer): DeviceMessage {
  const msg: DeviceMessage = { body, system: {}, properties: {} };
  for (const field of SETTABLE_FIELDS) {
    const value = props[field];
    if (value !== undefined) msg.system[ENVELOPE_NAMES[field]] = value;
  }
  for (const [name, value] of Object.entries(props.properties)) addProperty(msg, name, value);
  validateSystem(msg);
  return msg;
}

function addProperty(msg: DeviceMessage, name: string, value: unknown): void {
  if (typeof value !== 'string') throw new BadRequestError(`Property "${printable(name)}" must have a string value`);
  if (name === '') throw new BadRequestError('Property names must not be empty');
  checkToken('Property name', name);
  checkToken(`Value of property "${name}"`, value);
  // Not assignment: a property named "__proto__" must be data, not a prototype.
  defineProperty(msg.properties, name, value);
}

function validateSystem(msg: DeviceMessage): void {
  const id = msg.system['message-id'];
  if (id !== undefined && (id.length === 0 || id.length > MAX_MESSAGE_ID_LENGTH)) {
    throw new BadRequestError(`Message id must be 1-${MAX_MESSAGE_ID_LENGTH} characters`);
  }
  for (const [name, value] of Object.entries(msg.system)) {
    if (value !== undefined && /[\x00-\x1f\x7f]/.test(value))
      throw new BadRequestError(`System property ${name} contains control characters`);
  }
}

/** The size IoT Hub counts against the 256 KB limit. */
export function messageSize(msg: DeviceMessage): number {
  let size = msg.body.length;
  for (const v of Object.values(msg.system)) if (v !== undefined) size += Buffer.byteLength(v);
  for (const [k, v] of Object.entries(msg.properties)) size += Buffer.byteLength(k) + Buffer.byteLength(v);
  return size;
}

export function checkSize(messages: readonly DeviceMessage[], limit = MAX_MESSAGE_BYTES): void {
  const total = messages.reduce((sum, m) => sum + messageSize(m), 0);
  if (total > limit) {
    const what = messages.length > 1 ? 'Batch' : 'Message';
    throw new PayloadTooLargeError(`${what} size ${total} bytes exceeds the limit of ${limit} bytes`);
  }
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Parses an IoT Hub batch body:
 * [{"body": "...", "base64Encoded": true?, "properties": {"iothub-app-k": "v", "iothub-messageid": "m"}}]
 * where an absent base64Encoded means true, as in IoT Hub.
 */
export function messagesFromBatch(raw: Buffer): DeviceMessage[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new BadRequestError('Batch body is not valid JSON');
  }
  if (!Array.isArray(parsed)) throw new BadRequestError('Batch body must be a JSON array of messages');
  if (parsed.length === 0) throw new BadRequestError('Batch must contain at least one message');
  if (parsed.length > MAX_BATCH_MESSAGES) throw new BadRequestError(`Batch must contain at most ${MAX_BATCH_MESSAGES} messages`);
  return parsed.map((entry: unknown, index) => batchEntry(entry, index));
}

function batchEntry(entry: unknown, index: number): DeviceMessage {
  if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) {
    throw new BadRequestError(`Batch entry ${index} must be an object`);
  }
  const e = entry as Record<string, unknown>;
  if (typeof e.body !== 'string') throw new BadRequestError(`Batch entry ${index} needs a string "body"`);
  if (e.base64Encoded !== undefined && typeof e.base64Encoded !== 'boolean') {
    throw new BadRequestError(`Batch entry ${index}: base64Encoded must be a boolean`);
  }
  let body: Buffer;
  // IoT Hub's default is true: the Node and .NET SDKs omit the field and send base64 bodies.
  if (e.base64Encoded !== false) {
    if (!BASE64.test(e.body)) {
      throw new BadRequestError(
        `Batch entry ${index}: body is not valid base64 (base64Encoded is ${e.base64Encoded === undefined ? 'absent, which means true' : 'true'}; send "base64Encoded": false for a text body)`,
      );
    }
    body = Buffer.from(e.body, 'base64');
  } else {
    body = Buffer.from(e.body, 'utf8');
  }
  const headers: Record<string, string> = {};
  if (e.properties !== undefined) {
    if (e.properties === null || typeof e.properties !== 'object' || Array.isArray(e.properties)) {
      throw new BadRequestError(`Batch entry ${index}: properties must be an object`);
    }
    for (const [k, v] of Object.entries(e.properties as Record<string, unknown>)) {
      if (typeof v !== 'string') throw new BadRequestError(`Batch entry ${index}: property "${printable(k)}" must be a string`);
      headers[k] = v;
    }
  }
  return messageFromHeaders(headers, body);
}

/** Parses a request into device messages: a batch for IoT Hub's batch content type, else one message. */
export function parseTelemetryRequest(
  contentType: string | undefined,
  headers: Readonly<Record<string, string | undefined>>,
  body: Buffer,
): DeviceMessage[] {
  const isBatch = (contentType ?? '').split(';')[0]?.trim().toLowerCase() === BATCH_CONTENT_TYPE;
  const messages = isBatch ? messagesFromBatch(body) : [messageFromHeaders(headers, body)];
  checkSize(messages);
  return messages;
}
