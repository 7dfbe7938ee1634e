/**
 * serverless.yml as the framework resolves it: `serverless print --format json` (osls), run
 * offline with the stage and parameters given. The framework takes several seconds to start, so
 * the output is cached under node_modules/.cache/devhub-cost, keyed by a hash of serverless.yml,
 * the YAML files beside it and in infra/ (what it can include), the stage and the parameters: a changed file or parameter is
 * printed afresh, an unchanged one is read back. The cost model (settings.ts) reads only this
 * output; it never interprets Serverless variables itself.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

export interface PrintOptions {
  /** The service file (default: serverless.yml in `root`). */
  file?: string;
  stage?: string;
  params?: Readonly<Record<string, string>>;
  /** The repository root (where node_modules/osls is). */
  root: string;
}

/** Files a print can depend on: the service file and the YAML files beside it and in infra/ (its `${file()}` fragments). */
function inputs(file: string): string[] {
  const yamlIn = (dir: string): string[] =>
    existsSync(dir)
      ? readdirSync(dir)
          .filter((f) => f.endsWith('.yml') || f.endsWith('.yaml'))
          .sort()
          .map((f) => join(dir, f))
      : [];
  return [file, ...yamlIn(dirname(file)).filter((f) => f !== file), ...yamlIn(join(dirname(file), 'infra'))];
}

export function printCacheKey(opts: PrintOptions): string {
  const file = resolve(opts.root, opts.file ?? 'serverless.yml');
  const hash = createHash('sha256');
  for (const f of inputs(file))
    hash
      .update(`${basename(f)}\0`)
      .update(readFileSync(f))
      .update('\0');
  hash.update(JSON.stringify({ stage: opts.stage ?? 'dev', params: Object.entries(opts.params ?? {}).sort() }));
  return hash.digest('hex').slice(0, 24);
}

/** The resolved service (cached per input hash). */
export function serverlessPrint(opts: PrintOptions): unknown {
  const file = resolve(opts.root, opts.file ?? 'serverless.yml');
  const cacheDir = join(opts.root, 'node_modules/.cache/devhub-cost');
  const cached = join(cacheDir, `print-${printCacheKey(opts)}.json`);
  if (existsSync(cached)) return JSON.parse(readFileSync(cached, 'utf8')) as unknown;
  const args = [
    resolve(opts.root, 'node_modules/osls/bin/serverless.js'),
    'print',
    '--format',
    'json',
    '--stage',
    opts.stage ?? 'dev',
    '--config',
    basename(file),
  ];
  for (const [k, v] of Object.entries(opts.params ?? {})) args.push('--param', `${k}=${v}`);
  let stdout: string;
  try {
    stdout = execFileSync(process.execPath, args, {
      cwd: dirname(file),
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off', SLS_DEPRECATION_DISABLE: '*' },
    });
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr ?? '';
    throw new Error(`serverless print failed for ${file}: ${stderr.trim() || (err instanceof Error ? err.message : String(err))}`);
  }
  const start = stdout.indexOf('{');
  if (start < 0) throw new Error(`serverless print printed no JSON for ${file}`);
  const resolved = JSON.parse(stdout.slice(start)) as unknown;
  mkdirSync(cacheDir, { recursive: true });
  // Written whole then renamed: parallel jest workers never read half a file.
  const tmp = `${cached}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(resolved));
  renameSync(tmp, cached);
  return resolved;
}
