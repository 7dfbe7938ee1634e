/** The runtime fields of IoT Hub's device JSON: pending commands, connection state, activity. */
import { WsDevice } from '../client/wsDevice';
import { hubInfo, newDevice, service } from './support/hub';

interface DeviceJson {
  deviceId: string;
  cloudToDeviceMessageCount: number;
  connectionState: string;
  connectionStateUpdatedTime: string;
  lastActivityTime: string;
}

const NEVER = '0001-01-01T00:00:00Z';

async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 10_000): Promise<T> {
  let value = await read();
  for (const deadline = Date.now() + timeoutMs; !ok(value) && Date.now() < deadline;) {
    await new Promise((r) => setTimeout(r, 200));
    value = await read();
  }
  return value;
}

describe('device runtime fields', () => {
  it('answers cloudToDeviceMessageCount, connectionState, connectionStateUpdatedTime and lastActivityTime', async () => {
    const svc = service();
    const { device, client, connectionString } = await newDevice('state');
    const get = async () => (await svc.call('GET', `/devices/${device.deviceId}`)).json<DeviceJson>();
    expect(await get()).toMatchObject({
      cloudToDeviceMessageCount: 0,
      connectionState: 'Disconnected',
      connectionStateUpdatedTime: NEVER,
      lastActivityTime: NEVER,
    });

    await svc.sendCommand(device.deviceId, { body: 'a' });
    await svc.sendCommand(device.deviceId, { body: 'b' });
    expect((await get()).cloudToDeviceMessageCount).toBe(2);

    const before = new Date().toISOString();
    await client.send({ body: 'hello' });
    const active = await get();
    expect(active.lastActivityTime >= before).toBe(true);

    const socket = await WsDevice.fromConnectionString(hubInfo().wsUrl, connectionString);
    const connected = await until(get, (d) => d.connectionState === 'Connected');
    expect(connected.connectionState).toBe('Connected');
    expect(connected.connectionStateUpdatedTime >= before).toBe(true);
    const listed = (await svc.call('GET', '/devices?top=1000')).json<DeviceJson[]>().find((d) => d.deviceId === device.deviceId);
    // The list is one page of a scan: the device is on it unless the registry holds more than 1000.
    if (listed) expect(listed).toMatchObject({ connectionState: 'Connected', cloudToDeviceMessageCount: 2 });

    await socket.close();
    const disconnected = await until(get, (d) => d.connectionState === 'Disconnected');
    expect(disconnected.connectionState).toBe('Disconnected');
    expect(disconnected.connectionStateUpdatedTime >= connected.connectionStateUpdatedTime).toBe(true);
  });
});
