/**
 * `npm run soak -- --duration <seconds>` (default 600): the ledger run at length, on its own
 * hub (ports 16000-16005, or --base-port). Prints the fault log and the result table, writes
 * them to bench-results/soak-<time>.json, and exits 1 if an invariant was broken.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { runSoak } from './soak';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      duration: { type: 'string', default: '600' },
      'base-port': { type: 'string', default: '16000' },
      'https-devices': { type: 'string', default: '30' },
      'ws-devices': { type: 'string', default: '20' },
      out: { type: 'string' },
    },
  });
  const duration = Number(values.duration);
  if (!Number.isFinite(duration) || duration < 10) throw new Error('--duration must be a number of seconds >= 10');
  const started = new Date();
  const result = await runSoak({
    basePort: Number(values['base-port']),
    loadSeconds: duration,
    cycleSeconds: Math.min(60, duration),
    drainSeconds: Math.max(90, Math.min(300, duration / 2)),
    httpsDevices: Number(values['https-devices']),
    wsDevices: Number(values['ws-devices']),
    sendIntervalMs: 2000,
    commandIntervalMs: 250,
    log: (line) => console.error(`[soak] ${line}`),
  });
  console.log(result.text);
  const outDir = values.out ?? join(resolve(__dirname, '../..'), 'bench-results');
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, `soak-${started.toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify({ started: started.toISOString(), duration, ...result }, null, 2));
  console.log(`results: ${file}`);
  return result.report.failures.length === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
