/**
 * The cloud-to-device HTTP contract, pure: a service's send request becomes command content;
 * a locked command becomes IoT Hub's device receive response headers.
 */
import { randomUUID } from 'node:crypto';
import type { HubConfig } from '../config';
import { checkSize, messageFromProperties } from '../d2c/telemetry';
import { BadRequestError } from '../errors';
import { headersFromProperties, lockTokenEtag, propertiesFromHeaders, type MessageProperties } from '../messageProperties';
import { ACK_MODES, type AckMode, type CommandContent, type CommandRecord } from './types';

/** IoT Hub's limit for one cloud-to-device message (body + properties). */
export const MAX_COMMAND_BYTES = 64 * 1024;

type Headers = Readonly<Record<string, string | undefined>>;
type C2dConfig = HubConfig['c2d'];

export interface SendRequest {
  content: CommandContent;
  body: Buffer;
  expiresAtMs: number;
}

function parseAck(value: string | undefined): AckMode {
  if (value === undefined || value === '') return 'none';
  const ack = value.trim().toLowerCase() as AckMode;
  if (!ACK_MODES.includes(ack)) throw new BadRequestError(`iothub-ack must be one of ${ACK_MODES.join(', ')}`);
  return ack;
}

/** `iothub-expiry` (absolute time), else `iothub-ttl` (seconds, a devhub extension), else the hub default. */
function parseExpiry({ expiry, ttl }: MessageProperties, nowMs: number, c2d: C2dConfig): number {
  let expiresAtMs: number;
  if (expiry !== undefined && expiry !== '') {
    expiresAtMs = Date.parse(expiry);
    if (Number.isNaN(expiresAtMs)) throw new BadRequestError('iothub-expiry must be an ISO 8601 date-time');
    if (expiresAtMs <= nowMs) throw new BadRequestError('iothub-expiry is in the past');
  } else if (ttl !== undefined && ttl !== '') {
    const seconds = Number(ttl);
    if (!Number.isInteger(seconds) || seconds < 1) throw new BadRequestError('iothub-ttl must be a positive integer number of seconds');
    expiresAtMs = nowMs + seconds * 1000;
  } else {
    expiresAtMs = nowMs + c2d.defaultTtlSeconds * 1000;
  }
  if (expiresAtMs > nowMs + c2d.maxTtlSeconds * 1000) {
    throw new BadRequestError(`The message time to live exceeds the hub's maximum of ${c2d.maxTtlSeconds} seconds`);
  }
  return expiresAtMs;
}

/** Parses POST /devices/{id}/messages/devicebound. */
export function parseSendRequest(headers: Headers, body: Buffer, nowMs: number, c2d: C2dConfig): SendRequest {
  const props = propertiesFromHeaders(headers);
  // The same property rules as device-to-cloud messages (names, values, message id length).
  const msg = messageFromProperties(props, body);
  checkSize([msg], MAX_COMMAND_BYTES);
  const s = msg.system;
  const content: CommandContent = {
    messageId: s['message-id'] ?? randomUUID(),
    ack: parseAck(props.ack),
    properties: msg.properties,
    ...(s['correlation-id'] !== undefined ? { correlationId: s['correlation-id'] } : {}),
    ...(s['user-id'] !== undefined ? { userId: s['user-id'] } : {}),
    ...(s['content-type'] !== undefined ? { contentType: s['content-type'] } : {}),
    ...(s['content-encoding'] !== undefined ? { contentEncoding: s['content-encoding'] } : {}),
  };
  return { content, body, expiresAtMs: parseExpiry(props, nowMs, c2d) };
}

/** `IotHub-MessageLockTimeout` in seconds, clamped to 1..maxLockTimeoutSeconds; absent → the hub default. */
export function lockTimeoutMs(header: string | undefined, c2d: C2dConfig): number {
  if (header === undefined || header.trim() === '') return c2d.defaultLockTimeoutSeconds * 1000;
  const seconds = Number(header);
  if (!Number.isFinite(seconds) || seconds <= 0)
    throw new BadRequestError('IotHub-MessageLockTimeout must be a positive number of seconds');
  return Math.round(Math.min(Math.max(seconds, 1), c2d.maxLockTimeoutSeconds) * 1000);
}

/**
 * IoT Hub's `iothub-deliverycount` counts *previous* deliveries: 0 on the first receive, 1 after
 * one abandon or lapsed lock. The record counts locks (deliveries including this one), which is
 * what the maximum delivery count limits: at most `maxDeliveryCount` deliveries.
 */
export function previousDeliveries(record: Pick<CommandRecord, 'deliveryCount'>): number {
  return Math.max(0, record.deliveryCount - 1);
}

/** A locked command's properties as a device receives them (HTTPS headers and WebSocket `c2d` frames). */
export function receivedProperties(record: CommandRecord): MessageProperties {
  return {
    messageId: record.messageId,
    sequenceNumber: String(record.sequenceNumber),
    to: `/devices/${encodeURIComponent(record.deviceId)}/messages/devicebound`,
    ack: record.ack,
    expiry: new Date(record.expiresAtMs).toISOString(),
    deliveryCount: String(previousDeliveries(record)),
    enqueuedTime: new Date(record.enqueuedAtMs).toISOString(),
    correlationId: record.correlationId,
    userId: record.userId,
    contentType: record.contentType,
    contentEncoding: record.contentEncoding,
    properties: record.properties,
  };
}

/** The headers of a 200 to GET .../messages/devicebound, exactly as IoT Hub names them. */
export function receiveHeaders(record: CommandRecord): Record<string, string> {
  return {
    etag: lockTokenEtag(record.lockToken ?? ''),
    'content-type': record.contentType ?? 'application/octet-stream',
    ...headersFromProperties(receivedProperties(record)),
  };
}

export { unquoteLockToken } from '../messageProperties';

/** A query parameter by name, case-insensitively (SDKs differ in how they spell it). */
function queryValue(query: Readonly<Record<string, string | undefined>>, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [k, v] of Object.entries(query)) if (k.toLowerCase() === wanted) return v ?? '';
  return undefined;
}

/** The lock timeout a receive asks for: the `IotHub-MessageLockTimeout` header, else the same name in the query (.NET SDK). */
export function requestedLockTimeout(
  headers: Readonly<Record<string, string | undefined>>,
  query: Readonly<Record<string, string | undefined>>,
): string | undefined {
  return headers['iothub-messagelocktimeout'] ?? queryValue(query, 'IotHub-MessageLockTimeout');
}

/** DELETE .../devicebound/{lockToken}: `?reject` or `?reject=true` rejects, `?reject=false` or none completes. */
export function completeOrReject(query: Readonly<Record<string, string | undefined>>): 'complete' | 'reject' {
  const value = queryValue(query, 'reject');
  if (value === undefined) return 'complete';
  const v = value.trim().toLowerCase();
  if (v === '' || v === 'true') return 'reject';
  if (v === 'false') return 'complete';
  throw new BadRequestError('reject must be true or false');
}
