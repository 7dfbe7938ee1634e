/** The registry service with fake ports (no I/O): validation, etags, hooks and lifecycle events. */
import type { EventStream } from '../envelope';
import { BadRequestError, ConflictError, NotFoundError, PreconditionFailedError } from '../errors';
import type { Device } from './device';
import { RegistryService, type DeviceRecords } from './registryService';

/** In-memory device records with the adapter's contract (conflict, etag precondition, not found). */
function memoryRecords(): DeviceRecords & { devices: Map<string, Device> } {
  const devices = new Map<string, Device>();
  return {
    devices,
    get: async (id) => devices.get(id),
    stored: async (id) => {
      const device = devices.get(id);
      return device ? { device } : {};
    },
    require: async (id) => {
      const d = devices.get(id);
      if (!d) throw new NotFoundError(`Device ${id} not found`);
      return d;
    },
    create: async (d) => {
      if (devices.has(d.deviceId)) throw new ConflictError('exists');
      devices.set(d.deviceId, d);
    },
    replace: async (d, etag) => {
      if (devices.get(d.deviceId)?.etag !== etag) throw new PreconditionFailedError('etag');
      devices.set(d.deviceId, d);
    },
    delete: async (id, ifMatch) => {
      const d = devices.get(id);
      if (!d) throw new NotFoundError(`Device ${id} not found`);
      if (ifMatch !== undefined && d.etag !== ifMatch) throw new PreconditionFailedError('etag');
      devices.delete(id);
      return d;
    },
    list: async (limit) => ({ devices: [...devices.values()].slice(0, limit) }),
  };
}

function setup() {
  const records = memoryRecords();
  const events: unknown[] = [];
  let streamDown = false;
  const stream: EventStream = {
    putJson: async (items) => {
      if (streamDown) throw new Error('kinesis down');
      events.push(...items.map((i) => i.value));
    },
  };
  const calls: string[] = [];
  const service = new RegistryService(records, stream, 'hub', {
    onDeleted: async (d) => void calls.push(`deleted:${d.deviceId}`),
    onUpdated: async (d, authChanged) => void calls.push(`updated:${d.deviceId}:${d.status}${authChanged ? '' : ':tags-only'}`),
  });
  return { service, records, events, calls, breakStream: () => (streamDown = true) };
}

const opType = (e: unknown) => (e as { properties: { opType: string } }).properties.opType;

describe('RegistryService', () => {
  it('creates a device and writes a createDeviceIdentity event', async () => {
    const { service, events } = setup();
    const { device, created } = await service.put('d1', undefined, undefined);
    expect(created).toBe(true);
    expect(device.deviceId).toBe('d1');
    expect(events.map(opType)).toEqual(['createDeviceIdentity']);
  });

  it('refuses an invalid device id and an invalid body with 400, storing nothing', async () => {
    const { service, records } = setup();
    await expect(service.put('bad id/', undefined, undefined)).rejects.toBeInstanceOf(BadRequestError);
    await expect(service.put('d1', '{not json', undefined)).rejects.toBeInstanceOf(BadRequestError);
    expect(records.devices.size).toBe(0);
  });

  it('a second create of the same id is a conflict', async () => {
    const { service } = setup();
    await service.put('d1', undefined, undefined);
    await expect(service.put('d1', undefined, undefined)).rejects.toBeInstanceOf(ConflictError);
  });

  it('fails the create when its lifecycle event cannot be written', async () => {
    const { service, breakStream } = setup();
    breakStream();
    await expect(service.put('d1', undefined, undefined)).rejects.toThrow('kinesis down');
  });

  it('replaces with If-Match (quoted, weak or "*"), calls onUpdated; a stale etag is 412, an unknown device 404', async () => {
    const { service, calls } = setup();
    const { device } = await service.put('d1', undefined, undefined);
    const disabled = JSON.stringify({ deviceId: 'd1', status: 'disabled' });
    const { device: next, created } = await service.put('d1', disabled, `W/"${device.etag}"`);
    expect(created).toBe(false);
    expect(next.status).toBe('disabled');
    expect(calls).toEqual(['updated:d1:disabled']);
    await expect(service.put('d1', disabled, '"stale"')).rejects.toBeInstanceOf(PreconditionFailedError);
    await expect(service.put('d1', disabled, '*')).resolves.toMatchObject({ created: false });
    // Same status and keys: nothing authentication holds changed (the change feed is spared).
    expect(calls).toEqual(['updated:d1:disabled', 'updated:d1:disabled:tags-only']);
    await service.put(
      'd1',
      JSON.stringify({ authentication: { symmetricKey: { primaryKey: Buffer.alloc(32, 3).toString('base64') } } }),
      '*',
    );
    expect(calls.at(-1)).toBe('updated:d1:disabled');
    await expect(service.put('nobody', undefined, '*')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('deletes: hook first, then the deleteDeviceIdentity event; a stale etag is 412 and deletes nothing', async () => {
    const { service, events, calls, records } = setup();
    const { device } = await service.put('d1', undefined, undefined);
    await expect(service.delete('d1', '"stale"')).rejects.toBeInstanceOf(PreconditionFailedError);
    expect(records.devices.has('d1')).toBe(true);
    await service.delete('d1', `"${device.etag}"`);
    expect(calls).toEqual(['deleted:d1']);
    expect(events.map(opType)).toEqual(['createDeviceIdentity', 'deleteDeviceIdentity']);
    await expect(service.delete('d1', '*')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('get validates the id and answers 404 for an unknown device', async () => {
    const { service } = setup();
    await expect(service.get('bad id/')).rejects.toBeInstanceOf(BadRequestError);
    await expect(service.get('nobody')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('list accepts top in 1..1000 only', async () => {
    const { service } = setup();
    await service.put('d1', undefined, undefined);
    await expect(service.list(undefined, undefined)).resolves.toMatchObject({ devices: [{ deviceId: 'd1' }] });
    for (const top of ['0', '1001', '1.5', 'x']) await expect(service.list(top, undefined)).rejects.toBeInstanceOf(BadRequestError);
  });
});
