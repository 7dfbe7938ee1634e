/**
 * Compiles a parsed condition into a tree of closures, once. Evaluation never re-parses and
 * allocates nothing beyond the per-message lazy cache (parsed body, lower-cased property
 * names). Sub-expressions that do not depend on the message are folded to constants, and
 * the common shapes (`prop = 'x'`, `expr > 5`, `a AND b`, `f(prop)`) get dedicated closures
 * so that a condition costs as few calls as possible.
 */
import type { Ast, BinaryNode, CallNode, ComparisonOp, LogicalNode, PathStep } from './ast';
import { isComparisonOp } from './ast';
import { applyFunction, lookupFunction } from './functions';
import { appProperty, bodyKey, jsonBody, walkTags, walkExact, walkJson, type RoutableMessage } from './message';
import { parseCondition } from './parser';
import { arithmetic, compare, equals, finiteOrUndefined, negate, not, order } from './semantics';

/** Evaluates a (sub-)expression against a message: a JSON-like value or undefined. */
export type Evaluator = (msg: RoutableMessage) => unknown;

export type CompiledCondition = (msg: RoutableMessage) => boolean;

interface Compiled {
  ev: Evaluator;
  /** True when the value does not depend on the message (then `value` holds it). */
  isConst: boolean;
  value: unknown;
}

function constant(value: unknown): Compiled {
  return { ev: () => value, isConst: true, value };
}

function dynamic(ev: Evaluator): Compiled {
  return { ev, isConst: false, value: undefined };
}

const UNDEFINED = constant(undefined);

// ---------------------------------------------------------------------------------------------
// Values

function compileNode(node: Ast): Compiled {
  switch (node.kind) {
    case 'literal':
      return constant(node.value);
    case 'system': {
      const key = node.key;
      return dynamic((m) => m.systemProperties[key]);
    }
    case 'app': {
      const name = node.name;
      const lower = name.toLowerCase();
      return dynamic((m) => {
        const v = m.properties[name];
        return typeof v === 'string' ? v : appProperty(m, name, lower);
      });
    }
    case 'body':
      return compileBody(node.path);
    case 'twin':
      return compileTwin(node.path);
    case 'unary': {
      const operand = compileNode(node.operand);
      if (operand.isConst) return constant(node.op === 'NOT' ? not(operand.value) : negate(operand.value));
      const ev = operand.ev;
      return node.op === 'NOT'
        ? dynamic((m) => {
            const v = ev(m);
            return v === true ? false : v === false ? true : undefined;
          })
        : dynamic((m) => {
            const v = ev(m);
            return typeof v === 'number' ? -v : undefined;
          });
    }
    case 'binary':
      return isComparisonOp(node.op) ? compileComparison(node, node.op) : compileArithmetic(node);
    case 'logical':
      return compileLogical(node);
    case 'call':
      return compileCall(node);
  }
}

/**
 * `$body.a.b[0]`. Only references that start with a key are supported; a reference to the
 * whole body (`$body`, `$body[0]`) is undefined, as in IoT Hub.
 */
function compileBody(steps: PathStep[]): Compiled {
  const first = steps[0];
  if (first === undefined || typeof first.key !== 'string') return UNDEFINED;
  const path = steps.map((s) => s.key);
  if (path.includes('__proto__')) return dynamic((m) => walkExact(jsonBody(m), path));
  const k0 = first.key;
  if (path.length === 1) return dynamic((m) => bodyKey(m, k0));
  const rest = path.slice(1);
  return dynamic((m) => {
    const v = bodyKey(m, k0);
    return typeof v === 'object' && v !== null ? walkJson(v, rest) : undefined;
  });
}

/** `$twin.tags.a.b` (tag keys case-sensitive, as twin keys are). Only tags are available; anything else is undefined. */
function compileTwin(steps: PathStep[]): Compiled {
  const first = steps[0];
  if (first === undefined || typeof first.key !== 'string' || first.key.toLowerCase() !== 'tags') return UNDEFINED;
  const path = steps.slice(1).map((s) => s.key);
  return dynamic((m) => walkTags(m.twinTags, path));
}

function compileArithmetic(node: BinaryNode): Compiled {
  const op = node.op as '+' | '-' | '*' | '/' | '%';
  const l = compileNode(node.left);
  const r = compileNode(node.right);
  if (l.isConst && r.isConst) return constant(arithmetic(op, l.value, r.value));
  const a = l.ev;
  const b = r.ev;
  switch (op) {
    case '+':
      return dynamic((m) => {
        const x = a(m);
        const y = b(m);
        return typeof x === 'number' && typeof y === 'number' ? finiteOrUndefined(x + y) : undefined;
      });
    case '-':
      return dynamic((m) => {
        const x = a(m);
        const y = b(m);
        return typeof x === 'number' && typeof y === 'number' ? finiteOrUndefined(x - y) : undefined;
      });
    case '*':
      return dynamic((m) => {
        const x = a(m);
        const y = b(m);
        return typeof x === 'number' && typeof y === 'number' ? finiteOrUndefined(x * y) : undefined;
      });
    case '/':
      return dynamic((m) => {
        const x = a(m);
        const y = b(m);
        return typeof x === 'number' && typeof y === 'number' ? finiteOrUndefined(x / y) : undefined;
      });
    case '%':
      return dynamic((m) => {
        const x = a(m);
        const y = b(m);
        return typeof x === 'number' && typeof y === 'number' ? finiteOrUndefined(x % y) : undefined;
      });
  }
}

/** The operator with its operands swapped: `c < x` is `x > c`. */
function mirror(op: ComparisonOp): ComparisonOp {
  switch (op) {
    case '<':
      return '>';
    case '>':
      return '<';
    case '<=':
      return '>=';
    case '>=':
      return '<=';
    default:
      return op;
  }
}

/** The operator that is true exactly when `op` is false (for operands of one comparable type). */
function negateOp(op: ComparisonOp): ComparisonOp {
  switch (op) {
    case '=':
      return '!=';
    case '!=':
      return '=';
    case '<':
      return '>=';
    case '>=':
      return '<';
    case '>':
      return '<=';
    case '<=':
      return '>';
  }
}

function isPropertyLeaf(node: Ast): boolean {
  return node.kind === 'system' || node.kind === 'app';
}

/**
 * A comparison with one constant side, normalised to `expr op constant`; undefined when
 * neither side is constant.
 */
interface ConstComparison {
  op: ComparisonOp;
  expr: Ast;
  ev: Evaluator;
  value: unknown;
}

function asConstComparison(node: BinaryNode, op: ComparisonOp, l: Compiled, r: Compiled): ConstComparison | undefined {
  if (r.isConst) return { op, expr: node.left, ev: l.ev, value: r.value };
  if (l.isConst) return { op: mirror(op), expr: node.right, ev: r.ev, value: l.value };
  return undefined;
}

/**
 * True when a comparison with this constant is undefined whatever the message: null,
 * undefined, arrays and objects never compare; booleans only with `=` / `!=`; properties are
 * strings (or absent), so they only compare with strings.
 */
function alwaysUndefined(cc: ConstComparison): boolean {
  const t = typeof cc.value;
  if (t === 'boolean') return !(cc.op === '=' || cc.op === '!=') || isPropertyLeaf(cc.expr);
  if (t === 'number') return isPropertyLeaf(cc.expr);
  return t !== 'string';
}

function compileComparison(node: BinaryNode, op: ComparisonOp): Compiled {
  const l = compileNode(node.left);
  const r = compileNode(node.right);
  if (l.isConst && r.isConst) return constant(compare(op, l.value, r.value));
  const cc = asConstComparison(node, op, l, r);
  if (cc !== undefined) {
    if (alwaysUndefined(cc)) return UNDEFINED;
    return dynamic(compareWithConstant(cc.op, cc.ev, cc.value as string | number | boolean));
  }
  const a = l.ev;
  const b = r.ev;
  switch (op) {
    case '=':
      return dynamic((m) => equals(a(m), b(m)));
    case '!=':
      return dynamic((m) => {
        const e = equals(a(m), b(m));
        return e === undefined ? undefined : !e;
      });
    default:
      return dynamic((m) => order(op, a(m), b(m)));
  }
}

/*
 * `expr op c` with a constant string, number or boolean `c`: the result is undefined unless
 * the value has the type of `c`, decided with one `typeof`. Relational operators on two
 * strings or two numbers mean the same in JS as in the query language, so one closure per
 * operator serves both types (the casts below only satisfy the type checker).
 */
function compareWithConstant(op: ComparisonOp, ev: Evaluator, c: string | number | boolean): Evaluator {
  const t = typeof c;
  const k = c as string;
  switch (op) {
    case '=':
      return (m) => {
        const v = ev(m);
        return typeof v === t ? v === c : undefined;
      };
    case '!=':
      return (m) => {
        const v = ev(m);
        return typeof v === t ? v !== c : undefined;
      };
    case '<':
      return (m) => {
        const v = ev(m);
        return typeof v === t ? (v as string) < k : undefined;
      };
    case '>':
      return (m) => {
        const v = ev(m);
        return typeof v === t ? (v as string) > k : undefined;
      };
    case '<=':
      return (m) => {
        const v = ev(m);
        return typeof v === t ? (v as string) <= k : undefined;
      };
    case '>=':
      return (m) => {
        const v = ev(m);
        return typeof v === t ? (v as string) >= k : undefined;
      };
  }
}

function compileLogical(node: LogicalNode): Compiled {
  // For AND, `stop` is false (false wins); for OR it is true. The identity (true for AND,
  // false for OR) is dropped; any other constant makes the result unknown unless `stop` occurs.
  const stop = node.op === 'OR';
  const identity = !stop;
  const evs: Evaluator[] = [];
  let unknown = false;
  for (const operand of node.operands) {
    const c = compileNode(operand);
    if (c.isConst) {
      if (c.value === stop) return constant(stop);
      if (c.value !== identity) unknown = true;
    } else {
      evs.push(c.ev);
    }
  }
  const [e0, e1] = evs;
  if (e0 === undefined) return constant(unknown ? undefined : identity);
  if (unknown) {
    // Can only end up `stop` or undefined.
    return dynamic((m) => {
      for (let i = 0; i < evs.length; i++) if ((evs[i] as Evaluator)(m) === stop) return stop;
      return undefined;
    });
  }
  if (e1 === undefined) {
    return dynamic((m) => {
      const v = e0(m);
      return v === true || v === false ? v : undefined;
    });
  }
  if (evs.length === 2) {
    return stop
      ? dynamic((m) => {
          const a = e0(m);
          if (a === true) return true;
          const b = e1(m);
          if (b === true) return true;
          return a === false && b === false ? false : undefined;
        })
      : dynamic((m) => {
          const a = e0(m);
          if (a === false) return false;
          const b = e1(m);
          if (b === false) return false;
          return a === true && b === true ? true : undefined;
        });
  }
  return dynamic((m) => {
    let unk = false;
    for (let i = 0; i < evs.length; i++) {
      const v = (evs[i] as Evaluator)(m);
      if (v === stop) return stop;
      if (v !== identity) unk = true;
    }
    return unk ? undefined : identity;
  });
}

function compileCall(node: CallNode): Compiled {
  const spec = lookupFunction(node.name);
  if (spec === undefined) return UNDEFINED; // unreachable: the parser checked the name
  const args = node.args.map(compileNode);
  if (args.every((a) => a.isConst)) {
    return constant(
      applyFunction(
        spec,
        args.map((a) => a.value),
      ),
    );
  }
  const evs = args.map((a) => a.ev);
  const [a0, a1, a2] = evs;
  const n0 = node.args[0];
  if (evs.length === 1 && spec.fn1 && a0) {
    const f = spec.fn1;
    // f(prop): read the property inline.
    if (n0?.kind === 'system') {
      const key = n0.key;
      return dynamic((m) => f(m.systemProperties[key]));
    }
    if (n0?.kind === 'app') {
      const name = n0.name;
      const lower = name.toLowerCase();
      return dynamic((m) => {
        const v = m.properties[name];
        return f(typeof v === 'string' ? v : appProperty(m, name, lower));
      });
    }
    return dynamic((m) => f(a0(m)));
  }
  if (evs.length === 2 && spec.fn2 && a0 && a1) {
    const f = spec.fn2;
    // f(expr, 'constant'), e.g. STARTS_WITH($messageId, 'abc').
    if (args[1]?.isConst) {
      const c = args[1].value;
      if (n0?.kind === 'system') {
        const key = n0.key;
        return dynamic((m) => f(m.systemProperties[key], c));
      }
      return dynamic((m) => f(a0(m), c));
    }
    return dynamic((m) => f(a0(m), a1(m)));
  }
  if (evs.length === 3 && spec.fn3 && a0 && a1 && a2) {
    const f = spec.fn3;
    return dynamic((m) => f(a0(m), a1(m), a2(m)));
  }
  if (spec.name === 'CONCAT') {
    return dynamic((m) => {
      let out = '';
      for (let i = 0; i < evs.length; i++) {
        const v = (evs[i] as Evaluator)(m);
        if (typeof v !== 'string') return undefined;
        out += v;
      }
      return out;
    });
  }
  // Unreachable with the current function table (every arity has a dedicated form above).
  return dynamic((m) =>
    applyFunction(
      spec,
      evs.map((e) => e(m)),
    ),
  );
}

/**
 * Compile a parsed tree to an evaluator returning the raw three-valued result (boolean,
 * undefined, or any other value). Exposed for tests and tooling.
 */
export function compileAst(ast: Ast): Evaluator {
  return compileNode(ast).ev;
}

// ---------------------------------------------------------------------------------------------
// Truth tests. A condition only needs to know whether the result is exactly `true`, so the
// top of the tree compiles to two-valued predicates: `a AND b` is true iff both are true,
// `a OR b` iff either is, `NOT a` iff `a` is false (and dually for "is exactly false").
// This drops the undefined bookkeeping and a call level from the common shapes.

const ALWAYS: CompiledCondition = () => true;
const NEVER: CompiledCondition = () => false;

function allOf(tests: CompiledCondition[]): CompiledCondition {
  const [t0, t1, t2] = tests;
  if (t0 === undefined) return ALWAYS;
  if (t1 === undefined) return t0;
  if (t2 === undefined) return (m) => t0(m) && t1(m);
  return (m) => {
    for (let i = 0; i < tests.length; i++) if (!(tests[i] as CompiledCondition)(m)) return false;
    return true;
  };
}

function anyOf(tests: CompiledCondition[]): CompiledCondition {
  const [t0, t1, t2] = tests;
  if (t0 === undefined) return NEVER;
  if (t1 === undefined) return t0;
  if (t2 === undefined) return (m) => t0(m) || t1(m);
  return (m) => {
    for (let i = 0; i < tests.length; i++) if ((tests[i] as CompiledCondition)(m)) return true;
    return false;
  };
}

/** Predicate: does `node` evaluate to exactly `want` (true or false)? */
function compileTest(node: Ast, want: boolean): CompiledCondition {
  const c = compileNode(node);
  if (c.isConst) return c.value === want ? ALWAYS : NEVER;
  switch (node.kind) {
    case 'logical': {
      // AND is true iff all operands are true, false iff any is false; OR the other way round.
      const all = (node.op === 'AND') === want;
      const tests: CompiledCondition[] = [];
      for (const operand of node.operands) {
        const t = compileTest(operand, want);
        if (t === (all ? ALWAYS : NEVER)) continue; // neutral
        if (t === (all ? NEVER : ALWAYS)) return t; // decides
        tests.push(t);
      }
      return all ? allOf(tests) : anyOf(tests);
    }
    case 'unary':
      if (node.op === 'NOT') return compileTest(node.operand, !want);
      break;
    case 'binary': {
      if (!isComparisonOp(node.op)) break;
      const cc = asConstComparison(node, node.op, compileNode(node.left), compileNode(node.right));
      if (cc === undefined || alwaysUndefined(cc)) break;
      // With both sides of one type, "is false" is "the negated operator is true".
      return constantComparisonTest(want ? cc.op : negateOp(cc.op), cc.expr, cc.ev, cc.value as string | number | boolean);
    }
    default:
      break;
  }
  const ev = c.ev;
  return want ? (m) => ev(m) === true : (m) => ev(m) === false;
}

/** "Is `expr op c` true?" in one closure (property reads inlined for `=` / `!=`). */
function constantComparisonTest(op: ComparisonOp, expr: Ast, ev: Evaluator, c: string | number | boolean): CompiledCondition {
  if (typeof c === 'string' && (op === '=' || op === '!=')) {
    if (expr.kind === 'system') {
      const key = expr.key;
      if (op === '=') return (m) => m.systemProperties[key] === c;
      return (m) => {
        const v = m.systemProperties[key];
        return typeof v === 'string' && v !== c;
      };
    }
    if (expr.kind === 'app') {
      const name = expr.name;
      const lower = name.toLowerCase();
      const eq = op === '=';
      return (m) => {
        let v = m.properties[name];
        if (typeof v !== 'string') v = appProperty(m, name, lower);
        return typeof v === 'string' && (v === c) === eq;
      };
    }
  }
  const t = typeof c;
  const k = c as string; // see compareWithConstant
  switch (op) {
    case '=':
      return (m) => ev(m) === c;
    case '!=':
      return (m) => {
        const v = ev(m);
        return typeof v === t && v !== c;
      };
    case '<':
      return (m) => {
        const v = ev(m);
        return typeof v === t && (v as string) < k;
      };
    case '>':
      return (m) => {
        const v = ev(m);
        return typeof v === t && (v as string) > k;
      };
    case '<=':
      return (m) => {
        const v = ev(m);
        return typeof v === t && (v as string) <= k;
      };
    case '>=':
      return (m) => {
        const v = ev(m);
        return typeof v === t && (v as string) >= k;
      };
  }
}

/**
 * Turn a tree into a condition: matches only when the result is exactly boolean `true`.
 * Total over well-formed messages (every value in RoutableMessage of its declared type,
 * which fromEnvelope guarantees): nothing in the compiled closures can throw.
 */
export function conditionFromAst(ast: Ast): CompiledCondition {
  return compileTest(ast, true);
}

/**
 * Parse once and compile to closures. Throws QuerySyntaxError (and nothing else) when the
 * condition does not parse; the returned function never throws.
 */
export function compileCondition(source: string): CompiledCondition {
  return conditionFromAst(parseCondition(source));
}
