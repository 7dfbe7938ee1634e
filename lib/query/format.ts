/**
 * Prints a tree back as condition text. Every compound sub-expression is parenthesised, so
 * `parseCondition(formatAst(ast))` gives back the same tree (positions aside).
 */
import type { Ast, PathStep } from './ast';

function quote(s: string): string {
  let out = "'";
  for (let i = 0; i < s.length; i++) {
    const ch = s[i] as string;
    const code = s.charCodeAt(i);
    if (ch === "'") out += "\\'";
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20 || code === 0x7f || (code >= 0xd800 && code <= 0xdfff)) {
      out += `\\u${code.toString(16).padStart(4, '0')}`;
    } else out += ch;
  }
  return `${out}'`;
}

function formatLiteral(value: string | number | boolean | null | undefined): string {
  if (typeof value === 'string') return quote(value);
  if (typeof value === 'number') return String(value); // never negative when parsed
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  return value ? 'true' : 'false';
}

function formatPath(steps: PathStep[]): string {
  let out = '';
  for (const { key, bracket } of steps) {
    if (typeof key === 'number') out += `[${key}]`;
    else if (bracket) out += `[${quote(key)}]`;
    else out += `.${key}`;
  }
  return out;
}

function isAtomic(node: Ast): boolean {
  return (
    node.kind === 'system' ||
    node.kind === 'app' ||
    node.kind === 'body' ||
    node.kind === 'twin' ||
    node.kind === 'call' ||
    (node.kind === 'literal' && !(typeof node.value === 'number' && (node.value < 0 || Object.is(node.value, -0))))
  );
}

function wrap(node: Ast): string {
  const text = formatAst(node);
  return isAtomic(node) ? text : `(${text})`;
}

export function formatAst(node: Ast): string {
  switch (node.kind) {
    case 'literal':
      return formatLiteral(node.value);
    case 'system':
      return `$${node.name}`;
    case 'app':
      return node.dollar ? `$${node.name}` : node.name;
    case 'body':
      return `$body${formatPath(node.path)}`;
    case 'twin':
      return `$twin${formatPath(node.path)}`;
    case 'unary':
      return node.op === 'NOT' ? `NOT ${wrap(node.operand)}` : `-${wrap(node.operand)}`;
    case 'binary':
      return `${wrap(node.left)} ${node.op} ${wrap(node.right)}`;
    case 'logical':
      return node.operands.map(wrap).join(` ${node.op} `);
    case 'call':
      return `${node.name}(${node.args.map(formatAst).join(', ')})`;
  }
}
