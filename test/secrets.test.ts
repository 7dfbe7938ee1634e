/**
 * Data at rest and secrets: after traffic of every kind (registry, HTTPS send/receive/settle,
 * WebSocket with the token in the query string, failed authentications), no key or SAS
 * signature generated during the run appears in any log of the test hub; the owner connection
 * file is mode 600; the CLI prints keys only when asked.
 */
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { WsConnectError, WsDevice } from '../client/wsDevice';
import { parseEmf } from '../lib/emfTestkit';
import { hubInfo, newDevice, service, uniqueId } from './support/hub';
import { deviceToken, policyToken, rawRequest, readDeviceKeySeed, readPolicies, signatureOf } from './support/security';

const run = promisify(execFile);
const cli = resolve(__dirname, '../bin/devhub.js');

async function devhub(...args: string[]): Promise<string> {
  const { stdout, stderr } = await run(process.execPath, [cli, ...args], {
    env: { ...process.env, DEVHUB_DATA_DIR: hubInfo().dataDir, DEVHUB_CONNECTION_STRING: '', DEVHUB_URL: '' },
  });
  return stdout + stderr;
}

/** Every form a secret could take in a log line: as is, URL-encoded, JSON-escaped. */
function forms(secret: string): string[] {
  return [...new Set([secret, encodeURIComponent(secret), JSON.stringify(secret).slice(1, -1)])];
}

describe('secrets', () => {
  it('no key or token signature generated during the run appears in any log file of the hub', async () => {
    const secrets = new Map<string, string>(); // secret → what it is
    const policies = await readPolicies();
    for (const p of policies.values()) {
      secrets.set(p.primaryKey, `${p.name} primary key`);
      secrets.set(p.secondaryKey, `${p.name} secondary key`);
    }
    // The seed every derived device key comes from (README "Derived device keys and the hub seed").
    secrets.set(await readDeviceKeySeed(), 'device-key seed');
    const svc = service();
    secrets.set(signatureOf(svc.authorization()), 'owner token signature');

    // Registry, HTTPS telemetry, C2D receive and settle.
    const a = await newDevice('secret-a');
    const b = await newDevice('secret-b');
    for (const d of [a.device, b.device]) {
      secrets.set(d.authentication.symmetricKey.primaryKey, `${d.deviceId} primary key`);
      secrets.set(d.authentication.symmetricKey.secondaryKey, `${d.deviceId} secondary key`);
    }
    secrets.set(signatureOf(a.client.authorization()), 'device token signature');
    await a.client.send({ body: 'hello', properties: { k: 'v' } });
    await svc.sendCommand(a.device.deviceId, { body: 'cmd-1' });
    await svc.sendCommand(a.device.deviceId, { body: 'cmd-2' });
    const first = await a.client.call('GET', `/devices/${a.device.deviceId}/messages/devicebound`);
    expect(first.status).toBe(200);
    expect(
      (await a.client.call('DELETE', `/devices/${a.device.deviceId}/messages/devicebound/${(first.headers.etag ?? '').replace(/"/g, '')}`))
        .status,
    ).toBe(204);
    const second = await a.client.call('GET', `/devices/${a.device.deviceId}/messages/devicebound`);
    expect(
      (
        await a.client.call(
          'DELETE',
          `/devices/${a.device.deviceId}/messages/devicebound/${(second.headers.etag ?? '').replace(/"/g, '')}?reject`,
        )
      ).status,
    ).toBe(204);

    // A device created with keys the caller supplies, and a key roll.
    const supplied = { primaryKey: Buffer.alloc(32, 7).toString('base64'), secondaryKey: Buffer.alloc(32, 9).toString('base64') };
    const rolled = await svc.createDevice(uniqueId('secret-c'), { authentication: { symmetricKey: supplied } });
    secrets.set(supplied.primaryKey, 'supplied primary key');
    secrets.set(supplied.secondaryKey, 'supplied secondary key');
    const newKeys = { primaryKey: Buffer.alloc(32, 11).toString('base64'), secondaryKey: Buffer.alloc(32, 13).toString('base64') };
    await svc.updateDevice(rolled, { authentication: { symmetricKey: newKeys } });
    secrets.set(newKeys.primaryKey, 'rolled primary key');

    // WebSocket with the token in the query string (the form serverless offline could log), and in the header.
    const wsToken = deviceToken(b.device.deviceId, b.device.authentication.symmetricKey.primaryKey);
    secrets.set(signatureOf(wsToken), 'WebSocket query token signature');
    const socket = await WsDevice.connect(hubInfo().wsUrl, wsToken);
    socket.send({ action: 'send', messageId: 'ws-secret', body: 'x' });
    await socket.next((f) => f.messageId === 'ws-secret');
    await socket.close();
    const headerToken = deviceToken(b.device.deviceId, b.device.authentication.symmetricKey.secondaryKey);
    secrets.set(signatureOf(headerToken), 'WebSocket header token signature');
    await (await WsDevice.connect(hubInfo().wsUrl, headerToken, { via: 'header' })).close();

    // Failing authentications: a wrong signature over HTTPS and WebSocket, a wrong policy key.
    const wrongKey = Buffer.alloc(32, 5).toString('base64');
    const badDeviceToken = deviceToken(a.device.deviceId, wrongKey);
    const badPolicyToken = policyToken({ name: 'iothubowner', primaryKey: wrongKey });
    secrets.set(signatureOf(badDeviceToken), 'failed device token signature');
    secrets.set(signatureOf(badPolicyToken), 'failed policy token signature');
    expect(
      (
        await rawRequest({
          method: 'POST',
          path: `/devices/${a.device.deviceId}/messages/events`,
          headers: { authorization: badDeviceToken },
          body: 'x',
        })
      ).status,
    ).toBe(401);
    expect((await rawRequest({ method: 'GET', path: '/devices', headers: { authorization: badPolicyToken } })).status).toBe(401);
    await expect(WsDevice.connect(hubInfo().wsUrl, badDeviceToken)).rejects.toBeInstanceOf(WsConnectError);
    // An error the hub logs with detail (a 5xx path) must not carry the request's token either.
    await rawRequest({
      method: 'POST',
      path: '/routes/test',
      headers: { authorization: policyToken(policies.get('iothubowner') ?? { name: '', primaryKey: '' }) },
      body: '{"condition":"(","message":{}}',
    });

    await new Promise((r) => setTimeout(r, 1000)); // let the log writers flush
    const logDir = join(hubInfo().dataDir, 'logs');
    const files = readdirSync(logDir).filter((f) => f.endsWith('.log'));
    expect(files).toEqual(expect.arrayContaining(['functions.log']));
    const leaks: string[] = [];
    let bytes = 0;
    for (const file of files) {
      const text = readFileSync(join(logDir, file), 'utf8');
      bytes += text.length;
      for (const [secret, what] of secrets) {
        if (secret.length < 16) throw new Error(`secret "${what}" was not captured`);
        for (const form of forms(secret)) if (text.includes(form)) leaks.push(`${what} in ${file}`);
      }
    }
    // The grep reads the right place: the functions' log records this run's requests.
    const functionsLog = readFileSync(join(logDir, 'functions.log'), 'utf8');
    expect(functionsLog).toContain(`/devices/${a.device.deviceId}/messages/events (λ: deviceApi)`);
    expect(functionsLog).toContain('(λ: wsConnect)');
    // ...and it is the Powertools logger and metrics that wrote it: JSON records with the
    // Lambda context and correlation fields, and EMF metrics of this very traffic.
    const records = functionsLog
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(records.some((r) => r.function_request_id !== undefined && r.level !== undefined)).toBe(true);
    expect(records.some((r) => r.level === 'DEBUG')).toBe(true);
    expect(records.some((r) => r.deviceId === a.device.deviceId && r.function_name === 'devhub-test-deviceApi')).toBe(true);
    const emf = parseEmf(functionsLog);
    expect(emf.some((l) => l.values.AuthFailures !== undefined && l.dimensions.Reason === 'BadSignature')).toBe(true);
    expect(emf.some((l) => l.values.MessagesAccepted !== undefined && l.dimensions.Transport === 'websocket')).toBe(true);
    expect(emf.some((l) => l.values.C2dSettled !== undefined && l.dimensions.Outcome === 'Rejected')).toBe(true);
    console.log(`grepped ${files.length} log files (${files.join(', ')}; ${bytes} bytes) for ${secrets.size} secrets`);
    expect(leaks).toEqual([]);
  });

  it('keeps the owner connection file private (mode 600)', () => {
    const file = join(hubInfo().dataDir, 'iothubowner.connection');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8')).toContain('SharedAccessKey=');
  });

  it('the CLI prints keys and connection strings only when asked', async () => {
    const policies = await readPolicies();
    const id = uniqueId('secret-cli');
    const created = await devhub('device', 'create', id);
    const device = await service().getDevice(id);
    const { primaryKey, secondaryKey } = device.authentication.symmetricKey;
    expect(created).toContain(primaryKey); // asked: create prints the connection string

    const policyKeys = [...policies.values()].flatMap((p) => [p.primaryKey, p.secondaryKey]);
    const unasked = { show: await devhub('device', 'show', id), list: await devhub('device', 'list', '--all') };
    for (const [command, output] of Object.entries(unasked)) {
      expect([command, output.includes(id)]).toEqual([command, true]);
      for (const secret of [primaryKey, secondaryKey, ...policyKeys]) expect([command, output.includes(secret)]).toEqual([command, false]);
      expect([command, /SharedAccessKey=/.test(output)]).toEqual([command, false]);
    }
    expect(await devhub('device', 'show', id, '--show-keys')).toContain(secondaryKey);
    expect(await devhub('device', 'connection-string', id)).toContain(`SharedAccessKey=${primaryKey}`);
  });
});
