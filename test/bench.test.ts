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
  expect(stdout).toMatch(/10\. Right-sized functions/);
  expect(stdout).toMatch(/11\. Stream record size/);
  const [file] = readdirSync(out);
  const report = JSON.parse(readFileSync(join(out, file ?? ''), 'utf8')) as {
    scenarios: { measured: { steps: unknown[] } }[];
    query: { agree: boolean }[];
    coldStarts: unknown[];
    sizes: {
      functions: { name: string; errors: number; bySize: unknown[]; firstError?: string }[];
      c2d: { errors: number; firstError?: string; commandBytes: number };
    };
  };
  expect(report.scenarios.length).toBeGreaterThanOrEqual(3);
  for (const s of report.scenarios) expect(s.measured.steps.length).toBeGreaterThan(0);
  expect(report.query.length).toBeGreaterThanOrEqual(10);
  expect(report.query.every((q) => q.agree)).toBe(true);
  expect(report.coldStarts.length).toBeGreaterThan(0);
  // The in-process function calls succeed (a failing handler would measure its error path).
  expect(report.sizes.functions.map((f) => [f.name, f.errors, f.firstError])).toEqual([
    ['deviceApi', 0, undefined],
    ['router', 0, undefined],
    ['commandsApi', 0, undefined],
    ['c2dSweeper', 0, undefined],
    ['wsDefault', 0, undefined],
  ]);
  for (const f of report.sizes.functions) expect(f.bySize).toHaveLength(4);
  // Every measured C2D receive returned the command enqueued before it, and its complete succeeded.
  expect(report.sizes.c2d).toEqual(expect.objectContaining({ errors: 0, commandBytes: 1024 }));
  expect(report.sizes.c2d.firstError).toBeUndefined();
}, 180_000);
