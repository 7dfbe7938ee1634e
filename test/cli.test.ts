/** The devhub CLI as a user runs it, against the test hub (found through its data dir). */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Envelope } from '../lib/envelope';
import { devhub, devhubWith, spawnDevhub, spawnNode } from './support/cli';
import { hubInfo, uniqueId } from './support/hub';

/** The test hub's device front door host (its function URL's, distinct from the service host as on AWS). */
const deviceHost = () => new URL(hubInfo().deviceUrl).hostname;

describe('devhub CLI', () => {
  it('prints help for every command and exits 0', async () => {
    for (const args of [
      ['--help'],
      ['device', '--help'],
      ['device', 'create', '--help'],
      ['send', '--help'],
      ['tail', '--help'],
      ['status', '--help'],
    ]) {
      const run = await devhub(...args);
      expect({ args, code: run.code }).toEqual({ args, code: 0 });
      expect(run.stdout).toMatch(/Usage: devhub/);
    }
  });

  it('manages a device: create (with its connection string), show (keys hidden), disable, enable, list, delete', async () => {
    const id = uniqueId('cli');
    const created = await devhub('device', 'create', id, '--tags', '{"site":"oslo"}');
    expect(created.code).toBe(0);
    const out = JSON.parse(created.stdout) as {
      device: { tags: unknown; authentication: { symmetricKey: { primaryKey: string } } };
      connectionString: string;
    };
    expect(out.device.tags).toEqual({ site: 'oslo' });
    // The device front door's host the hub publishes (GET /auth/policy deviceHostName), not the service host.
    expect(out.connectionString).toBe(
      `HostName=${deviceHost()};DeviceId=${id};SharedAccessKey=${out.device.authentication.symmetricKey.primaryKey}`,
    );
    expect(deviceHost()).not.toBe(new URL(hubInfo().httpUrl).hostname);

    const shown = await devhub('device', 'show', id);
    expect(shown.stdout).not.toContain(out.device.authentication.symmetricKey.primaryKey);
    expect((await devhub('device', 'show', id, '--show-keys')).stdout).toContain(out.device.authentication.symmetricKey.primaryKey);
    expect((await devhub('device', 'connection-string', id)).stdout.trim()).toBe(out.connectionString);

    expect(JSON.parse((await devhub('device', 'disable', id, '--reason', 'lost')).stdout)).toMatchObject({
      status: 'disabled',
      statusReason: 'lost',
    });
    expect(JSON.parse((await devhub('device', 'enable', id)).stdout)).toMatchObject({ status: 'enabled' });
    const listed = (await devhub('device', 'list', '--all')).stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { deviceId: string });
    expect(listed.map((d) => d.deviceId)).toContain(id);
    expect((await devhub('device', 'delete', id)).code).toBe(0);
    const gone = await devhub('device', 'show', id);
    expect(gone.code).toBe(1);
    expect(gone.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^devhub: 404: .*DeviceNotFound/)]);
  });

  it('sends as a device (by id and by connection string, body from a file) and tails the stream', async () => {
    const id = uniqueId('clisend');
    const { connectionString } = JSON.parse((await devhub('device', 'create', id)).stdout) as { connectionString: string };
    const started = new Date().toISOString();
    const file = join(mkdtempSync(join(tmpdir(), 'devhub-cli-')), 'body.bin');
    writeFileSync(file, Buffer.from([1, 2, 3, 0, 255]));
    const first = await devhub(
      'send',
      '--device',
      id,
      '--property',
      'kind=test',
      '--message-id',
      'cli-1',
      '--content-type',
      'application/json',
      '{"a":1}',
    );
    expect(first).toMatchObject({ code: 0, stdout: expect.stringContaining('cli-1') });
    expect(connectionString.startsWith(`HostName=${deviceHost()};`)).toBe(true);
    expect((await devhub('send', '--device-connection-string', connectionString, `@${file}`)).code).toBe(0);

    const tail = await devhub('tail', '--from', started, '--limit', '1000');
    expect(tail.code).toBe(0);
    const mine = tail.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Envelope)
      .filter((e) => e.deviceId === id && e.messageSource === 'Telemetry');
    expect(mine).toHaveLength(2);
    expect(mine[0]?.properties).toEqual({ kind: 'test' });
    expect(mine[0]?.systemProperties['content-type']).toBe('application/json');
    expect(Buffer.from(mine[1]?.body ?? '', 'base64')).toEqual(Buffer.from([1, 2, 3, 0, 255]));
  });

  it('reports errors in one line with a non-zero exit', async () => {
    const unknown = await devhub('frobnicate');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^devhub: unknown command "frobnicate"/);
    const missing = await devhub('device', 'create');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^devhub: missing required argument "device-id"/);
    const badTags = await devhub('device', 'create', 'x', '--tags', '{nope');
    expect(badTags.code).toBe(2);
    const badFlag = await devhub('tail', '--from', 'yesterday-ish');
    expect(badFlag.code).toBe(2);
    const noDevice = await devhub('send', 'hello');
    expect(noDevice).toMatchObject({ code: 2, stderr: expect.stringMatching(/--device/) });
    const badCs = await devhub('send', '--device-connection-string', 'HostName=x', 'hi');
    expect(badCs).toMatchObject({ code: 1, stderr: expect.stringMatching(/^devhub: connection string needs/) });
  });
});

describe('devhub and the device front door the hub publishes', () => {
  it('with DEVHUB_URL (as for a deployed hub) asks the hub: connection strings name the device host, sends go to it', async () => {
    const id = uniqueId('clihost');
    const deployed = { DEVHUB_URL: hubInfo().httpUrl };
    const created = await devhubWith(deployed, 'device', 'create', id, '--json');
    const { connectionString } = JSON.parse(created.stdout) as { connectionString: string };
    expect(connectionString.startsWith(`HostName=${deviceHost()};DeviceId=${id};`)).toBe(true);
    expect((await devhubWith(deployed, 'device', 'connection-string', id)).stdout.trim()).toBe(connectionString);

    // Devices send to https://{deviceHostName}: locally nothing serves HTTPS on 127.0.0.1:443.
    const toPublishedHost = await devhubWith(deployed, 'send', '--device', id, 'lost');
    expect(toPublishedHost).toMatchObject({ code: 1, stderr: expect.stringContaining('127.0.0.1:443') });
    expect(toPublishedHost.stderr).toContain('For a deployed hub, check DEVHUB_URL and, for device commands, DEVHUB_DEVICE_URL.');

    // DEVHUB_DEVICE_URL names the device front door's URL (here the local function URL front).
    const started = new Date().toISOString();
    const viaFront = { ...deployed, DEVHUB_DEVICE_URL: hubInfo().deviceUrl };
    const sent = await devhubWith(viaFront, 'send', '--device-connection-string', connectionString, '--message-id', 'host-1', 'found');
    expect(sent.code).toBe(0);
    const tail = await devhub('tail', '--from', started, '--device', id, '--limit', '1', '--raw');
    expect((JSON.parse(tail.stdout) as Envelope).systemProperties['message-id']).toBe('host-1');
  });
});

describe('devhub over the WebSocket', () => {
  it('sends telemetry with send --ws (acknowledged) and receives pushed commands with listen --auto complete', async () => {
    const id = uniqueId('cliws');
    expect((await devhub('device', 'create', id)).code).toBe(0);
    const sent = await devhub('send', '--ws', '--device', id, '--message-id', 'ws-cli-1', '--property', 'via=ws', 'over the socket');
    expect(sent).toMatchObject({ code: 0, stdout: expect.stringContaining('ws-cli-1') });

    const listener = spawnDevhub('listen', '--device', id, '--auto', 'complete');
    try {
      await listener.waitFor(/listening as/, 'stderr');
      expect((await devhub('c2d', 'send', id, 'hello device', '--message-id', 'cmd-cli-ws', '--ack', 'full')).code).toBe(0);
      const line = await listener.waitFor(/"type":"c2d"/, 'stdout');
      expect(JSON.parse(line)).toMatchObject({ type: 'c2d', messageId: 'cmd-cli-ws' });
      await listener.waitFor(/"type":"settled"/, 'stdout');
    } finally {
      listener.stop();
    }
    const feedback = await devhub('feedback', 'tail', '--device', id);
    expect(feedback.stdout).toMatch(/"statusCode":"Success"/);
  });

  it('runs the minimal WebSocket device example', async () => {
    const id = uniqueId('example');
    const { connectionString } = JSON.parse((await devhub('device', 'create', id)).stdout) as { connectionString: string };
    const example = spawnNode(resolve(__dirname, '../examples/ws-device.js'), [hubInfo().wsUrl], {
      DEVICE_CONNECTION_STRING: connectionString,
    });
    try {
      await example.waitFor(/connected/, 'stdout');
      await example.waitFor(/"type":"ack"/, 'stdout', 15_000); // its first reading, 5 s in
    } finally {
      example.stop();
    }
  });
});
