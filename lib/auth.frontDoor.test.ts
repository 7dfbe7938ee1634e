import { Authenticator } from './auth';
import { EMPTY_CHANGES } from './registry/changeFeed';
import type { Device } from './registry/device';
import { buildSasToken, deviceResource } from './sas';

const key = Buffer.alloc(32, 7).toString('base64');
const nowMs = 1_800_000_000_000;
// Exactly what authentication keeps of a device (DeviceCredentials), so it answers an equal copy.
const device = {
  deviceId: 'd1',
  generationId: 'g1',
  status: 'enabled',
  authentication: { type: 'sas', symmetricKey: { primaryKey: key, secondaryKey: key } },
} as Device;
const auth = new Authenticator(
  { getDevice: async (id) => (id === 'd1' ? device : undefined), readChanges: async () => EMPTY_CHANGES, getPolicy: async () => undefined },
  {
    hubHostname: ['api.example.com', 'devices.example.com'],
    cacheTtlMs: 0,
    devices: { ttlMs: 1000, negativeTtlMs: 1000, pollMs: 1000, maxEntries: 10 },
    now: () => nowMs,
  },
);
const token = (host: string) => buildSasToken({ resource: deviceResource(host, 'd1'), keyBase64: key, expiry: nowMs / 1000 + 60 });

describe('device tokens name whichever front door the device connects to', () => {
  it('accepts every configured host', async () => {
    await expect(auth.authenticateDevice(token('api.example.com'), 'd1')).resolves.toEqual(device);
    await expect(auth.authenticateDevice(token('DEVICES.example.com:443'), 'd1')).resolves.toEqual(device);
  });

  it('accepts the function URL host only for a request that arrived through it', async () => {
    const urlHost = 'abc.lambda-url.eu-west-1.on.aws';
    await expect(auth.authenticateDevice(token(urlHost), 'd1', urlHost)).resolves.toEqual(device);
    await expect(auth.authenticateDevice(token(urlHost), 'd1')).rejects.toThrow();
    await expect(auth.authenticateDevice(token('other.lambda-url.eu-west-1.on.aws'), 'd1', urlHost)).rejects.toThrow();
  });
});
