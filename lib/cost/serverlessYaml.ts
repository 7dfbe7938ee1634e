/**
 * Reading serverless.yml without the framework: YAML with CloudFormation's short tags, and
 * the few Serverless variable forms this repository uses (`${self:a.b}`, `${param:x, default}`,
 * `${opt:x, 'default'}`, `${sls:stage}`, `${env:X}`, `${file(path)}` and `${file(path):a.b}`).
 * Unknown sources (`${cf:...}`, `${ssm:...}`) fall through to their default, and CloudFormation's
 * own `${Resource}` placeholders inside Fn::Sub strings are left alone. Pure: files are read
 * through the injected `readFile`.
 */
import { parse, type CollectionTag, type ScalarTag, type YAMLMap, type YAMLSeq } from 'yaml';

const INTRINSICS = [
  'Sub',
  'GetAtt',
  'Ref',
  'Join',
  'Select',
  'Split',
  'If',
  'Equals',
  'Not',
  'And',
  'Or',
  'FindInMap',
  'ImportValue',
  'Base64',
  'Cidr',
  'GetAZs',
  'Condition',
  'Transform',
];

function fnName(name: string): string {
  return name === 'Ref' || name === 'Condition' ? name : `Fn::${name}`;
}

/** `!Sub x` → `{ "Fn::Sub": x }`, `!GetAtt A.B` → `{ "Fn::GetAtt": ["A", "B"] }`, and the sequence/map forms. */
const cloudFormationTags: (ScalarTag | CollectionTag)[] = INTRINSICS.flatMap((name): (ScalarTag | CollectionTag)[] => {
  const collection = (value: YAMLMap.Parsed | YAMLSeq.Parsed): unknown => ({ [fnName(name)]: value.toJSON() as unknown });
  return [
    { tag: `!${name}`, resolve: (value: string) => ({ [fnName(name)]: name === 'GetAtt' ? value.split('.') : value }) },
    { tag: `!${name}`, collection: 'seq', resolve: collection },
    { tag: `!${name}`, collection: 'map', resolve: collection },
  ];
});

/** Parses serverless.yml or a CloudFormation fragment; CloudFormation short tags become their long form. */
export function parseServerlessYaml(text: string): unknown {
  return parse(text, { customTags: cloudFormationTags, merge: true });
}

export interface ResolveContext {
  params?: Readonly<Record<string, string>>;
  options?: Readonly<Record<string, string>>;
  env?: Readonly<Record<string, string | undefined>>;
  /** Returns the parsed content of a file referenced by `${file(path)}` (path as written). */
  readFile?: (path: string) => unknown;
}

const MAX_DEPTH = 20;
const VARIABLE = /\$\{([^${}]+)\}/g;
const KNOWN = /^\s*(self|opt|param|sls|env|aws|cf|cf\.[\w-]+|ssm|s3|file\([^)]*\))(?::|\s*$)/;

/** Resolves Serverless variables throughout a parsed serverless.yml. */
export function resolveServerless(root: unknown, ctx: ResolveContext = {}): unknown {
  const resolver = new Resolver(root, ctx);
  return resolver.value(root, 0);
}

class Resolver {
  constructor(
    private readonly root: unknown,
    private readonly ctx: ResolveContext,
  ) {}

  value(v: unknown, depth: number): unknown {
    if (depth > MAX_DEPTH) throw new Error('serverless.yml: variables nest too deeply (a cycle?)');
    if (typeof v === 'string') return this.string(v, depth);
    if (Array.isArray(v)) return v.map((item) => this.value(item, depth + 1));
    if (v !== null && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, item] of Object.entries(v)) out[k] = this.value(item, depth + 1);
      return out;
    }
    return v;
  }

  private string(s: string, depth: number): unknown {
    // A string that is exactly one variable keeps the type of what it resolves to.
    const whole = /^\$\{([^${}]+)\}$/.exec(s);
    if (whole?.[1] !== undefined && KNOWN.test(whole[1])) return this.value(this.expression(whole[1], depth), depth + 1);
    let current = s;
    for (let pass = 0; pass < MAX_DEPTH; pass++) {
      let changed = false;
      current = current.replace(VARIABLE, (match, body: string) => {
        if (!KNOWN.test(body)) return match;
        changed = true;
        const resolved = this.value(this.expression(body, depth), depth + 1);
        return resolved === undefined || resolved === null
          ? ''
          : typeof resolved === 'object'
            ? JSON.stringify(resolved)
            : String(resolved);
      });
      if (!changed) break;
    }
    return current;
  }

  /** `source:path, fallback, ...` → the first alternative that resolves. */
  private expression(body: string, depth: number): unknown {
    for (const alternative of splitTopLevel(body)) {
      const value = this.alternative(alternative.trim(), depth);
      if (value !== undefined && value !== null) return value;
    }
    return undefined;
  }

  private alternative(a: string, depth: number): unknown {
    const quoted = /^(['"])(.*)\1$/.exec(a);
    if (quoted) return quoted[2];
    if (/^-?\d+(\.\d+)?$/.test(a)) return Number(a);
    if (a === 'true' || a === 'false') return a === 'true';
    const file = /^file\(([^)]*)\)(?::(.*))?$/.exec(a);
    if (file) {
      // A JavaScript file is a fragment Serverless computes when packaging (infra/enhancedFanOut.cjs:
      // enhanced fan-out consumers); it holds nothing the cost model reads.
      if (/\.c?js$/.test(file[1]?.trim() ?? '')) return file[2] ? undefined : {};
      const content = this.ctx.readFile?.(file[1]?.trim() ?? '');
      return file[2] ? lookup(content, file[2]) : content;
    }
    const colon = a.indexOf(':');
    if (colon < 0) return undefined;
    const source = a.slice(0, colon);
    const path = a.slice(colon + 1);
    switch (source) {
      case 'self':
        return path === '' ? this.root : lookup(this.root, path);
      case 'opt':
        return this.ctx.options?.[path];
      case 'param':
        return this.ctx.params?.[path];
      case 'env':
        return this.ctx.env?.[path];
      case 'sls':
        if (path === 'stage') return this.ctx.options?.stage ?? this.value(lookup(this.root, 'provider.stage'), depth + 1) ?? 'dev';
        return undefined;
      case 'aws':
        if (path === 'region') return this.ctx.options?.region ?? this.value(lookup(this.root, 'provider.region'), depth + 1);
        return undefined;
      default:
        return undefined;
    }
  }
}

/** Splits `a, 'b, c', d` on the commas outside quotes and parentheses. */
function splitTopLevel(s: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote: string | null = null;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (quote) {
      if (c === quote) quote = null;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      parts.push(s.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(s.slice(start));
  return parts;
}

/** `a.b.c` in an object tree (undefined when any step is missing). */
export function lookup(root: unknown, path: string): unknown {
  let node: unknown = root;
  for (const key of path.split('.').filter((k) => k !== '')) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}
