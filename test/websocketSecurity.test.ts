/**
 * Long-lived sockets stay honest: the hub closes a connection when its SAS token expires, when
 * the device is disabled and when the key that signed the token is regenerated, with a closing
 * frame that says why (API Gateway's close carries no reason of the hub's). Quiet connections
 * are closed by the connection sweep (every 2 s in the test hub, every minute on AWS); active
 * ones on their next frame. The heartbeat answers; the CLI and the example reconnect.
 */
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { WsDevice, type HubFrame } from '../client/wsDevice';
import { buildSasToken, deviceResource } from '../lib/sas';
import { devhub, spawnDevhub, spawnNode } from './support/cli';
import { hubInfo, newDevice, service, uniqueId } from './support/hub';

const wsUrl = () => hubInfo().wsUrl;
const nowSeconds = () => Math.floor(Date.now() / 1000);
const tokenFor = (deviceId: string, key: string, expiry = nowSeconds() + 600) =>
  buildSasToken({ resource: deviceResource('localhost', deviceId), keyBase64: key, expiry });
const isClosing = (f: HubFrame) => f.type === 'closing';

async function closedWith(socket: WsDevice, reason: string): Promise<void> {
  const frame = await socket.next(isClosing, 30_000);
  expect(frame).toMatchObject({ type: 'closing', status: 401, code: 'IotHubUnauthorizedAccess', reason });
  expect((await socket.closed).code).toBeGreaterThan(0);
}

describe('WebSocket authentication after connect', () => {
  it('answers a ping with a pong', async () => {
    const { connectionString } = await newDevice('wsping');
    const socket = await WsDevice.fromConnectionString(wsUrl(), connectionString);
    socket.send({ action: 'ping' });
    expect(await socket.next()).toEqual({ type: 'pong' });
    await socket.close();
  });

  it('closes a quiet connection when its token expires (the sweep), and an active one on its next frame', async () => {
    const { device } = await newDevice('wsexpire');
    const key = device.authentication.symmetricKey.primaryKey;
    const quiet = await WsDevice.connect(wsUrl(), tokenFor(device.deviceId, key, nowSeconds() + 3));
    await closedWith(quiet, 'TokenExpired');

    const other = await newDevice('wsexpire-active');
    const otherKey = other.device.authentication.symmetricKey.primaryKey;
    const expiry = nowSeconds() + 2;
    const active = await WsDevice.connect(wsUrl(), tokenFor(other.device.deviceId, otherKey, expiry));
    active.send({ action: 'ping' });
    expect(await active.next()).toEqual({ type: 'pong' });
    while (nowSeconds() <= expiry) await new Promise((r) => setTimeout(r, 100)); // until the token has expired
    active.send({ action: 'send', messageId: 'after-expiry', body: 'x' });
    await closedWith(active, 'TokenExpired');
    expect(active.pending().filter((f) => f.type === 'ack')).toEqual([]); // nothing accepted after expiry
  });

  it('closes the connection when the device is disabled', async () => {
    const { device, connectionString } = await newDevice('wsdisable');
    const socket = await WsDevice.fromConnectionString(wsUrl(), connectionString);
    await service().updateDevice(device, { status: 'disabled' });
    await closedWith(socket, 'DeviceDisabled');
  });

  it('closes a connection whose signing key was regenerated, and keeps one signed by the unchanged key', async () => {
    const { device } = await newDevice('wsrekey');
    const { primaryKey, secondaryKey } = device.authentication.symmetricKey;
    const byPrimary = await WsDevice.connect(wsUrl(), tokenFor(device.deviceId, primaryKey));
    const fresh = randomBytes(32).toString('base64');
    await service().updateDevice(device, { authentication: { type: 'sas', symmetricKey: { primaryKey: fresh, secondaryKey } } });
    await closedWith(byPrimary, 'KeyRegenerated');

    // (A device holds one socket: a second connection would replace the first.)
    const bySecondary = await WsDevice.connect(wsUrl(), tokenFor(device.deviceId, secondaryKey));
    // A canary whose token expires at once is closed by a sweep that started after bySecondary
    // connected, so that sweep also checked bySecondary against the regenerated keys.
    const canary = await newDevice('wsrekey-canary');
    const canaryKey = canary.device.authentication.symmetricKey.primaryKey;
    await closedWith(await WsDevice.connect(wsUrl(), tokenFor(canary.device.deviceId, canaryKey, nowSeconds() + 2)), 'TokenExpired');
    expect(bySecondary.pending().filter(isClosing)).toEqual([]);
    bySecondary.send({ action: 'ping' });
    expect(await bySecondary.next()).toEqual({ type: 'pong' });
    await bySecondary.close();
  });
});

describe('clients keep their socket', () => {
  it('devhub listen pings, and reconnects with a new token after the hub closes an expired one', async () => {
    const id = uniqueId('wslisten');
    expect((await devhub('device', 'create', id)).code).toBe(0);
    const listener = spawnDevhub('listen', '--device', id, '--token-seconds', '3', '--ping-seconds', '1');
    try {
      await listener.waitFor(/listening as/, 'stderr');
      await listener.waitFor(/"type":"closing".*"reason":"TokenExpired"/, 'stdout', 30_000);
      await listener.waitFor(/disconnected \(code \d+: TokenExpired\); reconnecting in \d+ ms/, 'stderr', 30_000);
      await listener.waitFor(/^reconnected as/, 'stderr', 90_000);
    } finally {
      listener.stop();
    }
  });

  it('the WebSocket example reconnects after its token expires', async () => {
    const id = uniqueId('wsexample');
    const { connectionString } = JSON.parse((await devhub('device', 'create', id)).stdout) as { connectionString: string };
    const example = spawnNode(resolve(__dirname, '../examples/ws-device.js'), [wsUrl()], {
      DEVICE_CONNECTION_STRING: connectionString,
      TOKEN_SECONDS: '3',
      PING_SECONDS: '1',
    });
    try {
      await example.waitFor(/connected/, 'stdout');
      await example.waitFor(/"reason":"TokenExpired"/, 'stdout', 30_000);
      await example.waitFor(/closed \(\d+\); reconnecting in \d+ ms/, 'stdout', 30_000);
      await example.waitFor(/^reconnected$/, 'stdout', 90_000);
    } finally {
      example.stop();
    }
  });
});
