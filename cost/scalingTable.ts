/**
 * `npm run cost:table`: the cost rows of docs/scaling.md's summary, regenerated from the model
 * (dist/cost.js --json, one run per row and device front door) so the document never drifts from
 * `npm run cost`. Prints a Markdown table: devhub through each front door beside Azure IoT Hub and
 * AWS IoT Core (with and without Basic Ingest) for the same traffic, who wins by how much, and
 * devhub's fixed part of the month and per-message floor (what bounds its price per million).
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

interface Row {
  step: string;
  devices: number;
  peakPerSecond: number;
  batch: number;
  c2dPerDevicePerDay?: number;
}

const ROWS: Row[] = [
  { step: '1', devices: 1, peakPerSecond: 10, batch: 1 },
  { step: '2', devices: 1_000, peakPerSecond: 1_000, batch: 1 },
  { step: '2', devices: 1_000, peakPerSecond: 1_000, batch: 10 },
  { step: '3', devices: 100_000, peakPerSecond: 10_000, batch: 1 },
  { step: '3', devices: 100_000, peakPerSecond: 10_000, batch: 10 },
  { step: '4', devices: 1_000_000, peakPerSecond: 100_000, batch: 1 },
  { step: '4', devices: 1_000_000, peakPerSecond: 100_000, batch: 10 },
  { step: '4', devices: 1_000_000, peakPerSecond: 100_000, batch: 100 },
  { step: 'idle', devices: 1_000_000, peakPerSecond: 1_667, batch: 1, c2dPerDevicePerDay: 1 },
];

interface Report {
  totalUsd: number;
  perMillionMessagesUsd: number;
  floor: { fixedUsd: number; perMessageFloorPerMillionUsd: number };
  peers: { name: string; monthlyUsd: number; summary: string }[];
}

function cost(root: string, r: Row, frontDoor: string, extra: string[]): Report {
  const args = [
    join(root, 'dist/cost.js'),
    '--messages-per-day',
    String(r.peakPerSecond * 86_400),
    '--message-size',
    '1024',
    '--devices',
    String(r.devices),
    '--batch',
    String(r.batch),
    '--c2d-per-device-per-day',
    String(r.c2dPerDevicePerDay ?? 0),
    '--set',
    'peakToAverage=1',
    '--device-front-door',
    frontDoor,
    '--json',
    ...extra,
  ];
  return JSON.parse(execFileSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })) as Report;
}

const usd = (n: number) => `$${n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(2)}`;
const perM = (n: number) => `$${n.toFixed(2)}`;

function main(): void {
  const root = join(__dirname, '..');
  const extra = process.argv.slice(2);
  const out: string[] = [
    '| Step | Devices | Peak msg/s | Batch | devhub, function URL | devhub, HTTP API | Azure IoT Hub | AWS IoT Core | IoT Core Basic Ingest | Cheapest (function URL vs the cheapest peer) | devhub fixed part + per-message floor (function URL) |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const r of ROWS) {
    const url = cost(root, r, 'functionUrl', extra);
    const api = cost(root, r, 'httpApi', extra);
    const peers = url.peers.map((p) => ({ name: p.name, usd: p.monthlyUsd, summary: p.summary }));
    const cheapestPeer = peers.reduce((a, b) => (b.usd < a.usd ? b : a));
    const verdict =
      url.totalUsd <= cheapestPeer.usd
        ? `devhub, ${Math.round((1 - url.totalUsd / cheapestPeer.usd) * 100)}% below ${cheapestPeer.name}`
        : `**${cheapestPeer.name}**, ${usd(url.totalUsd - cheapestPeer.usd)}/month (${Math.round((url.totalUsd / cheapestPeer.usd - 1) * 100)}%) below devhub`;
    const azure = peers.find((p) => p.name === 'Azure IoT Hub');
    out.push(
      `| ${r.step} | ${r.devices.toLocaleString('en-US')} | ${r.peakPerSecond.toLocaleString('en-US')}${r.c2dPerDevicePerDay ? ` (+${r.c2dPerDevicePerDay} C2D/device/day)` : ''} | ${r.batch} | ` +
        `${usd(url.totalUsd)} (${perM(url.perMillionMessagesUsd)}/M) | ${usd(api.totalUsd)} (${perM(api.perMillionMessagesUsd)}/M) | ` +
        `${usd(azure?.usd ?? 0)} (${(azure?.summary ?? '').split(':')[0]}) | ${usd(peers[1]?.usd ?? 0)} | ${usd(peers[2]?.usd ?? 0)} | ${verdict} | ` +
        `${usd(url.floor.fixedUsd)}/month + ${perM(url.floor.perMessageFloorPerMillionUsd)}/M |`,
    );
  }
  console.log(out.join('\n'));
}

main();
