/** Where the CLI sends a device's requests and which host its connection strings name (Hub.deviceFrontDoor). */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HubInfo, ServiceClient } from '../client/clients';
import { Hub } from './hub';

const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
});

/** A hub whose service API answers GET /auth/policy with `published`; no device URL recorded unless given. */
function hubPublishing(published: Partial<HubInfo>, env: Record<string, string> = {}, recordedDeviceUrl?: string): Hub {
  const dataDir = mkdtempSync(join(tmpdir(), 'devhub-cli-hub-'));
  writeFileSync(
    join(dataDir, 'endpoints.json'),
    JSON.stringify({ httpUrl: 'http://localhost:3000', ...(recordedDeviceUrl ? { deviceUrl: recordedDeviceUrl } : {}) }),
  );
  for (const k of ['DEVHUB_URL', 'DEVHUB_DEVICE_URL', 'DEVHUB_CONNECTION_STRING']) delete process.env[k];
  Object.assign(process.env, { DEVHUB_DATA_DIR: dataDir, ...env });
  const hub = new Hub();
  const service = { hostName: 'api.example.com', hubInfo: () => Promise.resolve({ hostName: 'api.example.com', ...published }) };
  jest.spyOn(hub, 'service').mockReturnValue(service as unknown as ServiceClient);
  return hub;
}

describe('Hub.deviceFrontDoor', () => {
  it('a deployed hub with a function URL: its host, over HTTPS', async () => {
    const hub = hubPublishing({ deviceHostName: 'abc.lambda-url.eu-west-1.on.aws' }, { DEVHUB_URL: 'https://api.example.com' });
    await expect(hub.deviceFrontDoor()).resolves.toEqual({
      hostName: 'abc.lambda-url.eu-west-1.on.aws',
      url: 'https://abc.lambda-url.eu-west-1.on.aws',
    });
    await expect(hub.connectionStringFor('d1', 'a2V5')).resolves.toBe(
      'HostName=abc.lambda-url.eu-west-1.on.aws;DeviceId=d1;SharedAccessKey=a2V5',
    );
  });

  it('devices on the HTTP API (the hub names its own host) or an older hub (names none): the service URL', async () => {
    const url = 'https://api.example.com/prefix';
    await expect(hubPublishing({ deviceHostName: 'api.example.com' }, { DEVHUB_URL: url }).deviceFrontDoor()).resolves.toEqual({
      hostName: 'api.example.com',
      url,
    });
    await expect(hubPublishing({}, { DEVHUB_URL: url }).deviceFrontDoor()).resolves.toEqual({ hostName: 'api.example.com', url });
  });

  it('the URL DEVHUB_DEVICE_URL names, else the one npm start recorded (unless DEVHUB_URL points elsewhere)', async () => {
    const published = { deviceHostName: 'devices.example.com' };
    const override = hubPublishing(published, { DEVHUB_URL: 'https://api.example.com', DEVHUB_DEVICE_URL: 'https://cdn.example.com/' });
    await expect(override.deviceFrontDoor()).resolves.toEqual({ hostName: 'devices.example.com', url: 'https://cdn.example.com' });
    const local = hubPublishing(published, {}, 'http://127.0.0.1:3010');
    await expect(local.deviceFrontDoor()).resolves.toEqual({ hostName: 'devices.example.com', url: 'http://127.0.0.1:3010' });
    const elsewhere = hubPublishing(published, { DEVHUB_URL: 'https://api.example.com' }, 'http://127.0.0.1:3010');
    await expect(elsewhere.deviceFrontDoor()).resolves.toEqual({ hostName: 'devices.example.com', url: 'https://devices.example.com' });
  });

  it('asks the hub once per run', async () => {
    const hub = hubPublishing({ deviceHostName: 'devices.example.com' });
    const service = hub.service() as unknown as { hubInfo: () => Promise<HubInfo> };
    const ask = jest.spyOn(service, 'hubInfo');
    await Promise.all([hub.deviceFrontDoor(), hub.connectionStringFor('a', 'a2V5'), hub.connectionStringFor('b', 'a2V5')]);
    expect(ask).toHaveBeenCalledTimes(1);
  });

  it('a device alone (no service connection string to ask with): where its connection string says', async () => {
    const cs = 'HostName=abc.lambda-url.eu-west-1.on.aws;DeviceId=d1;SharedAccessKey=a2V5';
    const alone = hubPublishing({});
    expect((await alone.device({ deviceConnectionString: cs })).baseUrl).toBe('https://abc.lambda-url.eu-west-1.on.aws');
    const viaGateway = hubPublishing({}, { DEVHUB_URL: 'https://iot.example.com/hub' });
    const gatewayCs = cs.replace('abc.lambda-url.eu-west-1.on.aws', 'iot.example.com');
    expect((await viaGateway.device({ deviceConnectionString: gatewayCs })).baseUrl).toBe('https://iot.example.com/hub');
    expect(jest.mocked(alone.service)).not.toHaveBeenCalled();
  });
});
