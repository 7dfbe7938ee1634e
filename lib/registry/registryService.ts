/** Registry operations of the service API: the rules around the device store. */
import type { EventStream } from '../envelope';
import { BadRequestError, NotFoundError } from '../errors';
import { createDevice, parseDeviceInput, updateDevice, validateDeviceId, type Device } from './device';
import { lifecycleEvent } from './lifecycle';

export interface DevicePage {
  devices: Device[];
  continuationToken?: string;
}

/** Port: the device registry's records (lib/adapters/aws/deviceStore.ts). */
export interface DeviceRecords {
  get(deviceId: string): Promise<Device | undefined>;
  /** The device, or a NotFoundError. */
  require(deviceId: string): Promise<Device>;
  /** Creates the device; a ConflictError if it exists. */
  create(device: Device): Promise<void>;
  /** Replaces the device if its etag is still `expectedEtag` (PreconditionFailedError otherwise). */
  replace(device: Device, expectedEtag: string): Promise<void>;
  /** Deletes (if `ifMatch`, only at that etag); returns what was deleted, or a NotFoundError. */
  delete(deviceId: string, ifMatch?: string): Promise<Device>;
  list(limit: number, continuationToken?: string): Promise<DevicePage>;
}

export interface RegistryHooks {
  /** Called after a device is deleted (its command queue goes with it). */
  onDeleted?: (device: Device) => Promise<void>;
  /** Called after a device is replaced (e.g. disabled). */
  onUpdated?: (device: Device) => Promise<void>;
}

export class RegistryService {
  constructor(
    private readonly store: DeviceRecords,
    private readonly stream: EventStream,
    private readonly hubName: string,
    private readonly hooks: RegistryHooks = {},
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** PUT /devices/{id}: creates, or with If-Match (or "*") replaces. */
  async put(deviceId: string, body: string | undefined, ifMatch: string | undefined): Promise<{ device: Device; created: boolean }> {
    validateDeviceId(deviceId);
    const input = parseDeviceInput(body, deviceId);
    if (ifMatch === undefined) {
      const device = createDevice(deviceId, input, this.now());
      await this.store.create(device);
      await this.stream.putJson([
        { partitionKey: deviceId, value: lifecycleEvent(this.hubName, device, 'createDeviceIdentity', this.now()) },
      ]);
      return { device, created: true };
    }
    const existing = await this.store.get(deviceId);
    if (!existing) throw new NotFoundError(`Device ${deviceId} not found`);
    // "*" (quoted, as the Azure SDKs send it, or bare) matches any etag.
    const wanted = unquote(ifMatch);
    const etag = wanted === '*' ? existing.etag : wanted;
    const device = updateDevice(existing, input, this.now());
    await this.store.replace(device, etag);
    await this.hooks.onUpdated?.(device);
    return { device, created: false };
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
    const device = await this.store.delete(deviceId, wanted === undefined || wanted === '*' ? undefined : wanted);
    await this.hooks.onDeleted?.(device);
    await this.stream.putJson([
      { partitionKey: deviceId, value: lifecycleEvent(this.hubName, device, 'deleteDeviceIdentity', this.now()) },
    ]);
    return device;
  }
}

function unquote(etag: string): string {
  const t = etag.trim().replace(/^W\//, '');
  return t.startsWith('"') && t.endsWith('"') && t.length >= 2 ? t.slice(1, -1) : t;
}
