/** Device identities: validation and record construction. Pure. */
import { randomBytes, randomUUID } from 'node:crypto';
import { BadRequestError } from '../errors';
import { jsonDepthExceeds } from '../jsonDepth';
import type { DerivedCredentials } from './derivedKeys';

export type DeviceStatus = 'enabled' | 'disabled';

export interface Device {
  deviceId: string;
  generationId: string;
  etag: string;
  status: DeviceStatus;
  statusReason: string | null;
  statusUpdatedTime: string;
  createdTime: string;
  authentication: { type: 'sas'; symmetricKey: { primaryKey: string; secondaryKey: string } };
  tags: Record<string, unknown>;
}

/**
 * What authentication keeps of a device: every instance caches these for up to 150,000 devices
 * (DEVICE_AUTH_CACHE_MAX_ENTRIES), so tags and timestamps stay out: ~490 bytes an entry
 * (bench/deviceCacheMemory.ts), where whole items grow with their tags.
 */
export interface DeviceCredentials {
  deviceId: string;
  generationId: string;
  status: DeviceStatus;
  authentication: { type: 'sas'; symmetricKey: { primaryKey: string; secondaryKey: string } };
}

/** The credentials of `device`, copied (the cache must not hold the rest of the item alive). */
export function credentialsOf(device: Device): DeviceCredentials {
  const { primaryKey, secondaryKey } = device.authentication.symmetricKey;
  return {
    deviceId: device.deviceId,
    generationId: device.generationId,
    status: device.status,
    authentication: { type: 'sas', symmetricKey: { primaryKey, secondaryKey } },
  };
}

/** What a caller may send in PUT /devices/{id}. */
export interface DeviceInput {
  status?: unknown;
  statusReason?: unknown;
  tags?: unknown;
  authentication?: { symmetricKey?: { primaryKey?: unknown; secondaryKey?: unknown } };
}

// IoT Hub: up to 128 characters of ASCII 7-bit alphanumerics plus - . % _ * ? ! ( ) , : = @ $ '
const DEVICE_ID = /^[A-Za-z0-9\-.%_*?!(),:=@$']{1,128}$/;

/** True for an id a device can have (no lookup needed to refuse the others). */
export function isDeviceId(deviceId: string): boolean {
  return DEVICE_ID.test(deviceId);
}

export function validateDeviceId(deviceId: string | undefined): string {
  if (deviceId === undefined || !DEVICE_ID.test(deviceId)) {
    throw new BadRequestError(
      "Device id must be 1-128 characters of ASCII letters, digits and - . % _ * ? ! ( ) , : = @ $ '",
      'ArgumentInvalid',
    );
  }
  return deviceId;
}

export function generateKey(): string {
  return randomBytes(32).toString('base64');
}

function validateKey(value: unknown, which: string): string {
  if (typeof value !== 'string' || !/^[A-Za-z0-9+/]+={0,2}$/.test(value) || value.length % 4 !== 0) {
    throw new BadRequestError(`${which} must be base64`);
  }
  const bytes = Buffer.from(value, 'base64').length;
  if (bytes < 16 || bytes > 64) throw new BadRequestError(`${which} must decode to 16-64 bytes`);
  return value;
}

/** Absent, null or "" (what the Azure SDKs send for "no key given"). */
function noKey(value: unknown): boolean {
  return value === undefined || value === null || value === '';
}

function validateStatus(value: unknown): DeviceStatus | undefined {
  if (value === undefined) return undefined;
  if (value === 'enabled' || value === 'disabled') return value;
  throw new BadRequestError('status must be "enabled" or "disabled"');
}

const MAX_TAGS_BYTES = 8 * 1024;
/** IoT Hub's limit for twin tags (and well inside DynamoDB's 32 levels). */
const MAX_TAGS_DEPTH = 10;

function validateTags(value: unknown): Record<string, unknown> | undefined {
  if (value === undefined) return undefined;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new BadRequestError('tags must be a JSON object');
  // Before anything walks it: JSON.stringify overflows the stack on very deep input.
  if (jsonDepthExceeds(value, MAX_TAGS_DEPTH)) throw new BadRequestError(`tags must be nested at most ${MAX_TAGS_DEPTH} levels deep`);
  if (JSON.stringify(value).length > MAX_TAGS_BYTES) throw new BadRequestError(`tags must be at most ${MAX_TAGS_BYTES} bytes`);
  return value as Record<string, unknown>;
}

function validateReason(value: unknown): string | null | undefined {
  if (value === undefined || value === null) return value;
  if (typeof value !== 'string' || value.length > 128) throw new BadRequestError('statusReason must be a string of at most 128 characters');
  return value;
}

export function newEtag(): string {
  return randomBytes(9).toString('base64');
}

/** True if the input names neither key: the registry may give the device derived keys. */
export function leavesKeysEmpty(input: DeviceInput): boolean {
  const keys = input.authentication?.symmetricKey;
  return noKey(keys?.primaryKey) && noKey(keys?.secondaryKey);
}

/** True if `after` has other keys than `before`. */
export function keysChanged(before: DeviceCredentials, after: DeviceCredentials): boolean {
  const a = before.authentication.symmetricKey;
  const b = after.authentication.symmetricKey;
  return a.primaryKey !== b.primaryKey || a.secondaryKey !== b.secondaryKey;
}

/** A new device; `derived` (only for an input that leaves both keys empty) gives its keys and generationId. */
export function createDevice(deviceId: string, input: DeviceInput, now: Date, derived?: DerivedCredentials): Device {
  const keys = input.authentication?.symmetricKey;
  if (derived && !leavesKeysEmpty(input)) throw new Error('derived keys for a device whose keys the caller gave');
  // IoT Hub generates the keys a create leaves empty.
  const primaryKey = derived?.primaryKey ?? (noKey(keys?.primaryKey) ? generateKey() : validateKey(keys?.primaryKey, 'primaryKey'));
  const secondaryKey =
    derived?.secondaryKey ?? (noKey(keys?.secondaryKey) ? generateKey() : validateKey(keys?.secondaryKey, 'secondaryKey'));
  const time = now.toISOString();
  return {
    deviceId: validateDeviceId(deviceId),
    generationId: derived?.generationId ?? randomUUID(),
    etag: newEtag(),
    status: validateStatus(input.status) ?? 'enabled',
    statusReason: validateReason(input.statusReason) ?? null,
    statusUpdatedTime: time,
    createdTime: time,
    authentication: { type: 'sas', symmetricKey: { primaryKey, secondaryKey } },
    tags: validateTags(input.tags) ?? {},
  };
}

/** Applies an update; identity fields (id, generation, creation time) never change. */
export function updateDevice(existing: Device, input: DeviceInput, now: Date): Device {
  const keys = input.authentication?.symmetricKey;
  const status = validateStatus(input.status) ?? existing.status;
  const reason = validateReason(input.statusReason);
  return {
    ...existing,
    etag: newEtag(),
    status,
    statusReason: reason === undefined ? existing.statusReason : reason,
    statusUpdatedTime: status !== existing.status ? now.toISOString() : existing.statusUpdatedTime,
    authentication: {
      type: 'sas',
      symmetricKey: {
        // An update that leaves a key empty keeps the current one.
        primaryKey: noKey(keys?.primaryKey) ? existing.authentication.symmetricKey.primaryKey : validateKey(keys?.primaryKey, 'primaryKey'),
        secondaryKey: noKey(keys?.secondaryKey)
          ? existing.authentication.symmetricKey.secondaryKey
          : validateKey(keys?.secondaryKey, 'secondaryKey'),
      },
    },
    tags: validateTags(input.tags) ?? existing.tags,
  };
}

/** Parses the body of PUT /devices/{id}; the id in the body, if any, must match the path. */
export function parseDeviceInput(body: string | undefined, pathDeviceId: string): DeviceInput {
  if (body === undefined || body.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new BadRequestError('Request body is not valid JSON');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new BadRequestError('Request body must be a JSON object');
  const record = parsed as Record<string, unknown>;
  if (record.deviceId !== undefined && record.deviceId !== pathDeviceId) {
    throw new BadRequestError('deviceId in the body does not match the path');
  }
  const auth = record.authentication;
  if (auth !== undefined && (auth === null || typeof auth !== 'object')) throw new BadRequestError('authentication must be an object');
  return record as DeviceInput;
}
