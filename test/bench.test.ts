/** The benchmark harness runs end to end on a tiny size (numbers are not checked: it is not a test of speed). */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { TEST_HUB_FILE } from './support/config';

it('runs every scenario in quick mode against the test hub and writes a JSON report', async () => {
  const out = mkdtempSync(join(tmpdir(), 'devhub-bench-'));
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [resolve(__dirname, '../dist/bench/run.js'), '--quick', '--attach', TEST_HUB_FILE, '--out', out],
    {
      maxBuffer: 16 * 1024 * 1024,
    },
  );
  expect(stdout).toMatch(/machine: \d+ cores/);
  expect(stdout).toMatch(/method: Open-loop/);
  expect(stdout).toMatch(/9\. Consumer group/);
  const [file] = readdirSync(out);
  const report = JSON.parse(readFileSync(join(out, file ?? ''), 'utf8')) as {
    scenarios: { measured: { steps: unknown[] } }[];
    query: { agree: boolean }[];
    coldStarts: unknown[];
  };
  expect(report.scenarios.length).toBeGreaterThanOrEqual(3);
  for (const s of report.scenarios) expect(s.measured.steps.length).toBeGreaterThan(0);
  expect(report.query.length).toBeGreaterThanOrEqual(10);
  expect(report.query.every((q) => q.agree)).toBe(true);
  expect(report.coldStarts.length).toBeGreaterThan(0);
}, 180_000);
