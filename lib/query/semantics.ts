/**
 * Value semantics used by the compiler (constant folding and the generic, non-specialised paths).
 * Values are JSON-like: undefined, null, boolean, number (always finite), string, array, object.
 */
import type { ArithmeticOp, ComparisonOp } from './ast';

/** The number if finite, else undefined (overflow, division by zero, NaN). */
export function finiteOrUndefined(x: number): number | undefined {
  return x - x === 0 ? x : undefined;
}

export function arithmetic(op: ArithmeticOp, a: unknown, b: unknown): number | undefined {
  if (typeof a !== 'number' || typeof b !== 'number') return undefined;
  switch (op) {
    case '+':
      return finiteOrUndefined(a + b);
    case '-':
      return finiteOrUndefined(a - b);
    case '*':
      return finiteOrUndefined(a * b);
    case '/':
      return finiteOrUndefined(a / b);
    case '%':
      return finiteOrUndefined(a % b);
  }
}

/**
 * `=`: undefined when either side is undefined or null, when the types differ (no
 * coercion: '5' = 5 is undefined), or when either side is an array or object.
 */
export function equals(a: unknown, b: unknown): boolean | undefined {
  if (a === undefined || a === null || b === undefined || b === null) return undefined;
  const t = typeof a;
  if (t !== typeof b || t === 'object') return undefined;
  return a === b;
}

/**
 * Ordering (`< > <= >=`) is defined for two numbers or two strings (ordinal, by UTF-16
 * code unit); anything else is undefined.
 */
export function order(op: '<' | '>' | '<=' | '>=', a: unknown, b: unknown): boolean | undefined {
  if (typeof a === 'number' && typeof b === 'number') {
    return op === '<' ? a < b : op === '>' ? a > b : op === '<=' ? a <= b : a >= b;
  }
  if (typeof a === 'string' && typeof b === 'string') {
    return op === '<' ? a < b : op === '>' ? a > b : op === '<=' ? a <= b : a >= b;
  }
  return undefined;
}

export function compare(op: ComparisonOp, a: unknown, b: unknown): boolean | undefined {
  switch (op) {
    case '=':
      return equals(a, b);
    case '!=': {
      const r = equals(a, b);
      return r === undefined ? undefined : !r;
    }
    default:
      return order(op, a, b);
  }
}

/** Three-valued NOT: anything but a boolean is undefined. */
export function not(v: unknown): boolean | undefined {
  return v === true ? false : v === false ? true : undefined;
}

export function negate(v: unknown): number | undefined {
  return typeof v === 'number' ? -v : undefined;
}
