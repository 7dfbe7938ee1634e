/**
 * The staleness bound of device authentication (lib/registry/deviceCache.ts): device credentials
 * are cached for long and evicted through the registry's change feed, read at most
 * REGISTRY_CHANGE_POLL_MS old (1000 ms in tests). A disable, key rotation or delete must refuse
 * every request that starts once that bound has passed since the registry answered.
 */
import { randomBytes } from 'node:crypto';
import { DeviceClient } from '../client/clients';
import { deviceConnectionString } from '../lib/sas';
import { TEST_PARAMS } from './support/config';
import { hubInfo, newDevice, service } from './support/hub';

const BOUND_MS = Number(TEST_PARAMS.registryChangePollMs);

/** Waits until `bound` ms have passed since `since` (never beyond it). */
async function untilBound(since: number): Promise<void> {
  const left = since + BOUND_MS - Date.now();
  if (left > 0) await new Promise((r) => setTimeout(r, left));
}

/** Keeps the device's credentials hot in the function's cache (several requests, as a chatty device would). */
async function warm(client: DeviceClient): Promise<void> {
  for (let i = 0; i < 3; i++) expect((await client.sendRaw({ body: `warm-${i}` })).status).toBe(204);
}

async function expectRefusedFromNowOn(client: DeviceClient): Promise<void> {
  for (let i = 0; i < 3; i++) {
    const res = await client.sendRaw({ body: `after-${i}` });
    expect(res.status).toBe(401);
    expect(res.headers['iothub-errorcode']).toBe('IotHubUnauthorizedAccess');
  }
}

describe('device authentication follows registry changes within REGISTRY_CHANGE_POLL_MS', () => {
  it('a disabled device is refused once the bound has passed, and accepted again after re-enabling', async () => {
    const { device, client } = await newDevice('stale-disable');
    await warm(client);
    const svc = service();
    const disabled = await svc.updateDevice(await svc.getDevice(device.deviceId), { status: 'disabled' });
    await untilBound(Date.now());
    await expectRefusedFromNowOn(client);
    await svc.updateDevice(disabled, { status: 'enabled' });
    await untilBound(Date.now());
    expect((await client.sendRaw({ body: 'again' })).status).toBe(204);
  });

  it('a rotated key is refused once the bound has passed; the new key works', async () => {
    const { device, client } = await newDevice('stale-rotate');
    await warm(client);
    const svc = service();
    const fresh = randomBytes(32).toString('base64');
    const rotated = await svc.updateDevice(await svc.getDevice(device.deviceId), {
      authentication: { type: 'sas', symmetricKey: { primaryKey: fresh, secondaryKey: randomBytes(32).toString('base64') } },
    });
    const changedAt = Date.now();
    expect(rotated.authentication.symmetricKey.primaryKey).toBe(fresh);
    await untilBound(changedAt);
    await expectRefusedFromNowOn(client);
    const renewed = new DeviceClient(hubInfo().httpUrl, deviceConnectionString(svc.hostName, device.deviceId, fresh));
    expect((await renewed.sendRaw({ body: 'new key' })).status).toBe(204);
  });

  it('a deleted device is refused once the bound has passed, and a re-created one uses only its new keys', async () => {
    const { device, client } = await newDevice('stale-delete');
    await warm(client);
    const svc = service();
    await svc.deleteDevice(device.deviceId);
    await untilBound(Date.now());
    await expectRefusedFromNowOn(client);
    const again = await svc.createDevice(device.deviceId);
    const renewed = new DeviceClient(
      hubInfo().httpUrl,
      deviceConnectionString(svc.hostName, device.deviceId, again.authentication.symmetricKey.primaryKey),
    );
    // The unknown id was remembered for at most a second (negative cache): drive to acceptance.
    let status = 0;
    for (let i = 0; i < 100 && status !== 204; i++) {
      status = (await renewed.sendRaw({ body: 're-created' })).status;
      if (status !== 204) await new Promise((r) => setTimeout(r, 100));
    }
    expect(status).toBe(204);
    await expectRefusedFromNowOn(client);
  });
});
