/**
 * IoT Hub's bulk registry call (`POST /devices`, what azure-iothub's addDevices, updateDevices
 * and removeDevices send): up to 100 entries `{id, importMode, eTag?, ...device}`, each applied
 * on its own (not atomically, as in IoT Hub); the answer lists the entries that failed.
 */
import { BadRequestError, isHubError } from '../errors';
import type { RegistryService } from './registryService';

export const MAX_BULK_DEVICES = 100;

export interface BulkResult {
  isSuccessful: boolean;
  errors: { deviceId: string; errorCode: string; errorStatus: string }[];
  warnings: never[];
}

type Mode = 'create' | 'update' | 'updateifmatchetag' | 'delete' | 'deleteifmatchetag';
const MODES: readonly Mode[] = ['create', 'update', 'updateifmatchetag', 'delete', 'deleteifmatchetag'];

interface Entry {
  id: string;
  mode: Mode;
  eTag: string | undefined;
  device: Record<string, unknown>;
}

function parseEntries(value: unknown): Entry[] {
  if (!Array.isArray(value)) throw new BadRequestError('Bulk request body must be a JSON array of devices');
  if (value.length === 0 || value.length > MAX_BULK_DEVICES)
    throw new BadRequestError(`Bulk request must hold 1-${MAX_BULK_DEVICES} devices`);
  return value.map((raw: unknown, i) => {
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new BadRequestError(`Bulk entry ${i} must be an object`);
    // IoT Hub reads the field names case-insensitively; the Node SDK sends the device's "etag".
    const { id, importMode, eTag: upper, etag: lower, ...device } = raw as Record<string, unknown>;
    const eTag = upper ?? lower;
    if (typeof id !== 'string') throw new BadRequestError(`Bulk entry ${i} needs a string "id"`);
    const mode = typeof importMode === 'string' ? (importMode.toLowerCase() as Mode) : undefined;
    if (!mode || !MODES.includes(mode)) {
      throw new BadRequestError(`Bulk entry ${i}: importMode must be one of create, update, updateIfMatchETag, delete, deleteIfMatchETag`);
    }
    if (eTag !== undefined && typeof eTag !== 'string') throw new BadRequestError(`Bulk entry ${i}: eTag must be a string`);
    if (mode.endsWith('ifmatchetag') && !eTag) throw new BadRequestError(`Bulk entry ${i}: ${String(importMode)} needs an "eTag"`);
    return { id, mode, eTag, device };
  });
}

/** Validates the whole request first (a malformed one changes nothing), then applies each entry. */
export async function applyBulk(registry: Pick<RegistryService, 'put' | 'delete'>, body: unknown): Promise<BulkResult> {
  const entries = parseEntries(body);
  const errors: BulkResult['errors'] = [];
  for (const e of entries) {
    try {
      const quoted = e.eTag === undefined ? '*' : `"${e.eTag}"`;
      if (e.mode === 'create') await registry.put(e.id, JSON.stringify({ ...e.device, deviceId: e.id }), undefined);
      else if (e.mode === 'update') await registry.put(e.id, JSON.stringify({ ...e.device, deviceId: e.id }), '*');
      else if (e.mode === 'updateifmatchetag') await registry.put(e.id, JSON.stringify({ ...e.device, deviceId: e.id }), quoted);
      else await registry.delete(e.id, e.mode === 'delete' ? '*' : quoted);
    } catch (err) {
      if (!isHubError(err) || err.status >= 500) throw err;
      errors.push({ deviceId: e.id, errorCode: err.code, errorStatus: err.message });
    }
  }
  return { isSuccessful: errors.length === 0, errors, warnings: [] };
}
