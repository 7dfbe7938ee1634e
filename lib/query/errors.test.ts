import { compileCondition, MAX_CONDITION_LENGTH, MAX_NESTING_DEPTH, parseCondition, QuerySyntaxError } from './index';

function syntaxError(source: string): QuerySyntaxError {
  try {
    compileCondition(source);
  } catch (e) {
    if (e instanceof QuerySyntaxError) return e;
    throw new Error(`expected QuerySyntaxError, got ${String(e)}`);
  }
  throw new Error(`expected ${JSON.stringify(source)} not to compile`);
}

type Case = [source: string, position: number, reason: string | RegExp];

const CASES: Case[] = [
  ['a = = b', 4, "unexpected '='"],
  ['(a = 1', 6, "expected ')' but found end of input"],
  ['a = 1)', 5, "unexpected ')'"],
  ["'abc", 0, 'unterminated string'],
  ["a = 'abc\\", 4, 'unterminated string'],
  ["a = 'x\\q'", 6, "invalid escape sequence '\\q'"],
  ["a = 'x\\u12'", 6, /invalid \\u escape/],
  ['a = ', 4, 'expected expression'],
  ['a AND', 5, 'expected expression'],
  ['NOT', 3, 'expected expression'],
  ['foo(1)', 0, "unknown function 'foo'"],
  ["x AND LENGTH('a', 'b')", 6, 'function LENGTH expects 1 argument but got 2'],
  ["CONCAT('a')", 0, 'function CONCAT expects at least 2 arguments but got 1'],
  ["SUBSTRING('a')", 0, 'function SUBSTRING expects 2 to 3 arguments but got 1'],
  ['IS_DEFINED()', 0, 'function IS_DEFINED expects 1 argument but got 0'],
  ['a # b', 2, "unexpected character '#'"],
  ['a && b', 2, "unexpected character '&'"],
  ['0x = 1', 0, 'invalid hexadecimal number'],
  ['1e = 1', 0, /missing exponent digits/],
  ['12abc = 1', 0, 'invalid number'],
  ['1e999 = 1', 0, 'number out of range'],
  ['$ = 1', 0, "expected a property name after '$'"],
  ['$body. a = 1', 6, "expected a property name after '.'"],
  ['$body.a.5 = 1', 8, "expected a property name after '.'"],
  ['$body.a[-1] = 1', 8, "expected an array index or a quoted key but found '-'"],
  ['$body.a[1.5] = 1', 8, 'array index must be a non-negative integer'],
  ['$body.a[0 = 1', 10, "expected ']' but found '='"],
  ['$body.a [0] = 1', 8, "unexpected '['"],
  ['a.b. = 1', 3, "unexpected '.'"],
  ['a = 1 = 2', 6, "unexpected '='"],
  ['a == 1', 3, "unexpected '='"],
  ['true(1)', 4, "unexpected '('"],
  ['AND = 1', 0, "unexpected keyword 'AND'"],
  ['a = NOT b', 4, "unexpected keyword 'NOT'"],
  ['a b', 2, "unexpected 'b'"],
  ['LENGTH(a,)', 9, "unexpected ')'"],
  ['(', 1, 'expected expression'],
  [')', 0, "unexpected ')'"],
];

describe('syntax errors', () => {
  it.each(CASES)('%j -> position %i', (source, position, reason) => {
    const err = syntaxError(source);
    expect(err.position).toBe(position);
    if (typeof reason === 'string') expect(err.reason).toBe(reason);
    else expect(err.reason).toMatch(reason);
    expect(err.message).toBe(`Syntax error at position ${position}: ${err.reason}`);
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe('QuerySyntaxError');
    // parseCondition reports the same error
    expect(() => parseCondition(source)).toThrow(err.message);
  });

  it('accepts nesting up to the limit and rejects one level more', () => {
    const ok = `${'('.repeat(MAX_NESTING_DEPTH - 1)}true${')'.repeat(MAX_NESTING_DEPTH - 1)}`;
    expect(compileCondition(ok)({ systemProperties: {}, properties: {}, body: new Uint8Array() })).toBe(true);
    const deep = `${'('.repeat(MAX_NESTING_DEPTH + 1)}true${')'.repeat(MAX_NESTING_DEPTH + 1)}`;
    const err = syntaxError(deep);
    expect(err.position).toBe(MAX_NESTING_DEPTH);
    expect(err.reason).toMatch(/nested too deeply/);
  });

  it('limits chains of NOT and unary minus', () => {
    const nots = `${'NOT '.repeat(MAX_NESTING_DEPTH + 1)}true`;
    expect(syntaxError(nots).position).toBe(4 * MAX_NESTING_DEPTH);
    const minus = `${'- '.repeat(MAX_NESTING_DEPTH + 1)}1 = 1`;
    expect(syntaxError(minus).position).toBe(2 * MAX_NESTING_DEPTH);
  });

  it('limits the height of long arithmetic chains but not of AND/OR lists', () => {
    const sum = `1${' + 1'.repeat(MAX_NESTING_DEPTH + 5)} > 0`;
    expect(syntaxError(sum).reason).toMatch(/nested too deeply/);
    const ors = Array.from({ length: 250 }, (_, i) => `d = 'dev${i}'`).join(' OR ');
    expect(ors.length).toBeLessThan(MAX_CONDITION_LENGTH);
    const matches = compileCondition(ors);
    expect(matches({ systemProperties: {}, properties: { d: 'dev249' }, body: new Uint8Array() })).toBe(true);
    expect(matches({ systemProperties: {}, properties: { d: 'dev250' }, body: new Uint8Array() })).toBe(false);
  });

  it('rejects conditions longer than the limit, without a RangeError', () => {
    expect(
      compileCondition(' '.repeat(MAX_CONDITION_LENGTH))({
        systemProperties: {},
        properties: {},
        body: new Uint8Array(),
      }),
    ).toBe(true);
    const err = syntaxError('x'.repeat(MAX_CONDITION_LENGTH + 1));
    expect(err.position).toBe(MAX_CONDITION_LENGTH);
    expect(err.reason).toMatch(/too long/);
    // The worst shapes that fit in the limit are syntax errors, never stack overflows.
    for (const s of [
      '('.repeat(MAX_CONDITION_LENGTH),
      '-'.repeat(MAX_CONDITION_LENGTH),
      'NOT '.repeat(1024),
      `${'f('.repeat(2048)}`,
      `${'abs('.repeat(1024)}`,
    ]) {
      expect(syntaxError(s)).toBeInstanceOf(QuerySyntaxError);
    }
  });
});
