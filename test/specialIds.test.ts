/**
 * Device ids with every special character IoT Hub allows (`- . % _ * ? ! ( ) , : = @ $ '`),
 * including a bare `%` and `%41` (which must stay `%41`, not become `A`), through every route
 * that carries an id: registry, HTTPS device send/receive/complete, service commands and purge,
 * the WebSocket channel, and the CLI. Path parameters are decoded exactly once.
 */
import { randomBytes } from 'node:crypto';
import { DeviceClient } from '../client/clients';
import { WsDevice } from '../client/wsDevice';
import { deviceConnectionString } from '../lib/sas';
import { devhub } from './support/cli';
import { hubInfo, kinesis, service, StreamWatcher } from './support/hub';

const k = kinesis();
afterAll(() => k.destroy());

const suffix = () => randomBytes(3).toString('hex');
const SPECIAL_IDS = [
  () => `pct%41-${suffix()}`,
  () => `bare%-${suffix()}`,
  () => `pct%zz%-${suffix()}`,
  () => `q?mark-${suffix()}`,
  () => `all-._*!(),:=@$'%25-${suffix()}`,
];

describe.each(SPECIAL_IDS.map((make) => [make()]))('device id %s', (id) => {
  it('is the same id through the registry, HTTPS telemetry, commands (send, receive, complete, purge) and WebSocket', async () => {
    const svc = service();
    const created = await svc.createDevice(id);
    expect(created.deviceId).toBe(id);
    expect((await svc.getDevice(id)).deviceId).toBe(id);
    const cs = deviceConnectionString(svc.hostName, id, created.authentication.symmetricKey.primaryKey);
    const device = new DeviceClient(hubInfo().httpUrl, cs);

    const watcher = await StreamWatcher.start(k);
    await device.send({ body: 'over https', messageId: `h-${suffix()}` });
    const ws = await WsDevice.fromConnectionString(hubInfo().wsUrl, cs);
    ws.send({ action: 'send', messageId: 'over-ws', body: 'x' });
    expect(await ws.next((f) => f.type === 'ack')).toMatchObject({ messageId: 'over-ws' });
    const arrived = await watcher.waitFor((e) => e.deviceId === id && e.messageSource === 'Telemetry', 2);
    expect(arrived.map((e) => e.deviceId)).toEqual([id, id]);
    await ws.close();

    await svc.sendCommand(id, { body: 'cmd', messageId: 'c1' });
    const cmd = await device.receive();
    expect(cmd?.messageId).toBe('c1');
    await device.complete(cmd?.lockToken ?? '');
    await svc.sendCommand(id, { body: 'purged', messageId: 'c2' });
    expect(await svc.purgeCommands(id)).toEqual({ deviceId: id, totalMessagesPurged: 1 });

    await svc.deleteDevice(id);
    await expect(svc.getDevice(id)).rejects.toMatchObject({ response: { status: 404 } });
  });

  it('is the same id through the CLI', async () => {
    const cliId = `cli-${id}`;
    const created = await devhub('device', 'create', cliId);
    expect(created).toMatchObject({ code: 0 });
    expect((JSON.parse(created.stdout) as { device: { deviceId: string } }).device.deviceId).toBe(cliId);
    expect(JSON.parse((await devhub('device', 'show', cliId)).stdout)).toMatchObject({ deviceId: cliId });
    expect((await devhub('send', '--device', cliId, '--message-id', 'cli-special', 'hello')).code).toBe(0);
    expect((await devhub('c2d', 'send', cliId, 'hi', '--message-id', 'cli-cmd')).code).toBe(0);
    const received = await devhub('c2d', 'receive', '--device', cliId);
    expect(JSON.parse(received.stdout)).toMatchObject({ messageId: 'cli-cmd' });
    expect((await devhub('device', 'delete', cliId)).code).toBe(0);
  });
});

it('never confuses `%41` with `A`: the two are different devices', async () => {
  const svc = service();
  const s = suffix();
  const encoded = await svc.createDevice(`x%41-${s}`);
  await expect(svc.getDevice(`xA-${s}`)).rejects.toMatchObject({ response: { status: 404 } });
  expect((await svc.getDevice(`x%41-${s}`)).deviceId).toBe(encoded.deviceId);
});
