import { applyFunction, asNumber, FUNCTION_NAMES, lookupFunction } from './functions';

function call(name: string, ...args: unknown[]): unknown {
  const spec = lookupFunction(name);
  if (spec === undefined) throw new Error(`no ${name}`);
  return applyFunction(spec, args);
}

describe('function table', () => {
  it('has every documented routing function', () => {
    expect([...FUNCTION_NAMES].sort()).toEqual(
      [
        'ABS',
        'EXP',
        'POWER',
        'SQUARE',
        'CEILING',
        'FLOOR',
        'SIGN',
        'SQRT',
        'AS_NUMBER',
        'IS_ARRAY',
        'IS_BOOL',
        'IS_DEFINED',
        'IS_NULL',
        'IS_NUMBER',
        'IS_OBJECT',
        'IS_PRIMITIVE',
        'IS_STRING',
        'CONCAT',
        'LENGTH',
        'LOWER',
        'UPPER',
        'SUBSTRING',
        'INDEX_OF',
        'STARTS_WITH',
        'ENDS_WITH',
        'CONTAINS',
      ].sort(),
    );
  });

  it('resolves names case-insensitively, with aliases', () => {
    expect(lookupFunction('startswith')?.name).toBe('STARTS_WITH');
    expect(lookupFunction('EndsWith')?.name).toBe('ENDS_WITH');
    expect(lookupFunction('is_defined')?.name).toBe('IS_DEFINED');
    expect(lookupFunction('nope')).toBeUndefined();
    expect(lookupFunction('constructor')).toBeUndefined();
  });
});

describe('functions never throw on wrong types', () => {
  const odd: unknown[] = [undefined, null, true, 'x', 1.5, -3, [], [1], {}, { a: 1 }];
  it.each(FUNCTION_NAMES.map((n) => [n]))('%s', (name) => {
    const spec = lookupFunction(name);
    if (spec === undefined) throw new Error(name);
    const arities = [spec.minArgs, Math.min(spec.maxArgs, spec.minArgs + 2)];
    for (const n of arities) {
      for (const a of odd) {
        for (const b of odd) {
          const args = Array.from({ length: n }, (_, i) => (i % 2 === 0 ? a : b));
          const r = applyFunction(spec, args);
          expect(['undefined', 'boolean', 'number', 'string']).toContain(typeof r);
          if (typeof r === 'number') expect(Number.isFinite(r)).toBe(true);
        }
      }
    }
  });
});

describe('function results', () => {
  it.each<[string, unknown[], unknown]>([
    ['ABS', [-2.5], 2.5],
    ['ABS', ['-2'], undefined],
    ['EXP', [1], Math.E],
    ['EXP', [1000], undefined], // overflow
    ['POWER', [2, 0.5], Math.SQRT2],
    ['POWER', [10, 400], undefined],
    ['POWER', [-8, 1 / 3], undefined], // NaN
    ['SQUARE', [-4], 16],
    ['CEILING', [-0.5], -0],
    ['FLOOR', [2], 2],
    ['SIGN', [-0.1], -1],
    ['SQRT', [2], Math.SQRT2],
    ['AS_NUMBER', ['-1.5e2'], -150],
    ['AS_NUMBER', ['+.5'], 0.5],
    ['AS_NUMBER', ['5.'], 5],
    ['AS_NUMBER', [' 12 '], 12],
    ['AS_NUMBER', ['1 2'], undefined],
    ['AS_NUMBER', ['Infinity'], undefined],
    ['AS_NUMBER', ['0b1'], undefined],
    ['AS_NUMBER', ['1e999'], undefined],
    ['AS_NUMBER', ['   '], undefined],
    ['AS_NUMBER', [null], undefined],
    ['IS_PRIMITIVE', [undefined], false],
    ['IS_OBJECT', [null], false],
    ['IS_DEFINED', [null], true],
    ['CONCAT', ['a', 'b', 'c', 'd'], 'abcd'],
    ['CONCAT', ['a', 'b', null], undefined],
    ['LENGTH', [''], 0],
    ['LENGTH', ['😀'], 2], // UTF-16 code units, as .NET counts
    ['LOWER', ['ÄB'], 'äb'],
    ['UPPER', ['straße'], 'STRASSE'],
    ['SUBSTRING', ['hello', 1.9, 2.9], 'el'], // truncated to integers
    ['SUBSTRING', ['hello', 1, -1], ''],
    ['SUBSTRING', ['hello', 1, 100], 'ello'],
    ['SUBSTRING', ['hello', 0], 'hello'],
    ['SUBSTRING', ['hello', '1'], undefined],
    ['SUBSTRING', ['hello', 1, undefined], undefined], // explicit undefined length
    ['INDEX_OF', ['abcabc', 'c'], 2],
    ['INDEX_OF', ['abc', ''], 0],
    ['STARTS_WITH', ['abc', ''], true],
    ['ENDS_WITH', ['abc', 'abcd'], false],
    ['CONTAINS', ['abc', 'bc'], true],
    ['CONTAINS', [['a'], 'a'], undefined],
  ])('%s(%j) = %j', (name, args, expected) => {
    expect(call(name, ...args)).toEqual(expected);
  });

  it('AS_NUMBER leaves numbers alone', () => {
    expect(asNumber(-0)).toBe(-0);
    expect(asNumber(3)).toBe(3);
  });
});
