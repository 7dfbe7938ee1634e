/**
 * Property-based tests (fast-check):
 *  (a) any string either compiles or throws QuerySyntaxError, nothing else;
 *  (b) compiled random valid conditions return a boolean on random messages, never throw;
 *  (c) formatAst/parseCondition round trip;
 *  (d) the compiled closures (constant folding, fused fast paths, truth tests) agree with a
 *      plain tree-walking reference interpreter written independently below;
 *  (e) NOT duality: `NOT (c)` matches exactly when `c` evaluates to false.
 */
import fc from 'fast-check';
import type { Ast } from './ast';
import { parseJsonBody } from './body';
import { compileAst } from './compile';
import { compileCondition, formatAst, parseCondition, QuerySyntaxError, type RoutableMessage } from './index';
import { applyFunction, FUNCTION_NAMES_WITH_ALIASES, lookupFunction } from './functions';
import { SYSTEM_PROPERTY_NAMES } from './names';
import { utf16, utf32, utf8 } from './testkit';

// ---------------------------------------------------------------------------------------------
// Reference interpreter: the semantics spelled out as directly as possible.

function refAppProperty(props: Record<string, string>, name: string): string | undefined {
  const own = (k: string) => (Object.prototype.hasOwnProperty.call(props, k) && typeof props[k] === 'string' ? props[k] : undefined);
  const lower = name.toLowerCase();
  const exact = own(name) ?? own(lower);
  if (exact !== undefined) return exact;
  const key = Object.keys(props).find((k) => k.toLowerCase() === lower);
  return key === undefined ? undefined : own(key);
}

function refWalk(root: unknown, path: (string | number)[], caseInsensitive: boolean): unknown {
  let cur = root;
  for (const seg of path) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    if (typeof seg === 'number') {
      if (!Array.isArray(cur)) return undefined;
      cur = cur[seg];
    } else {
      if (Array.isArray(cur)) return undefined;
      const obj = cur as Record<string, unknown>;
      const key = Object.prototype.hasOwnProperty.call(obj, seg)
        ? seg
        : caseInsensitive
          ? Object.keys(obj).find((k) => k.toLowerCase() === seg.toLowerCase())
          : undefined;
      cur = key === undefined ? undefined : obj[key];
    }
  }
  return cur;
}

const sameType = (a: unknown, b: unknown) =>
  a !== null && b !== null && a !== undefined && b !== undefined && typeof a === typeof b && typeof a !== 'object';

function refEval(node: Ast, msg: RoutableMessage): unknown {
  switch (node.kind) {
    case 'literal':
      return node.value;
    case 'system':
      return msg.systemProperties[node.key];
    case 'app':
      return refAppProperty(msg.properties, node.name);
    case 'body': {
      const first = node.path[0];
      if (first === undefined || typeof first.key === 'number') return undefined;
      const sp = msg.systemProperties;
      const body = parseJsonBody(msg.body, sp['content-type'], sp['content-encoding']);
      return refWalk(
        body,
        node.path.map((s) => s.key),
        false,
      );
    }
    case 'twin': {
      const first = node.path[0];
      if (first === undefined || typeof first.key !== 'string' || first.key.toLowerCase() !== 'tags') return undefined;
      return refWalk(
        msg.twinTags,
        node.path.slice(1).map((s) => s.key),
        false, // tag keys are case-sensitive, as twin keys are
      );
    }
    case 'unary': {
      const v = refEval(node.operand, msg);
      if (node.op === 'NOT') return typeof v === 'boolean' ? !v : undefined;
      return typeof v === 'number' ? -v : undefined;
    }
    case 'logical': {
      const values = node.operands.map((o) => refEval(o, msg));
      if (node.op === 'AND') {
        if (values.some((v) => v === false)) return false;
        return values.every((v) => v === true) ? true : undefined;
      }
      if (values.some((v) => v === true)) return true;
      return values.every((v) => v === false) ? false : undefined;
    }
    case 'binary': {
      const a = refEval(node.left, msg);
      const b = refEval(node.right, msg);
      switch (node.op) {
        case '=':
          return sameType(a, b) ? a === b : undefined;
        case '!=':
          return sameType(a, b) ? a !== b : undefined;
        case '<':
        case '>':
        case '<=':
        case '>=': {
          if (!sameType(a, b) || typeof a === 'boolean') return undefined;
          const x = a as string;
          const y = b as string;
          return node.op === '<' ? x < y : node.op === '>' ? x > y : node.op === '<=' ? x <= y : x >= y;
        }
        default: {
          if (typeof a !== 'number' || typeof b !== 'number') return undefined;
          const r = node.op === '+' ? a + b : node.op === '-' ? a - b : node.op === '*' ? a * b : node.op === '/' ? a / b : a % b;
          return Number.isFinite(r) ? r : undefined;
        }
      }
    }
    case 'call': {
      const spec = lookupFunction(node.name);
      if (spec === undefined) throw new Error(`no function ${node.name}`);
      return applyFunction(
        spec,
        node.args.map((a) => refEval(a, msg)),
      );
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Generators

const KEYS = ['a', 'b', 'A', 'temp', 'Temp', 'level', 'x y', 'constructor', '$v'];
const identKeys = KEYS.filter((k) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(k));
/** Shared by messages and literals, so that comparisons are often true. */
const STRINGS = ['hot', 'A', 'a', '5', '', 'dev-1', 'm1', 'Grüße 😀'];
const NUMBERS = [0, 5, 2.5, 1000, 0.5];

/** JSON values over a small key and value space, so that generated paths and comparisons hit. */
const smallJson: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    fc.constantFrom(...NUMBERS, -5),
    fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }),
    fc.constantFrom(...STRINGS),
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom(...KEYS), tie('value'), { maxKeys: 4 }),
  ),
})).value;

const propertyValue = fc.oneof(fc.constantFrom('hot', 'cold', '5', '-2.5', '1e3', '', 'true', 'A'), fc.string({ maxLength: 6 }));

const leaf = fc.oneof(fc.constantFrom(...STRINGS), fc.constantFrom(...NUMBERS), fc.boolean(), fc.constant(null));

/** An object whose keys generated references usually find, plus random extras. */
const coreObject = fc
  .tuple(
    fc.record(
      {
        a: leaf,
        temp: fc.constantFrom(...NUMBERS),
        level: fc.constantFrom(...STRINGS),
        A: fc.array(leaf, { maxLength: 4 }),
        b: fc.record({ a: leaf, A: fc.array(leaf, { maxLength: 3 }), $v: leaf }, { requiredKeys: ['a'] }),
        'x y': leaf,
        $v: leaf,
      },
      { requiredKeys: ['a', 'temp', 'b'] },
    ),
    fc.dictionary(fc.constantFrom(...KEYS), smallJson, { maxKeys: 2 }),
  )
  .map(([core, extra]) => ({ ...extra, ...core }));

const messageArb: fc.Arbitrary<RoutableMessage> = fc
  .record({
    properties: fc
      .tuple(
        fc.record({ temp: propertyValue, level: propertyValue, Level: propertyValue }, { requiredKeys: ['temp'] }),
        fc.dictionary(fc.constantFrom(...KEYS, 'LEVEL', 'sensor.kind', 'my-prop', 'correlationId', 'toString'), propertyValue, {
          maxKeys: 3,
        }),
      )
      .map(([core, extra]) => ({ ...extra, ...core }) as Record<string, string>),
    system: fc.record(
      {
        'message-id': fc.constantFrom(...STRINGS),
        'correlation-id': fc.constantFrom(...STRINGS),
        'iothub-connection-device-id': fc.constantFrom('dev-1', 'dev-2'),
        'iothub-enqueuedtime': fc.constantFrom('2024-05-01T10:00:00Z'),
        'dt-subject': fc.constantFrom('thermostat1', 'A'),
      },
      { requiredKeys: ['iothub-connection-device-id', 'iothub-enqueuedtime'] },
    ),
    contentType: fc.constantFrom(
      undefined,
      'application/json',
      'application/json',
      'application/json',
      'Application/JSON; charset=utf-8',
      'text/plain',
    ),
    encoding: fc.constantFrom(undefined, 'utf-8', 'utf-8', 'utf-8', 'UTF8', 'utf-16', 'UTF-16BE', 'utf-32', 'ascii'),
    body: fc.oneof(
      { weight: 6, arbitrary: coreObject.map((v) => JSON.stringify(v)) },
      { weight: 2, arbitrary: smallJson.map((v) => JSON.stringify(v) ?? 'null') },
      { weight: 1, arbitrary: fc.string({ maxLength: 10 }) },
    ),
    rawBytes: fc.option(fc.uint8Array({ maxLength: 12 }), { freq: 10 }),
    twinTags: fc.option(coreObject, { freq: 5 }),
  })
  .map(({ properties, system, contentType, encoding, body, rawBytes, twinTags }) => {
    const enc = (encoding ?? 'utf-8').toLowerCase().replace(/-/g, '');
    const bytes =
      rawBytes ??
      (enc === 'utf16' ? utf16(body) : enc === 'utf16be' ? utf16(body, { bigEndian: true }) : enc === 'utf32' ? utf32(body) : utf8(body));
    const msg: RoutableMessage = {
      systemProperties: { ...system, 'content-type': contentType, 'content-encoding': encoding },
      properties,
      body: bytes,
    };
    if (twinTags !== null) msg.twinTags = twinTags as Record<string, unknown>;
    return msg;
  });

function randomCase(s: string): fc.Arbitrary<string> {
  return fc
    .array(fc.boolean(), { minLength: s.length, maxLength: s.length })
    .map((flags) => [...s].map((ch, i) => (flags[i] ? ch.toUpperCase() : ch.toLowerCase())).join(''));
}

function quoteString(s: string, dq: boolean, escapeAll: boolean): string {
  const q = dq ? '"' : "'";
  let out = q;
  for (const ch of s) {
    if (ch === q || ch === '\\') out += `\\${ch}`;
    else if (escapeAll || ch < ' ') {
      for (let i = 0; i < ch.length; i++) out += `\\u${ch.charCodeAt(i).toString(16).padStart(4, '0')}`;
    } else out += ch;
  }
  return out + q;
}

const numberLiteral = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...NUMBERS).map(String) },
  { weight: 1, arbitrary: fc.constantFrom('-5', '-2.5') },
  { weight: 1, arbitrary: fc.nat({ max: 1000 }).map(String) },
  { weight: 1, arbitrary: fc.double({ min: 0, max: 1e9, noNaN: true, noDefaultInfinity: true }).map((d) => String(d)) },
  { weight: 1, arbitrary: fc.nat().map((n) => `0x${n.toString(16)}`) },
  { weight: 1, arbitrary: fc.constantFrom('1e3', '2.5E-2', '0.5', '007', '0x5') },
);

const stringLiteral = fc
  .tuple(
    fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...STRINGS) }, { weight: 1, arbitrary: fc.string({ maxLength: 5, unit: 'binary' }) }),
    fc.boolean(),
    fc.boolean(),
  )
  .map(([s, dq, all]) => quoteString(s, dq, all));

const keywordLiteral = fc.constantFrom('true', 'false', 'null', 'undefined').chain(randomCase);

const pathArb = fc.array(
  fc.oneof(
    fc.constantFrom(...identKeys).map((k) => `.${k}`),
    fc.constantFrom('.$v'),
    fc.nat({ max: 3 }).map((n) => `[${n}]`),
    fc.constantFrom(...KEYS).map((k) => `[${quoteString(k, false, false)}]`),
  ),
  { maxLength: 3 },
);

/** Paths into coreObject (mostly hits), random paths (mostly misses). */
const KNOWN_PATHS = ['.a', '.temp', '.level', '.b.a', '.A[0]', '.A[1]', '.b.A[0]', "['x y']", '.$v', '.b.$v', "['b']['a']"];
const pathText = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...KNOWN_PATHS) },
  { weight: 1, arbitrary: pathArb.map((p) => p.join('')) },
);

const reference = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.constantFrom('temp', 'Temp', 'TEMP', 'level', 'Level', 'LEVEL', 'a', 'b', 'missing', 'sensor.kind', 'toString'),
  },
  {
    weight: 2,
    arbitrary: fc
      .constantFrom(...SYSTEM_PROPERTY_NAMES, 'my-prop', 'temp', 'correlationId', 'level')
      .chain(randomCase)
      .map((n) => `$${n}`),
  },
  { weight: 3, arbitrary: pathText.map((p) => `$body${p}`) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(pathText, fc.constantFrom('tags', 'TAGS', 'Tags'))
      .chain(([p, t]) => randomCase(p).map((cp) => `$twin.${t}${p.includes("'") ? p : cp}`)),
  },
  { weight: 1, arbitrary: pathArb.map((p) => `$twin${p.join('')}`) },
);

const BINARY_OPS = ['+', '-', '*', '/', '%', '=', '!=', '<>', '<', '>', '<=', '>=', 'AND', 'OR', 'and', 'Or'];

/** Syntactically valid conditions (every compound operand parenthesised). */
const expressionArb: fc.Arbitrary<string> = fc.letrec<{ expr: string }>((tie) => ({
  expr: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { weight: 2, arbitrary: numberLiteral },
    { weight: 2, arbitrary: stringLiteral },
    { weight: 1, arbitrary: keywordLiteral },
    { weight: 4, arbitrary: reference },
    { weight: 1, arbitrary: tie('expr').map((e) => `NOT (${e})`) },
    { weight: 1, arbitrary: tie('expr').map((e) => `-(${e})`) },
    {
      weight: 4,
      arbitrary: fc.tuple(tie('expr'), fc.constantFrom(...BINARY_OPS), tie('expr')).map(([a, op, b]) => `(${a}) ${op} (${b})`),
    },
    {
      weight: 2,
      arbitrary: fc
        .tuple(fc.constantFrom(...FUNCTION_NAMES_WITH_ALIASES), fc.array(tie('expr'), { minLength: 3, maxLength: 4 }))
        .chain(([name, pool]) => {
          const spec = lookupFunction(name);
          if (spec === undefined) throw new Error(name);
          const max = Math.min(spec.maxArgs, pool.length);
          return fc
            .tuple(fc.integer({ min: spec.minArgs, max }), randomCase(name))
            .map(([n, cased]) => `${cased}(${pool.slice(0, n).join(', ')})`);
        }),
    },
  ),
})).expr;

/** Conditions with a realistic shape: comparisons of references with literals, combined. */
const COMPARISON_OPS = ['=', '!=', '<', '>=', '<>', '>', '<='];
const stringRef = fc.oneof(
  fc.constantFrom('temp', 'Temp', 'TEMP', 'level', 'Level', 'LEVEL', 'a', 'missing'),
  fc
    .constantFrom('messageId', 'correlationId', 'connectionDeviceId', 'dt-subject', 'temp', 'level')
    .chain(randomCase)
    .map((n) => `$${n}`),
);
const jsonRef = fc.oneof(
  pathText.map((p) => `$body${p}`),
  fc.constantFrom(...KNOWN_PATHS).map((p) => `$twin.tags${p}`),
);
const poolNumber = fc.constantFrom(...NUMBERS.map(String), '-5', '-2.5', '0x5');
const comparisonArb = fc
  .oneof(
    { weight: 3, arbitrary: fc.tuple(stringRef, fc.constantFrom(...COMPARISON_OPS), stringLiteral) },
    {
      weight: 3,
      arbitrary: fc.tuple(jsonRef, fc.constantFrom(...COMPARISON_OPS), fc.oneof(poolNumber, stringLiteral, keywordLiteral)),
    },
    {
      weight: 1,
      arbitrary: fc.tuple(reference, fc.constantFrom(...COMPARISON_OPS), fc.oneof(stringLiteral, numberLiteral, keywordLiteral)),
    },
  )
  .map(([r, op, l]) => `${r} ${op} ${l}`);
const realisticArb = fc
  .array(
    fc.tuple(
      fc.oneof({ weight: 4, arbitrary: comparisonArb }, { weight: 1, arbitrary: reference }),
      fc.constantFrom(' AND ', ' OR ', ' AND NOT ', ' OR NOT '),
    ),
    { minLength: 1, maxLength: 3 },
  )
  .map((parts) => parts.map(([c, j], i) => (i === 0 ? c : `${j}${c}`)).join(''));

const anyCondition = fc.oneof(expressionArb, realisticArb);

function stripPositions(node: Ast): unknown {
  return JSON.parse(JSON.stringify(node, (k, v: unknown) => (k === 'pos' ? undefined : v === undefined ? '<undefined>' : v)));
}

function sameValue(a: unknown, b: unknown): boolean {
  return Object.is(a, b) || JSON.stringify(a) === JSON.stringify(b);
}

const RUNS = { numRuns: 500 };

// ---------------------------------------------------------------------------------------------

describe('property: compileCondition is total over strings', () => {
  const tokenSoup = fc
    .array(
      fc.constantFrom(
        'a',
        'AND',
        'or',
        'NOT',
        '(',
        ')',
        '=',
        '<>',
        '!=',
        '<',
        '>=',
        '+',
        '-',
        '*',
        '/',
        '%',
        ',',
        '.',
        '[',
        ']',
        "'",
        '"',
        '\\',
        "'x'",
        '"y"',
        '0x',
        '1e',
        '1.5',
        '42',
        '$',
        '$body',
        '$twin',
        '$messageId',
        'LENGTH(',
        'concat(',
        'true',
        'null',
        'undefined',
        '$dt-subject',
        '$a-',
        ' ',
        '\n',
        '\\u00',
        'é',
        '😀',
        '#',
      ),
      { maxLength: 30 },
    )
    .map((parts) => parts.join(''));

  it('returns a function or throws QuerySyntaxError, for any string', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 40 }), fc.string({ maxLength: 40 }), tokenSoup), (source) => {
        try {
          const f = compileCondition(source);
          expect(typeof f).toBe('function');
        } catch (e) {
          if (!(e instanceof QuerySyntaxError)) throw e;
          expect(e.position).toBeGreaterThanOrEqual(0);
          expect(e.position).toBeLessThanOrEqual(source.length);
          expect(e.message).toBe(`Syntax error at position ${e.position}: ${e.reason}`);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('never overflows the stack on deeply nested or very long input', () => {
    fc.assert(
      fc.property(fc.constantFrom('(', 'NOT ', '-', 'abs(', 'NOT (', '- (', 'concat(a, '), fc.integer({ min: 1, max: 2000 }), (open, n) => {
        const source = `${open.repeat(n)}1`;
        try {
          compileCondition(source);
        } catch (e) {
          if (!(e instanceof QuerySyntaxError)) throw e;
        }
      }),
      { numRuns: 100 },
    );
  });
});

describe('property: valid conditions', () => {
  it('the generators give a useful mix of true, false and undefined results', () => {
    const samples = fc.sample(fc.tuple(anyCondition, messageArb), { numRuns: 2000, seed: 42 });
    const results = samples.map(([c, m]) => compileAst(parseCondition(c))(m));
    const share = (p: (v: unknown) => boolean) => results.filter(p).length / results.length;
    expect(share((v) => v === true)).toBeGreaterThan(0.08);
    expect(share((v) => v === false)).toBeGreaterThan(0.08);
    expect(share((v) => v === undefined)).toBeGreaterThan(0.1);
    const bodyHits = samples.filter(([c, m]) => /\$body\.\w/.test(c) && compileAst(parseCondition(c))(m) !== undefined);
    expect(bodyHits.length).toBeGreaterThan(20);
  });

  it('the generator only produces conditions that parse', () => {
    fc.assert(
      fc.property(anyCondition, (source) => {
        parseCondition(source);
      }),
      RUNS,
    );
  });

  it('evaluate to a boolean on any message and never throw', () => {
    fc.assert(
      fc.property(anyCondition, fc.array(messageArb, { minLength: 1, maxLength: 3 }), (source, msgs) => {
        const f = compileCondition(source);
        const raw = compileAst(parseCondition(source));
        for (const msg of msgs) {
          expect(typeof f(msg)).toBe('boolean');
          const v = raw(msg);
          expect(['undefined', 'boolean', 'number', 'string', 'object']).toContain(typeof v);
          if (typeof v === 'number') expect(Number.isFinite(v)).toBe(true);
        }
      }),
      RUNS,
    );
  });

  it('round trip: parse(format(ast)) is ast, and format is a fixed point', () => {
    fc.assert(
      fc.property(anyCondition, (source) => {
        const ast = parseCondition(source);
        const text = formatAst(ast);
        const again = parseCondition(text);
        expect(stripPositions(again)).toEqual(stripPositions(ast));
        expect(formatAst(again)).toBe(text);
      }),
      RUNS,
    );
  });

  it('compiled closures agree with the reference interpreter', () => {
    fc.assert(
      fc.property(anyCondition, messageArb, (source, msg) => {
        const ast = parseCondition(source);
        const expected = refEval(ast, msg);
        const actual = compileAst(ast)(msg);
        if (!sameValue(actual, expected)) {
          throw new Error(`${source}: compiled ${JSON.stringify(actual)} reference ${JSON.stringify(expected)}`);
        }
        expect(compileCondition(source)(msg)).toBe(expected === true);
      }),
      { numRuns: 3000 },
    );
  });

  it('NOT (c) matches exactly when c evaluates to false', () => {
    fc.assert(
      fc.property(anyCondition, messageArb, (source, msg) => {
        const raw = compileAst(parseCondition(source))(msg);
        expect(compileCondition(`NOT (${source})`)(msg)).toBe(raw === false);
        // and `c OR NOT c` matches exactly when c is a boolean (three-valued logic)
        expect(compileCondition(`(${source}) OR NOT (${source})`)(msg)).toBe(typeof raw === 'boolean');
      }),
      RUNS,
    );
  });
});
