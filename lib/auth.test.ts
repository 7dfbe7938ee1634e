/** The authenticator with a fake registry (no I/O): every refusal path, the device cache and its bound. */
import { Authenticator } from './auth';
import { EMPTY_CHANGES } from './registry/changeFeed';
import { ForbiddenError, UnauthorizedError } from './errors';
import type { Policy } from './policies';
import { createDevice, type Device } from './registry/device';
import { buildSasToken, deviceResource } from './sas';

const HOST = 'hub.example.net';
const KEY = Buffer.alloc(32, 1).toString('base64');
const OTHER_KEY = Buffer.alloc(32, 2).toString('base64');
const NOW_MS = 1_800_000_000_000;
const LATER = NOW_MS / 1000 + 3600;

function setup(over: { device?: Partial<Device>; policies?: Policy[] } = {}) {
  const device: Device = {
    ...createDevice('d1', { authentication: { symmetricKey: { primaryKey: KEY, secondaryKey: OTHER_KEY } } }, new Date(NOW_MS)),
    ...over.device,
  };
  const devices = new Map([[device.deviceId, device]]);
  const policies = new Map((over.policies ?? []).map((p) => [p.name, p]));
  let reads = 0;
  const auth = new Authenticator(
    {
      getDevice: async (id) => {
        reads++;
        return devices.get(id);
      },
      readChanges: async () => EMPTY_CHANGES,
      getPolicy: async (name) => policies.get(name),
    },
    {
      hubHostname: HOST,
      cacheTtlMs: 60_000,
      devices: { pollMs: 5000, ttlMs: 600_000, maxEntries: 1000, negativeTtlMs: 1000 },
      now: () => NOW_MS,
    },
  );
  return { auth, devices, reads: () => reads };
}

const deviceToken = (deviceId = 'd1', key = KEY, expiry = LATER) =>
  buildSasToken({ resource: deviceResource(HOST, deviceId), keyBase64: key, expiry });
const policyToken = (name: string, key = KEY, expiry = LATER, resource = HOST) =>
  buildSasToken({ resource, keyBase64: key, expiry, keyName: name });
const policy = (name: string, permissions: Policy['permissions']): Policy => ({
  name,
  permissions,
  primaryKey: KEY,
  secondaryKey: OTHER_KEY,
});

describe('Authenticator.authenticateDevice', () => {
  it('accepts a token signed with either device key', async () => {
    const { auth } = setup();
    await expect(auth.authenticateDevice(deviceToken(), 'd1')).resolves.toMatchObject({ deviceId: 'd1' });
    await expect(auth.authenticateDevice(deviceToken('d1', OTHER_KEY), 'd1')).resolves.toMatchObject({ deviceId: 'd1' });
  });

  it.each([
    ['no header', undefined, 'd1'],
    ['garbage', 'Bearer x', 'd1'],
    ['an invalid device id', deviceToken(), 'bad id/'],
    ['another device', deviceToken('d1'), 'd2'],
    ['a wrong key', deviceToken('d1', Buffer.alloc(32, 9).toString('base64')), 'd1'],
    ['an expired token', deviceToken('d1', KEY, NOW_MS / 1000 - 1), 'd1'],
  ])('refuses %s with 401', async (_why, header, deviceId) => {
    const { auth } = setup();
    await expect(auth.authenticateDevice(header, deviceId)).rejects.toBeInstanceOf(UnauthorizedError);
  });

  it('refuses a disabled device and an unknown one with 401', async () => {
    await expect(setup({ device: { status: 'disabled' } }).auth.authenticateDevice(deviceToken(), 'd1')).rejects.toBeInstanceOf(
      UnauthorizedError,
    );
    await expect(setup().auth.authenticateDevice(deviceToken('nobody'), 'nobody')).rejects.toBeInstanceOf(UnauthorizedError);
  });

  it('accepts a policy token for the device only if the policy has DeviceConnect', async () => {
    const { auth } = setup({ policies: [policy('devices', ['DeviceConnect']), policy('service', ['ServiceConnect'])] });
    const resource = deviceResource(HOST, 'd1');
    await expect(auth.authenticateDevice(policyToken('devices', KEY, LATER, resource), 'd1')).resolves.toMatchObject({ deviceId: 'd1' });
    await expect(auth.authenticateDevice(policyToken('service', KEY, LATER, resource), 'd1')).rejects.toBeInstanceOf(UnauthorizedError);
    await expect(auth.authenticateDevice(policyToken('nobody', KEY, LATER, resource), 'd1')).rejects.toBeInstanceOf(UnauthorizedError);
  });

  it('caches the device; forgetDevice makes the next request read the registry again', async () => {
    const { auth, devices, reads } = setup();
    await auth.authenticateDevice(deviceToken(), 'd1');
    devices.set('d1', { ...(devices.get('d1') as Device), status: 'disabled' });
    await expect(auth.authenticateDevice(deviceToken(), 'd1')).resolves.toBeDefined(); // within the cache bound
    expect(reads()).toBe(1);
    auth.forgetDevice('d1');
    await expect(auth.authenticateDevice(deviceToken(), 'd1')).rejects.toBeInstanceOf(UnauthorizedError);
    expect(reads()).toBe(2);
  });
});

describe('Authenticator.authenticateService', () => {
  const policies = [policy('registryRead', ['RegistryRead']), policy('owner', ['RegistryWrite', 'ServiceConnect'])];

  it('answers the policy when it grants the permission (RegistryWrite implies RegistryRead)', async () => {
    const { auth } = setup({ policies });
    await expect(auth.authenticateService(policyToken('owner'), 'RegistryRead')).resolves.toMatchObject({ name: 'owner' });
  });

  it('is 403 for a valid policy that lacks the permission', async () => {
    const { auth } = setup({ policies });
    await expect(auth.authenticateService(policyToken('registryRead'), 'RegistryWrite')).rejects.toBeInstanceOf(ForbiddenError);
  });

  it.each([
    ['no header', undefined],
    ['a device token', deviceToken()],
    ['an unknown policy', policyToken('nobody')],
    ['a wrong key', policyToken('owner', Buffer.alloc(32, 9).toString('base64'))],
    ['an expired token', policyToken('owner', KEY, NOW_MS / 1000 - 1)],
  ])('is 401 for %s', async (_why, header) => {
    const { auth } = setup({ policies });
    await expect(auth.authenticateService(header, 'RegistryRead')).rejects.toBeInstanceOf(UnauthorizedError);
  });
});
