/** Argument parsing shared by every CLI command (node:util parseArgs, strict). */
import { readFileSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './context';

export type Options = NonNullable<ParseArgsConfig['options']>;

export interface Parsed {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

export function parse(argv: string[], options: Options, usage: string): Parsed | undefined {
  let parsed: Parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    }) as Parsed;
  } catch (err) {
    throw new UsageError(`${err instanceof Error ? err.message : String(err)}\n\n${usage}`);
  }
  if (parsed.values.help) {
    console.log(usage);
    return undefined;
  }
  return parsed;
}

export function str(p: Parsed, name: string): string | undefined {
  const v = p.values[name];
  return typeof v === 'string' ? v : undefined;
}

export function list(p: Parsed, name: string): string[] {
  const v = p.values[name];
  return Array.isArray(v) ? v : typeof v === 'string' ? [v] : [];
}

export function flag(p: Parsed, name: string): boolean {
  return p.values[name] === true;
}

export function positional(p: Parsed, index: number, what: string, usage: string): string {
  const v = p.positionals[index];
  if (v === undefined) throw new UsageError(`missing ${what}\n\n${usage}`);
  return v;
}

export function intOption(p: Parsed, name: string, min: number, max: number): number | undefined {
  const v = str(p, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be an integer in ${min}..${max}`);
  return n;
}

/** `k=v` pairs from repeated --property flags. */
export function properties(p: Parsed): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of list(p, 'property')) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`--property expects k=v, got "${pair}"`);
    out[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return out;
}

/** A body argument: literal text, or @file for a file's bytes. */
export function bodyArg(value: string): Buffer {
  if (value.startsWith('@')) {
    try {
      return readFileSync(value.slice(1));
    } catch (err) {
      throw new Error(`cannot read ${value.slice(1)}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return Buffer.from(value, 'utf8');
}
