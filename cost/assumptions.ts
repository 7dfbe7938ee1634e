/**
 * Loading the assumptions: the defaults file, deep-merged overrides (a benchmark's output file),
 * then single `path=value` settings from flags. Everything is checked against the shape of the
 * defaults, so a typo in an override fails instead of being ignored. Pure.
 */
import { FUNCTION_ROLES, type Assumptions, type FunctionRole } from './types';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** `override` deep-merged over `base`; keys starting with "about"/"note" are comments and are dropped. */
export function mergeAssumptions(base: unknown, override: unknown, path = ''): unknown {
  if (!isPlainObject(base) || !isPlainObject(override)) return override === undefined ? base : override;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(override)) {
    if (isComment(k)) continue;
    if (!(k in base)) throw new Error(`unknown assumption "${path}${k}"`);
    out[k] = isPlainObject(base[k]) ? mergeAssumptions(base[k], v, `${path}${k}.`) : v;
  }
  return out;
}

function isComment(key: string): boolean {
  return key === 'about' || key === 'note' || key === 'notes';
}

/** Sets one assumption from a `path=value` string; the value is parsed as JSON, else taken as text. */
export function setAssumption(a: unknown, assignment: string): unknown {
  const eq = assignment.indexOf('=');
  if (eq <= 0) throw new Error(`--set expects path=value, got "${assignment}"`);
  const path = assignment.slice(0, eq).trim().split('.');
  const raw = assignment.slice(eq + 1).trim();
  let value: Json;
  try {
    value = JSON.parse(raw) as Json;
  } catch {
    value = raw;
  }
  let override: Json = value;
  for (let i = path.length - 1; i >= 0; i--) override = { [path[i] ?? '']: override };
  return mergeAssumptions(a, override);
}

/** `deviceApi=12` → invocationMs of that function. */
export function setDuration(a: unknown, assignment: string): unknown {
  const [role, ms] = assignment.split('=');
  if (!role || ms === undefined || !FUNCTION_ROLES.includes(role as FunctionRole)) {
    throw new Error(`--duration expects <function>=<ms> with function one of ${FUNCTION_ROLES.join(', ')}, got "${assignment}"`);
  }
  return setAssumption(a, `functions.${role}.invocationMs=${ms}`);
}

/** Checks that every leaf of `template` is present in `value` with the same type (numbers may be null where the template is null). */
export function checkAssumptions(value: unknown, template: unknown = value, path = ''): Assumptions {
  const walk = (v: unknown, t: unknown, p: string): void => {
    if (isPlainObject(t)) {
      if (!isPlainObject(v)) throw new Error(`assumption "${p}" must be an object`);
      for (const [k, tv] of Object.entries(t)) if (!isComment(k)) walk(v[k], tv, p ? `${p}.${k}` : k);
      return;
    }
    if (t === null) {
      if (v !== null && typeof v !== 'number') throw new Error(`assumption "${p}" must be a number or null`);
      return;
    }
    if (typeof v !== typeof t) throw new Error(`assumption "${p}" must be a ${typeof t}, got ${JSON.stringify(v)}`);
    if (typeof v === 'number' && (!Number.isFinite(v) || v < 0)) throw new Error(`assumption "${p}" must be a number >= 0, got ${v}`);
  };
  walk(value, template, path);
  return value as Assumptions;
}
