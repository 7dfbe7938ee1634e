/** Scenario 7: per-function bundle size and module initialisation time (fresh process each). */
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export interface ColdStart {
  function: string;
  bundleKb: number;
  initMsMedian: number;
  initMsRuns: number[];
}

// Enough configuration for every module to initialise (nothing is called).
const ENV: Record<string, string> = {
  HUB_NAME: 'bench',
  HUB_HOSTNAME: 'localhost',
  DEVICES_TABLE: 't',
  POLICIES_TABLE: 't',
  C2D_TABLE: 't',
  CONNECTIONS_TABLE: 't',
  ROUTING_TABLE: 't',
  EVENTS_STREAM: 's',
  FEEDBACK_QUEUE: 'q',
  ROUTING_DLQ: 'q',
  ROUTER_FAILURE_QUEUE: 'rf',
  ROUTING_ENDPOINT_NAMES: 'hub-ep-*',
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'x',
  AWS_SECRET_ACCESS_KEY: 'x',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
};

export function measureColdStarts(root: string, runs = 5): ColdStart[] {
  const dir = join(root, 'dist/functions');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.js'))
    .map((file) => {
      const bundle = join(dir, file);
      const script = `const t=process.hrtime.bigint();require(${JSON.stringify(bundle)});process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6))`;
      const times = Array.from({ length: runs }, () =>
        Number(execFileSync(process.execPath, ['-e', script], { env: { ...process.env, ...ENV } }).toString()),
      );
      const sorted = [...times].sort((a, b) => a - b);
      return {
        function: file.replace(/\.js$/, ''),
        bundleKb: Math.round(statSync(bundle).size / 1024),
        initMsMedian: Math.round((sorted[Math.floor(sorted.length / 2)] ?? 0) * 10) / 10,
        initMsRuns: times.map((t) => Math.round(t * 10) / 10),
      };
    });
}
