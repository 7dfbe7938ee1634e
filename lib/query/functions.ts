import { finiteOrUndefined as finite } from './semantics';

/**
 * Built-in functions of the routing query language. Every implementation is total: a wrong
 * argument type (or undefined / null) gives `undefined`, never an exception. Numeric results
 * that are not finite (overflow, SQRT(-1), POWER(0, -1)) are `undefined` too.
 */

export type Fn1 = (a: unknown) => unknown;
export type Fn2 = (a: unknown, b: unknown) => unknown;
export type Fn3 = (a: unknown, b: unknown, c: unknown) => unknown;

export interface FunctionSpec {
  /** Canonical upper-case name. */
  name: string;
  minArgs: number;
  /** `Infinity` for variadic functions (CONCAT). */
  maxArgs: number;
  fn1?: Fn1;
  fn2?: Fn2;
  fn3?: Fn3;
  /** Variadic form, used for CONCAT with any number of arguments. */
  fnN?: (args: readonly unknown[]) => unknown;
}

function math1(f: (x: number) => number): Fn1 {
  return (a) => (typeof a === 'number' ? finite(f(a)) : undefined);
}

function str1(f: (s: string) => unknown): Fn1 {
  return (a) => (typeof a === 'string' ? f(a) : undefined);
}

function str2(f: (s: string, t: string) => unknown): Fn2 {
  return (a, b) => (typeof a === 'string' && typeof b === 'string' ? f(a, b) : undefined);
}

/**
 * AS_NUMBER: a number stays as is; a string holding a decimal number (optional sign,
 * fraction, exponent; surrounding whitespace allowed) is converted; anything else
 * (hex, 'Infinity', '', other types) is undefined.
 */
export function asNumber(a: unknown): number | undefined {
  if (typeof a === 'number') return a;
  if (typeof a !== 'string') return undefined;
  // Fast path for the usual '42' / '-3.5': starts with a digit or '-' (not 0x / 0b / 0o),
  // ends with a digit; Number() then either parses a decimal literal or gives NaN.
  const n = a.length;
  const c0 = a.charCodeAt(0);
  const c1 = n > 1 ? a.charCodeAt(1) : 48;
  if (
    ((c0 >= 48 && c0 <= 57) || c0 === 45) &&
    ((c1 >= 48 && c1 <= 57) || c1 === 46 || c1 === 101 || c1 === 69) &&
    a.charCodeAt(n - 1) >= 48 &&
    a.charCodeAt(n - 1) <= 57
  ) {
    return finite(Number(a));
  }
  // Number() does the parsing. Restricting the characters to digits, sign, '.', exponent
  // and whitespace limits it to decimal literals (no 0x / 0b / 0o / Infinity); requiring a
  // digit rules out '' and whitespace, which Number() would turn into 0.
  let digit = false;
  for (let i = 0; i < a.length; i++) {
    const c = a.charCodeAt(i);
    if (c >= 48 && c <= 57) digit = true;
    else if (!(c === 43 || c === 45 || c === 46 || c === 69 || c === 101 || c === 32 || (c >= 9 && c <= 13))) {
      return undefined;
    }
  }
  return digit ? finite(Number(a)) : undefined;
}

function substring(s: string, start: number, length: number): string {
  const from = Math.min(Math.max(Math.trunc(start), 0), s.length);
  const count = Math.max(Math.trunc(length), 0);
  return s.slice(from, from + count);
}

function concat(args: readonly unknown[]): string | undefined {
  let out = '';
  for (const a of args) {
    if (typeof a !== 'string') return undefined;
    out += a;
  }
  return out;
}

const SPECS: FunctionSpec[] = [
  // Math
  { name: 'ABS', minArgs: 1, maxArgs: 1, fn1: math1(Math.abs) },
  { name: 'EXP', minArgs: 1, maxArgs: 1, fn1: math1(Math.exp) },
  {
    name: 'POWER',
    minArgs: 2,
    maxArgs: 2,
    fn2: (a, b) => (typeof a === 'number' && typeof b === 'number' ? finite(Math.pow(a, b)) : undefined),
  },
  { name: 'SQUARE', minArgs: 1, maxArgs: 1, fn1: math1((x) => x * x) },
  { name: 'CEILING', minArgs: 1, maxArgs: 1, fn1: math1(Math.ceil) },
  { name: 'FLOOR', minArgs: 1, maxArgs: 1, fn1: math1(Math.floor) },
  {
    name: 'SIGN',
    minArgs: 1,
    maxArgs: 1,
    fn1: math1((x) => (x > 0 ? 1 : x < 0 ? -1 : 0)),
  },
  { name: 'SQRT', minArgs: 1, maxArgs: 1, fn1: math1(Math.sqrt) },

  // Type checking and casting
  { name: 'AS_NUMBER', minArgs: 1, maxArgs: 1, fn1: asNumber },
  { name: 'IS_ARRAY', minArgs: 1, maxArgs: 1, fn1: (a) => Array.isArray(a) },
  {
    name: 'IS_BOOL',
    minArgs: 1,
    maxArgs: 1,
    fn1: (a) => typeof a === 'boolean',
  },
  { name: 'IS_DEFINED', minArgs: 1, maxArgs: 1, fn1: (a) => a !== undefined },
  { name: 'IS_NULL', minArgs: 1, maxArgs: 1, fn1: (a) => a === null },
  {
    name: 'IS_NUMBER',
    minArgs: 1,
    maxArgs: 1,
    fn1: (a) => typeof a === 'number',
  },
  {
    name: 'IS_OBJECT',
    minArgs: 1,
    maxArgs: 1,
    fn1: (a) => typeof a === 'object' && a !== null && !Array.isArray(a),
  },
  {
    name: 'IS_PRIMITIVE',
    minArgs: 1,
    maxArgs: 1,
    fn1: (a) => a === null || typeof a === 'string' || typeof a === 'number' || typeof a === 'boolean',
  },
  {
    name: 'IS_STRING',
    minArgs: 1,
    maxArgs: 1,
    fn1: (a) => typeof a === 'string',
  },

  // Strings
  {
    name: 'CONCAT',
    minArgs: 2,
    maxArgs: Infinity,
    fn2: (a, b) => (typeof a === 'string' && typeof b === 'string' ? a + b : undefined),
    fnN: concat,
  },
  { name: 'LENGTH', minArgs: 1, maxArgs: 1, fn1: str1((s) => s.length) },
  { name: 'LOWER', minArgs: 1, maxArgs: 1, fn1: str1((s) => s.toLowerCase()) },
  { name: 'UPPER', minArgs: 1, maxArgs: 1, fn1: str1((s) => s.toUpperCase()) },
  {
    name: 'SUBSTRING',
    minArgs: 2,
    maxArgs: 3,
    fn2: (s, start) => (typeof s === 'string' && typeof start === 'number' ? substring(s, start, s.length) : undefined),
    fn3: (s, start, length) =>
      typeof s === 'string' && typeof start === 'number' && typeof length === 'number' ? substring(s, start, length) : undefined,
  },
  {
    name: 'INDEX_OF',
    minArgs: 2,
    maxArgs: 2,
    fn2: str2((s, t) => s.indexOf(t)),
  },
  {
    name: 'STARTS_WITH',
    minArgs: 2,
    maxArgs: 2,
    fn2: str2((s, t) => s.startsWith(t)),
  },
  {
    name: 'ENDS_WITH',
    minArgs: 2,
    maxArgs: 2,
    fn2: str2((s, t) => s.endsWith(t)),
  },
  {
    name: 'CONTAINS',
    minArgs: 2,
    maxArgs: 2,
    fn2: str2((s, t) => s.includes(t)),
  },
];

const ALIASES: Record<string, string> = {
  STARTSWITH: 'STARTS_WITH',
  ENDSWITH: 'ENDS_WITH',
};

const BY_NAME = new Map<string, FunctionSpec>();
for (const spec of SPECS) BY_NAME.set(spec.name, spec);
for (const [alias, target] of Object.entries(ALIASES)) {
  const spec = BY_NAME.get(target);
  if (spec) BY_NAME.set(alias, spec);
}

/** Look a function up by name, case-insensitively (aliases included). */
export function lookupFunction(name: string): FunctionSpec | undefined {
  return BY_NAME.get(name.toUpperCase());
}

/** Canonical names of all functions, for tests and documentation. */
export const FUNCTION_NAMES: readonly string[] = SPECS.map((s) => s.name);

/** Apply a function to already-evaluated arguments (arity already checked by the parser). */
export function applyFunction(spec: FunctionSpec, args: readonly unknown[]): unknown {
  if (spec.fnN !== undefined && args.length > 2) return spec.fnN(args);
  switch (args.length) {
    case 1:
      return spec.fn1?.(args[0]);
    case 2:
      return spec.fn2?.(args[0], args[1]);
    case 3:
      return spec.fn3?.(args[0], args[1], args[2]);
    default:
      return spec.fnN?.(args);
  }
}

/** All accepted names, aliases included. */
export const FUNCTION_NAMES_WITH_ALIASES: readonly string[] = [...BY_NAME.keys()];
