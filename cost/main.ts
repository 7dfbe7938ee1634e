/**
 * `npm run cost -- --messages-per-day <n> --message-size <bytes> --batch <n> --devices <n>
 *   [--c2d-per-device-per-day <n>] [--routes <n>] [--json] ...`
 * Prints the monthly AWS cost of this deployment for a traffic profile, from the settings in
 * serverless.yml, the price table in cost/prices.json and the assumptions in
 * cost/assumptions.json. The only I/O around the pure model in this folder (with serverlessPrint.ts).
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { checkAssumptions, mergeAssumptions, setAssumption, setDuration } from './assumptions';
import { estimate } from './estimate';
import { waitingSensitivity } from './waitingSensitivity';
import { renderReport } from './format';
import { parseBytes, parseCount, parseFraction } from './quantity';
import { deriveSettings } from './settings';
import {
  applyMeasured,
  deviceApiCallsLine,
  parseMeasured,
  type AppliedMeasurement,
  type DeviceApiCallDuration,
  type Measured,
} from './measured';
import { serverlessPrint } from './serverlessPrint';
import type { KinesisMode, PriceTable, TrafficProfile } from './types';

const usage = `Usage: npm run cost -- --messages-per-day <n> --message-size <bytes> --devices <n> [options]

Traffic:
  --messages-per-day <n>          device-to-cloud messages a day (1000000, 1e6, 1M)
  --message-size <bytes>          body + application properties (1024, 1KB)
  --batch <n>                     messages per HTTPS request / WebSocket sendBatch frame (default 1)
  --devices <n>                   devices
  --c2d-per-device-per-day <n>    cloud-to-device commands per device a day (default 0)
  --c2d-message-size <bytes>      command size (default: --message-size)
  --routes <n>                    routes, each to its own SQS queue endpoint (default 0)
  --websocket-fraction <f>        share of devices on the WebSocket channel, 0..1 (default 0: HTTPS)
Deployment:
  --kinesis-mode <m>              provisioned | on-demand (default: as in serverless.yml)
  --device-front-door <d>         functionUrl | httpApi: how devices reach the device API (default: as in
                                  serverless.yml, e.g. --param deviceFrontDoor=httpApi)
  --param <k=v>                   serverless.yml parameter, e.g. eventsShardCount=4 (repeatable)
  --stage <name>                  stage (default dev)
  --serverless <file>             service file (default serverless.yml), read through 'serverless print'
                                  (cached per file hash in node_modules/.cache/devhub-cost)
Assumptions and prices:
  --duration <fn=ms>              billed ms per invocation, fn one of deviceApi, serviceApi, router,
                                  wsConnect, wsDisconnect, wsMessage, sweeper (repeatable); deviceApi's
                                  is a D2C send's: its C2D calls are --set deviceApiC2d.receiveMs=<ms>
                                  (completeMs, emptyPollMs)
  --set <path=value>              any value of cost/assumptions.json, e.g. router.routeMatchFraction=0.3
  --measured <file>               measured assumptions written by npm run bench (default cost/measured.json
                                  when it exists): each measured function's duration at its memory size,
                                  per-item time, log and EMF bytes, and the device API's C2D receive,
                                  complete and empty poll durations, applied over cost/assumptions.json
  --no-measured                   price with cost/assumptions.json alone
  --assumptions <file>            JSON merged over the assumptions (applied after the measured file)
  --prices <file>                 price table (default cost/prices.json)
Output:
  --json                          the full report as JSON
  -h, --help`;

function main(argv: string[]): number {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      'messages-per-day': { type: 'string' },
      'message-size': { type: 'string' },
      batch: { type: 'string' },
      devices: { type: 'string' },
      'c2d-per-device-per-day': { type: 'string' },
      'c2d-message-size': { type: 'string' },
      routes: { type: 'string' },
      'websocket-fraction': { type: 'string' },
      'kinesis-mode': { type: 'string' },
      'device-front-door': { type: 'string' },
      param: { type: 'string', multiple: true },
      stage: { type: 'string' },
      serverless: { type: 'string' },
      duration: { type: 'string', multiple: true },
      set: { type: 'string', multiple: true },
      assumptions: { type: 'string', multiple: true },
      measured: { type: 'string' },
      'no-measured': { type: 'boolean' },
      prices: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(usage);
    return 0;
  }
  const required = (name: 'messages-per-day' | 'message-size' | 'devices'): string => {
    const v = values[name];
    if (v === undefined) throw new UsageError(`--${name} is required`);
    return v;
  };

  // The bundle lives in dist/; the repository root is its parent.
  const root = basename(__dirname) === 'dist' ? dirname(__dirname) : process.cwd();
  const messageSize = parseBytes(required('message-size'), 'message-size');
  const traffic: TrafficProfile = {
    messagesPerDay: parseCount(required('messages-per-day'), 'messages-per-day'),
    messageSizeBytes: messageSize,
    batchSize: values.batch !== undefined ? parseCount(values.batch, 'batch') : 1,
    devices: parseCount(required('devices'), 'devices'),
    c2dPerDevicePerDay:
      values['c2d-per-device-per-day'] !== undefined ? parseCount(values['c2d-per-device-per-day'], 'c2d-per-device-per-day') : 0,
    c2dMessageSizeBytes:
      values['c2d-message-size'] !== undefined ? parseBytes(values['c2d-message-size'], 'c2d-message-size') : messageSize,
    routes: values.routes !== undefined ? parseCount(values.routes, 'routes') : 0,
    websocketFraction: values['websocket-fraction'] !== undefined ? parseFraction(values['websocket-fraction'], 'websocket-fraction') : 0,
  };
  const kinesisMode = values['kinesis-mode'];
  if (kinesisMode !== undefined && kinesisMode !== 'provisioned' && kinesisMode !== 'on-demand') {
    throw new UsageError(`--kinesis-mode must be provisioned or on-demand, got "${kinesisMode}"`);
  }

  const params: Record<string, string> = {};
  for (const p of values.param ?? []) {
    const eq = p.indexOf('=');
    if (eq <= 0) throw new UsageError(`--param expects k=v, got "${p}"`);
    params[p.slice(0, eq)] = p.slice(eq + 1);
  }
  const stage = values.stage ?? 'dev';
  const serverlessFile = resolve(root, values.serverless ?? 'serverless.yml');
  const resolved = serverlessPrint({ root, file: serverlessFile, stage, params });
  const settings = deriveSettings(resolved);
  const frontDoor = values['device-front-door'];
  if (frontDoor !== undefined) {
    if (frontDoor !== 'functionUrl' && frontDoor !== 'httpApi') {
      throw new UsageError(`--device-front-door must be functionUrl or httpApi, got "${frontDoor}"`);
    }
    if (frontDoor !== settings.deviceFrontDoor)
      settings.notes.push(`device front door ${frontDoor} (--device-front-door; serverless.yml: ${settings.deviceFrontDoor})`);
    settings.deviceFrontDoor = frontDoor;
  }

  const prices = readJson(resolve(root, values.prices ?? 'cost/prices.json')) as PriceTable;
  const defaults = readJson(resolve(root, 'cost/assumptions.json'));
  // Precedence: cost/assumptions.json < the bench's measurements < --assumptions files < --duration / --set.
  let merged: unknown = checkAssumptions(mergeAssumptions(defaults, {}), defaults);
  const measuredFile = values['no-measured'] ? undefined : resolve(process.cwd(), values.measured ?? resolve(root, 'cost/measured.json'));
  let measured: { file: string; data: Measured; applied: AppliedMeasurement[]; calls: DeviceApiCallDuration[] } | undefined;
  if (measuredFile !== undefined && (values.measured !== undefined || existsSync(measuredFile))) {
    const data = parseMeasured(readJson(measuredFile), measuredFile);
    const { assumptions: withMeasured, applied, calls } = applyMeasured(checkAssumptions(merged, defaults), data, settings);
    merged = withMeasured;
    measured = { file: measuredFile, data, applied, calls };
  }
  for (const file of values.assumptions ?? []) merged = mergeAssumptions(merged, readJson(resolve(process.cwd(), file)));
  for (const d of values.duration ?? []) merged = setDuration(merged, d);
  for (const s of values.set ?? []) merged = setAssumption(merged, s);
  const assumptions = checkAssumptions(merged, defaults);

  const report = estimate(
    traffic,
    settings,
    assumptions,
    prices,
    kinesisMode !== undefined ? { kinesisMode: kinesisMode as KinesisMode } : {},
  );
  const provenance = measured
    ? `Measured (${measured.file}, npm run bench ${measured.data.date}, ${measured.data.machine.cores} × ${measured.data.machine.cpu}): ` +
      measured.applied
        .map(
          (m) =>
            `${m.role}${settings.functions[m.role].name !== m.role ? ` (${settings.functions[m.role].name})` : ''} ${round(m.invocationMs)} ms + ${round(m.perItemMs)} ms/item at ${m.memoryMb} MB`,
        )
        .join(', ') +
      '; their log and EMF bytes too. Other functions: cost/assumptions.json. ' +
      deviceApiCallsLine(measured.calls, assumptions) +
      waitingSensitivity(measured.applied, assumptions, (a) =>
        estimate(traffic, settings, a, prices, kinesisMode !== undefined ? { kinesisMode: kinesisMode as KinesisMode } : {}),
      ).line
    : 'No measured assumptions (run npm run bench to write cost/measured.json): durations and log bytes are the guesses in cost/assumptions.json.';
  console.log(
    values.json
      ? JSON.stringify(
          {
            ...report,
            assumptions,
            measured: measured
              ? {
                  file: measured.file,
                  date: measured.data.date,
                  machine: measured.data.machine,
                  method: measured.data.method,
                  applied: measured.applied,
                  deviceApiCalls: measured.calls,
                }
              : null,
          },
          null,
          2,
        )
      : `${renderReport(report)}\n${provenance}`,
  );
  return 0;
}

class UsageError extends Error {}

function round(n: number): string {
  return n >= 10 ? String(Math.round(n)) : String(Math.round(n * 100) / 100);
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as unknown;
  } catch (err) {
    throw new Error(`cannot read ${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (err) {
  const message = err instanceof Error ? err.message : String(err);
  console.error(
    `cost: ${message}${err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') ? `\n\n${usage}` : ''}`,
  );
  process.exitCode = 2;
}
