/** Registry operations of the service API: the rules around the device store. */
import type { EventStream } from '../envelope';
import { BadRequestError, ConflictError, NotFoundError, PreconditionFailedError } from '../errors';
import { deriveCredentials, type KeyLineage } from './derivedKeys';
import { createDevice, keysChanged, leavesKeysEmpty, parseDeviceInput, updateDevice, validateDeviceId, type Device } from './device';
import { lifecycleEvent } from './lifecycle';

export interface DevicePage {
  devices: Device[];
  continuationToken?: string;
}

/** A device record as the registry keeps it: the device (none once deleted) and its key lineage, if derived keys were ever issued for the id. */
export interface StoredDevice {
  device?: Device;
  lineage?: KeyLineage;
}

/** Port: the device registry's records (lib/adapters/aws/deviceStore.ts). */
export interface DeviceRecords {
  get(deviceId: string): Promise<Device | undefined>;
  /** The device, or a NotFoundError. */
  require(deviceId: string): Promise<Device>;
  /** The record, read strongly consistently: a deleted id with a lineage leaves a tombstone holding it. */
  stored(deviceId: string): Promise<StoredDevice>;
  /**
   * Creates the device with `lineage`; a ConflictError if a device exists, or if the id's record
   * is no longer the tombstone of `over` (the lineage read before: undefined = no record at all).
   */
  create(device: Device, lineage?: KeyLineage, over?: KeyLineage): Promise<void>;
  /** Replaces the device (keeping `lineage`) if its etag is still `expectedEtag` (PreconditionFailedError otherwise). */
  replace(device: Device, expectedEtag: string, lineage?: KeyLineage): Promise<void>;
  /**
   * Deletes (if `ifMatch`, only at that etag); returns what was deleted, or a NotFoundError.
   * With `tombstone`, leaves a record holding that lineage instead of nothing.
   */
  delete(deviceId: string, ifMatch?: string, tombstone?: KeyLineage): Promise<Device>;
  list(limit: number, continuationToken?: string): Promise<DevicePage>;
}

/** Port: derived device keys (./derivedKeys.ts) and the revocation set (./revocations.ts). */
export interface KeyDerivation {
  /** The hub's device-key seed, created if none exists yet. Never leaves the registry. */
  seed(): Promise<string>;
  /** Adds the id to the revocation set (idempotent, permanent). */
  revoke(deviceId: string): Promise<void>;
}

export interface RegistryHooks {
  /** Called after a device is deleted (its command queue goes with it). */
  onDeleted?: (device: Device) => Promise<void>;
  /**
   * Called after a device is replaced (e.g. disabled), or created revoked; `authChanged`: its
   * status, keys or existence changed (what authentication caches), not only tags or statusReason.
   */
  onUpdated?: (device: Device, authChanged: boolean) => Promise<void>;
}

export class RegistryService {
  constructor(
    private readonly store: DeviceRecords,
    private readonly stream: EventStream,
    private readonly hubName: string,
    private readonly hooks: RegistryHooks = {},
    private readonly now: () => Date = () => new Date(),
    /** Without it, every device gets random keys and nothing is ever revoked (tests of the rest). */
    private readonly derivation?: KeyDerivation,
  ) {}

  /**
   * PUT /devices/{id}: creates, or with If-Match (or "*") replaces.
   *
   * Derived keys: a create that leaves both keys empty gets keys derived from the hub's seed at
   * version 0, or at the tombstone's version + 1 for a re-created id (its old keys never come
   * back). Whenever a device stops being enabled, or one with a lineage stops holding its
   * version-0 derived keys, its id is revoked BEFORE the device is written, and the change feed
   * names it after: authentication's fast path (lib/auth.ts) never outlives the feed's poll bound.
   */
  async put(deviceId: string, body: string | undefined, ifMatch: string | undefined): Promise<{ device: Device; created: boolean }> {
    validateDeviceId(deviceId);
    const input = parseDeviceInput(body, deviceId);
    if (ifMatch === undefined) return this.create(deviceId, input);
    const existing = await this.store.stored(deviceId);
    if (!existing.device) throw new NotFoundError(`Device ${deviceId} not found`);
    // "*" (quoted, as the Azure SDKs send it, or bare) matches any etag.
    const wanted = unquote(ifMatch);
    const etag = wanted === '*' ? existing.device.etag : wanted;
    const device = updateDevice(existing.device, input, this.now());
    if (device.status !== 'enabled' || (existing.lineage && keysChanged(existing.device, device))) await this.revoke(deviceId);
    await this.store.replace(device, etag, existing.lineage);
    await this.hooks.onUpdated?.(device, device.status !== existing.device.status || keysChanged(existing.device, device));
    return { device, created: false };
  }

  private async create(deviceId: string, input: ReturnType<typeof parseDeviceInput>): Promise<{ device: Device; created: boolean }> {
    const prior = this.derivation ? await this.store.stored(deviceId) : {};
    if (prior.device) throw new ConflictError(`Device ${deviceId} already exists`);
    let device: Device;
    let lineage = prior.lineage;
    if (this.derivation && leavesKeysEmpty(input)) {
      lineage = { version: prior.lineage ? prior.lineage.version + 1 : 0 };
      device = createDevice(deviceId, input, this.now(), deriveCredentials(await this.derivation.seed(), deviceId, lineage.version));
    } else {
      device = createDevice(deviceId, input, this.now());
    }
    // Only a first derivation, enabled, is left to the fast path (and no disabled device at all).
    const revoked = device.status !== 'enabled' || (lineage !== undefined && (lineage.version > 0 || prior.lineage !== undefined));
    if (revoked) await this.revoke(deviceId);
    await this.store.create(device, lineage, prior.lineage);
    if (revoked) await this.hooks.onUpdated?.(device, true);
    await this.stream.putJson([
      { partitionKey: deviceId, value: lifecycleEvent(this.hubName, device, 'createDeviceIdentity', this.now()) },
    ]);
    return { device, created: true };
  }

  private async revoke(deviceId: string): Promise<void> {
    await this.derivation?.revoke(deviceId);
  }

  async get(deviceId: string): Promise<Device> {
    return this.store.require(validateDeviceId(deviceId));
  }

  async list(top: string | undefined, continuationToken: string | undefined): Promise<{ devices: Device[]; continuationToken?: string }> {
    const limit = top === undefined ? 100 : Number(top);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new BadRequestError('top must be an integer in 1..1000');
    return this.store.list(limit, continuationToken);
  }

  async delete(deviceId: string, ifMatch: string | undefined): Promise<Device> {
    validateDeviceId(deviceId);
    const wanted = ifMatch === undefined ? undefined : unquote(ifMatch);
    const etag = wanted === undefined || wanted === '*' ? undefined : wanted;
    const device = this.derivation ? await this.deleteRecord(deviceId, etag) : await this.store.delete(deviceId, etag);
    await this.hooks.onDeleted?.(device);
    await this.stream.putJson([
      { partitionKey: deviceId, value: lifecycleEvent(this.hubName, device, 'deleteDeviceIdentity', this.now()) },
    ]);
    return device;
  }

  /**
   * Deletes at the etag read (so a device that gained a lineage meanwhile is never deleted
   * without its tombstone). The id is revoked first, whatever its keys: a deleted or disabled
   * id is refused on the fast path even to a holder of the seed; one with a lineage leaves a
   * tombstone.
   */
  private async deleteRecord(deviceId: string, ifMatch: string | undefined): Promise<Device> {
    for (let attempt = 1; ; attempt++) {
      const { device, lineage } = await this.store.stored(deviceId);
      if (!device) throw new NotFoundError(`Device ${deviceId} not found`);
      if (ifMatch !== undefined && device.etag !== ifMatch) throw new PreconditionFailedError(`Device ${deviceId} etag does not match`);
      await this.revoke(deviceId);
      try {
        return await this.store.delete(deviceId, device.etag, lineage);
      } catch (err) {
        // Changed (or deleted) since the read: an unconditional delete reads again.
        if (!(err instanceof PreconditionFailedError) || ifMatch !== undefined || attempt >= DELETE_ATTEMPTS) throw err;
      }
    }
  }
}

/** Attempts of an unconditional delete that keeps losing to concurrent updates of the device. */
const DELETE_ATTEMPTS = 5;

function unquote(etag: string): string {
  const t = etag.trim().replace(/^W\//, '');
  return t.startsWith('"') && t.endsWith('"') && t.length >= 2 ? t.slice(1, -1) : t;
}
