/**
 * Log volume on the hot path (README "Cost"): a device's telemetry and command traffic writes no
 * log line at INFO or above, through either front door. The test hub logs at DEBUG
 * (test/support/config.ts), so every line the functions write is in the functions' log; the
 * correlation keys put the device id on each line of its requests.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DeviceClient } from '../client/clients';
import { deviceConnectionString } from '../lib/sas';
import { hubInfo, newDevice, service } from './support/hub';

interface LogLine {
  level?: string;
  message?: string;
  deviceId?: string;
}

function linesFor(deviceId: string): LogLine[] {
  const text = readFileSync(join(hubInfo().dataDir, 'logs', 'functions.log'), 'utf8');
  return text
    .split('\n')
    .filter((l) => l.startsWith('{') && l.includes(deviceId))
    .map((l) => JSON.parse(l) as LogLine)
    .filter((l) => l.deviceId === deviceId);
}

it('a device sending, receiving and settling through both front doors logs nothing at INFO or above', async () => {
  const { device, client: viaHttpApi } = await newDevice('quiet');
  const host = new URL(hubInfo().deviceUrl).hostname;
  const viaUrl = new DeviceClient(
    hubInfo().deviceUrl,
    deviceConnectionString(host, device.deviceId, device.authentication.symmetricKey.primaryKey),
  );
  const svc = service();
  for (const client of [viaHttpApi, viaUrl]) {
    for (let i = 0; i < 10; i++) await client.send({ body: `m${i}`, messageId: `m${i}` });
    await svc.sendCommand(device.deviceId, { body: 'c' });
    const received = await client.receive();
    await client.complete(received?.lockToken ?? '');
    // A refused request (an unknown lock) is logged at DEBUG only.
    expect((await client.settleRaw('complete', received?.lockToken ?? '')).status).toBe(412);
  }
  // The functions' output reaches the log file asynchronously: wait until the refusals' lines are there.
  let lines: LogLine[] = [];
  for (let i = 0; i < 100 && lines.filter((l) => l.message === 'request refused').length < 2; i++) {
    await new Promise((r) => setTimeout(r, 100));
    lines = linesFor(device.deviceId);
  }
  expect(lines.filter((l) => l.message === 'request refused')).toHaveLength(2);
  expect(lines.filter((l) => l.level !== 'DEBUG')).toEqual([]);
});
