/**
 * For tests of scenario 10's function worker: a temporary root holding the worker built as
 * `npm run bench` builds it (dist/bench/functionWorker.js) and fake function bundles in
 * dist/functions, so a test drives the real worker protocol without the real functions.
 */
import { buildSync } from 'esbuild';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Builds the worker into a fresh temporary root and writes each fake as dist/functions/<name>.js; returns the root. */
export function workerRoot(prefix: string, fakeFunctions: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), prefix));
  mkdirSync(join(root, 'dist/functions'), { recursive: true });
  buildSync({
    entryPoints: [join(__dirname, 'functionWorker.ts')],
    outfile: join(root, 'dist/bench/functionWorker.js'),
    bundle: true,
    platform: 'node',
    format: 'cjs',
    packages: 'external',
    logLevel: 'warning',
  });
  for (const [name, source] of Object.entries(fakeFunctions)) writeFileSync(join(root, 'dist/functions', `${name}.js`), source);
  return root;
}
