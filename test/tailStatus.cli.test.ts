/**
 * `devhub tail` for people and `devhub status`, run as a user would against the test hub:
 * decoded payloads by content type, --device, --props, raw envelopes in a pipe, colours only
 * on a terminal (a real pseudo-terminal through util-linux `script`), status with --json.
 */
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import type { Envelope } from '../lib/envelope';
import type { StatusReport } from '../cli/status/report';
import { devhub } from './support/cli';
import { hubInfo, newDevice } from './support/hub';

const bin = resolve(__dirname, '../bin/devhub.js');

/** Runs the CLI with stdout on a pseudo-terminal, as in an interactive shell. */
async function devhubOnTerminal(...args: string[]): Promise<string> {
  const command = [process.execPath, bin, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const env: NodeJS.ProcessEnv = { ...process.env, DEVHUB_DATA_DIR: hubInfo().dataDir };
  for (const k of Object.keys(env)) if (k.startsWith('AWS_ENDPOINT_URL') || k === 'NO_COLOR') delete env[k];
  const { stdout } = await promisify(execFile)('script', ['-qec', command, '/dev/null'], { env });
  return stdout.replace(/\r\n/g, '\n');
}

describe('devhub tail, decoded for people', () => {
  it('shows JSON pretty, text as text and binary as base64, filtered by device, with properties on request', async () => {
    const { device, client } = await newDevice('tail');
    const other = await newDevice('tail-other');
    await client.send({ body: '{"temp":21,"unit":"C"}', contentType: 'application/json', messageId: 'j1', properties: { alert: 'high' } });
    await other.client.send({ body: 'not mine' });
    await client.send({ body: 'hello there', contentType: 'text/plain', messageId: 't1' });
    await client.send({ body: Buffer.from([0, 1, 2, 255]), contentType: 'application/octet-stream', messageId: 'b1' });

    // Telemetry of this device only; its lifecycle event (creation) comes first.
    const human = await devhub('tail', '--device', device.deviceId, '--human', '--limit', '4');
    expect(human.code).toBe(0);
    const blocks = human.stdout.trim().split('\n\n');
    expect(blocks).toHaveLength(4);
    expect(blocks[0]).toMatch(new RegExp(`^${device.deviceId}  \\S+Z  DeviceLifecycleEvents\\n\\{\\n  "deviceId": "${device.deviceId}"`));
    expect(blocks[1]).toMatch(new RegExp(`^${device.deviceId}  \\S+Z  message-id j1\\n\\{\\n  "temp": 21,\\n  "unit": "C"\\n\\}$`));
    expect(blocks[2]).toMatch(/ message-id t1\nhello there$/);
    expect(blocks[3]).toMatch(/ message-id b1\n\(binary, 4 bytes, base64\)\nAAEC\/w==$/);
    expect(human.stdout).not.toContain('not mine');
    expect(human.stdout).not.toContain('\x1b[');

    const props = await devhub('tail', '--device', device.deviceId, '--props', '--limit', '2');
    const second = props.stdout.trim().split('\n\n')[1] ?? '';
    expect(second).toMatch(/\nproperties:\n {2}alert: high\nsystem properties:\n/);
    expect(second).toContain('  content-type: application/json');
    expect(second).toContain(`  iothub-connection-device-id: ${device.deviceId}`);
    expect(second).toContain('  iothub-message-source: Telemetry');

    // In a pipe the raw envelope stays the default (one JSON object per line).
    const raw = await devhub('tail', '--device', device.deviceId, '--limit', '4');
    const envelopes = raw.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Envelope);
    expect(envelopes.map((e) => e.systemProperties['message-id'] ?? e.messageSource)).toEqual(['DeviceLifecycleEvents', 'j1', 't1', 'b1']);

    // On a terminal: the decoded view by default, in colour; --raw still gives envelopes.
    const tty = await devhubOnTerminal('tail', '--device', device.deviceId, '--limit', '2');
    expect(tty).toContain('\x1b[36m');
    expect(tty).toContain('"temp": 21');
    const ttyRaw = await devhubOnTerminal('tail', '--device', device.deviceId, '--limit', '2', '--raw');
    expect(ttyRaw).not.toContain('\x1b[');
    expect(JSON.parse(ttyRaw.trim().split('\n')[1] ?? '')).toMatchObject({ deviceId: device.deviceId, properties: { alert: 'high' } });

    const conflicting = await devhub('tail', '--raw', '--props');
    expect(conflicting).toMatchObject({ code: 2, stderr: expect.stringMatching(/--props is for the decoded view/) });
  });
});

describe('devhub status', () => {
  it('reports every component of the running test hub, with --json for scripts and exit code 0', async () => {
    const { device } = await newDevice('status');
    const json = await devhub('status', '--json');
    expect(json.code).toBe(0);
    const report = JSON.parse(json.stdout) as StatusReport;
    expect(report.ok).toBe(true);
    expect(report.components.map((c) => [c.name, c.up])).toEqual([
      ['dynamodb', true],
      ['kinesis', true],
      ['sqs', true],
      ['functions', true],
      ['poller', true],
    ]);
    for (const c of report.components) expect(c.pid).toEqual(expect.any(Number));
    expect(report.schedules.length).toBeGreaterThan(0);
    const shards = 'shards' in report.stream ? report.stream.shards : [];
    expect(shards.length).toBeGreaterThan(0);
    // The router's lag on every shard (other stream consumers may be listed too).
    const routerLag = 'lag' in report.stream ? report.stream.lag.filter((l) => l.consumer === 'router') : [];
    expect(routerLag.map((l) => l.shardId).sort()).toEqual([...shards].sort());
    for (const l of routerLag) expect(l).toMatchObject({ behind: expect.any(Number), iteratorAgeMs: expect.any(Number) });
    expect(report.queues.map((q) => q.role)).toEqual(['feedback', 'dead letters', 'router failures']);
    for (const q of report.queues) expect(q).toMatchObject({ visible: expect.any(Number), inFlight: expect.any(Number) });
    expect('devices' in report.registry && report.registry.devices).toBeGreaterThan(0);
    expect(device.deviceId).toBeTruthy();

    const text = await devhub('status');
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^devhub running \(pid \d+\)/);
    expect(text.stdout).toMatch(/up {3}kinesis {4}pid \d+ +port \d+/);
    expect(text.stdout).toContain('All components up.');
  });

  it('exits 1 and says so when no hub runs on the data dir', async () => {
    const env = { ...process.env, DEVHUB_DATA_DIR: resolve(__dirname, '../.no-such-devhub-dir') };
    const run = await promisify(execFile)(process.execPath, [bin, 'status'], { env }).catch((err: { code: number; stdout: string }) => err);
    expect(run).toMatchObject({ code: 1, stdout: expect.stringMatching(/devhub is not running/) });
  });
});
