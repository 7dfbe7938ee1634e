/** Longest condition accepted, in UTF-16 code units (longer ones are a syntax error). */
export const MAX_CONDITION_LENGTH = 4096;

/**
 * Deepest expression tree accepted. Chains of AND / OR count as one level (they are n-ary
 * nodes), so long `a OR b OR c ...` lists are fine; `((((x))))` and `1+1+1+...` chains count
 * one level per operator. Keeps parsing, compiling and evaluating well away from the stack limit.
 */
export const MAX_NESTING_DEPTH = 100;

/** A condition that does not parse. `position` is a 0-based offset into the source text. */
export class QuerySyntaxError extends Error {
  readonly position: number;
  readonly reason: string;

  constructor(position: number, reason: string) {
    super(`Syntax error at position ${position}: ${reason}`);
    this.name = 'QuerySyntaxError';
    this.position = position;
    this.reason = reason;
  }
}
