import type { Ast, BinaryOp, PathStep } from './ast';
import { MAX_NESTING_DEPTH, QuerySyntaxError } from './errors';
import { lookupFunction } from './functions';
import { tokenize, type Token } from './lexer';
import { KEYWORDS, systemPropertyKey } from './names';

/*
 * Recursive descent, lowest precedence first:
 *   or         := and ( OR and )*
 *   and        := not ( AND not )*
 *   not        := NOT not | comparison
 *   comparison := additive ( ( = | != | <> | < | > | <= | >= ) additive )?
 *   additive   := multiplicative ( ( + | - ) multiplicative )*
 *   multiplicative := unary ( ( * | / | % ) unary )*
 *   unary      := - unary | primary
 *   primary    := literal | reference | call | ( or )
 */

const COMPARISON_OPS: ReadonlyMap<string, BinaryOp> = new Map<string, BinaryOp>([
  ['=', '='],
  ['!=', '!='],
  ['<>', '!='],
  ['<', '<'],
  ['>', '>'],
  ['<=', '<='],
  ['>=', '>='],
]);

const NESTING_REASON = `expression nested too deeply (max ${MAX_NESTING_DEPTH} levels)`;

class Parser {
  private i = 0;
  private depth = 0;

  constructor(
    private readonly source: string,
    private readonly tokens: Token[],
  ) {}

  private peek(): Token {
    return this.tokens[this.i] as Token; // the eof token is never consumed past
  }

  private next(): Token {
    const t = this.peek();
    if (t.kind !== 'eof') this.i++;
    return t;
  }

  private isOp(t: Token, op: string): boolean {
    return t.kind === 'op' && t.text === op;
  }

  private isKeyword(t: Token, kw: string): boolean {
    return t.kind === 'ident' && t.text.length === kw.length && t.text.toUpperCase() === kw;
  }

  private describe(t: Token): string {
    if (t.kind === 'eof') return 'end of input';
    const text = this.source.slice(t.pos, t.end);
    return `'${text.length > 30 ? `${text.slice(0, 30)}...` : text}'`;
  }

  private unexpected(t: Token): QuerySyntaxError {
    if (t.kind === 'eof') return new QuerySyntaxError(t.pos, 'unexpected end of input');
    return new QuerySyntaxError(t.pos, `unexpected ${this.describe(t)}`);
  }

  private expectOp(op: string): Token {
    const t = this.peek();
    if (!this.isOp(t, op)) {
      throw new QuerySyntaxError(t.pos, `expected '${op}' but found ${this.describe(t)}`);
    }
    return this.next();
  }

  private enter(pos: number): void {
    if (++this.depth > MAX_NESTING_DEPTH) throw new QuerySyntaxError(pos, NESTING_REASON);
  }

  private leave(): void {
    this.depth--;
  }

  parseCondition(): Ast {
    if (this.peek().kind === 'eof') return { kind: 'literal', pos: 0, value: true };
    const ast = this.parseOr();
    const t = this.peek();
    if (t.kind !== 'eof') throw this.unexpected(t);
    return ast;
  }

  private parseLogical(op: 'AND' | 'OR', operand: () => Ast): Ast {
    const first = operand();
    let t = this.peek();
    if (!this.isKeyword(t, op)) return first;
    const operands = [first];
    const pos = t.pos;
    while (this.isKeyword(t, op)) {
      this.next();
      operands.push(operand());
      t = this.peek();
    }
    return { kind: 'logical', op, pos, operands };
  }

  private parseOr(): Ast {
    return this.parseLogical('OR', () => this.parseAnd());
  }

  private parseAnd(): Ast {
    return this.parseLogical('AND', () => this.parseNot());
  }

  private parseNot(): Ast {
    const t = this.peek();
    if (this.isKeyword(t, 'NOT')) {
      this.next();
      this.enter(t.pos);
      const operand = this.parseNot();
      this.leave();
      return { kind: 'unary', op: 'NOT', pos: t.pos, operand };
    }
    return this.parseComparison();
  }

  private parseComparison(): Ast {
    const left = this.parseAdditive();
    const t = this.peek();
    const op = t.kind === 'op' ? COMPARISON_OPS.get(t.text) : undefined;
    if (op === undefined) return left;
    this.next();
    const right = this.parseAdditive();
    return { kind: 'binary', op, pos: t.pos, left, right };
  }

  private parseAdditive(): Ast {
    let left = this.parseMultiplicative();
    for (;;) {
      const t = this.peek();
      if (!(this.isOp(t, '+') || this.isOp(t, '-'))) return left;
      this.next();
      const right = this.parseMultiplicative();
      left = {
        kind: 'binary',
        op: t.text as '+' | '-',
        pos: t.pos,
        left,
        right,
      };
    }
  }

  private parseMultiplicative(): Ast {
    let left = this.parseUnary();
    for (;;) {
      const t = this.peek();
      if (!(this.isOp(t, '*') || this.isOp(t, '/') || this.isOp(t, '%'))) return left;
      this.next();
      const right = this.parseUnary();
      left = {
        kind: 'binary',
        op: t.text as '*' | '/' | '%',
        pos: t.pos,
        left,
        right,
      };
    }
  }

  private parseUnary(): Ast {
    const t = this.peek();
    if (this.isOp(t, '-')) {
      this.next();
      this.enter(t.pos);
      const operand = this.parseUnary();
      this.leave();
      return { kind: 'unary', op: '-', pos: t.pos, operand };
    }
    return this.parsePrimary();
  }

  private parsePrimary(): Ast {
    const t = this.peek();
    switch (t.kind) {
      case 'number':
        this.next();
        return { kind: 'literal', pos: t.pos, value: t.value };
      case 'string':
        this.next();
        return { kind: 'literal', pos: t.pos, value: t.text };
      case 'ident':
        return this.parseIdent();
      case 'dollar':
        return this.parseDollar();
      case 'op':
        if (t.text === '(') {
          this.next();
          this.enter(t.pos);
          const inner = this.parseOr();
          this.leave();
          this.expectOp(')');
          return inner;
        }
        throw this.unexpected(t);
      case 'eof':
        throw new QuerySyntaxError(t.pos, 'expected expression');
    }
  }

  private parseIdent(): Ast {
    const t = this.next();
    const upper = t.text.toUpperCase();
    if (KEYWORDS.has(upper)) {
      switch (upper) {
        case 'TRUE':
          return { kind: 'literal', pos: t.pos, value: true };
        case 'FALSE':
          return { kind: 'literal', pos: t.pos, value: false };
        case 'NULL':
          return { kind: 'literal', pos: t.pos, value: null };
        case 'UNDEFINED':
          return { kind: 'literal', pos: t.pos, value: undefined };
        default:
          throw new QuerySyntaxError(t.pos, `unexpected keyword '${t.text}'`);
      }
    }
    if (this.isOp(this.peek(), '(')) return this.parseCall(t);
    return { kind: 'app', pos: t.pos, name: t.text, dollar: false };
  }

  private parseCall(nameTok: Token): Ast {
    const spec = lookupFunction(nameTok.text);
    if (spec === undefined) throw new QuerySyntaxError(nameTok.pos, `unknown function '${nameTok.text}'`);
    const open = this.next(); // '('
    this.enter(open.pos);
    const args: Ast[] = [];
    if (!this.isOp(this.peek(), ')')) {
      for (;;) {
        args.push(this.parseOr());
        if (!this.isOp(this.peek(), ',')) break;
        this.next();
      }
    }
    this.leave();
    this.expectOp(')');
    if (args.length < spec.minArgs || args.length > spec.maxArgs) {
      const expected =
        spec.maxArgs === Infinity
          ? `at least ${spec.minArgs}`
          : spec.minArgs === spec.maxArgs
            ? `${spec.minArgs}`
            : `${spec.minArgs} to ${spec.maxArgs}`;
      const plural = spec.minArgs === 1 && spec.maxArgs === 1 ? 'argument' : 'arguments';
      throw new QuerySyntaxError(nameTok.pos, `function ${spec.name} expects ${expected} ${plural} but got ${args.length}`);
    }
    return { kind: 'call', pos: nameTok.pos, name: spec.name, args };
  }

  /** A token that directly follows the previous one (no whitespace in between). */
  private adjacent(prevEnd: number): Token | undefined {
    const t = this.peek();
    return t.pos === prevEnd ? t : undefined;
  }

  private parseDollar(): Ast {
    const t = this.next();
    const lower = t.text.toLowerCase();
    if (lower === 'body' || lower === 'twin') {
      const path = this.parsePath(t.end);
      return { kind: lower, pos: t.pos, path };
    }
    // `$a.b`: a dotted name (looked up whole, like a bare dotted name).
    let name = t.text;
    let end = t.end;
    for (;;) {
      const dot = this.adjacent(end);
      if (dot === undefined || !this.isOp(dot, '.')) break;
      this.next();
      const part = this.adjacent(dot.end);
      if (part === undefined || part.kind !== 'ident') {
        throw new QuerySyntaxError(dot.end, "expected a property name after '.'");
      }
      this.next();
      name += `.${part.text}`;
      end = part.end;
    }
    const key = systemPropertyKey(name);
    if (key !== undefined) return { kind: 'system', pos: t.pos, name, key };
    return { kind: 'app', pos: t.pos, name, dollar: true };
  }

  /** `.key`, `.$key`, `[0]`, `['key']` steps, written without whitespace between them. */
  private parsePath(start: number): PathStep[] {
    const path: PathStep[] = [];
    let end = start;
    for (;;) {
      const t = this.adjacent(end);
      if (t === undefined) return path;
      if (this.isOp(t, '.')) {
        this.next();
        const part = this.adjacent(t.end);
        if (part !== undefined && part.kind === 'ident') {
          for (const key of part.text.split('.')) path.push({ key, bracket: false });
        } else if (part !== undefined && part.kind === 'dollar') {
          path.push({ key: `$${part.text}`, bracket: false });
        } else {
          throw new QuerySyntaxError(t.end, "expected a property name after '.'");
        }
        this.next();
        end = part.end;
      } else if (this.isOp(t, '[')) {
        this.next();
        const k = this.next();
        if (k.kind === 'number') {
          if (!Number.isSafeInteger(k.value) || k.value < 0) {
            throw new QuerySyntaxError(k.pos, 'array index must be a non-negative integer');
          }
          path.push({ key: k.value, bracket: true });
        } else if (k.kind === 'string') {
          path.push({ key: k.text, bracket: true });
        } else {
          throw new QuerySyntaxError(k.pos, `expected an array index or a quoted key but found ${this.describe(k)}`);
        }
        end = this.expectOp(']').end;
      } else {
        return path;
      }
    }
  }
}

/** Reject trees deeper than MAX_NESTING_DEPTH (recursion here is bounded by that limit). */
function checkDepth(node: Ast, depth: number): void {
  if (depth > MAX_NESTING_DEPTH) throw new QuerySyntaxError(node.pos, NESTING_REASON);
  switch (node.kind) {
    case 'unary':
      checkDepth(node.operand, depth + 1);
      return;
    case 'binary':
      checkDepth(node.left, depth + 1);
      checkDepth(node.right, depth + 1);
      return;
    case 'logical':
      for (const o of node.operands) checkDepth(o, depth + 1);
      return;
    case 'call':
      for (const a of node.args) checkDepth(a, depth + 1);
      return;
    default:
      return;
  }
}

/**
 * Parse a routing condition. An empty or whitespace-only condition is the literal `true`.
 * Throws QuerySyntaxError (with a 0-based position) and nothing else.
 */
export function parseCondition(source: string): Ast {
  if (typeof source !== 'string') throw new QuerySyntaxError(0, 'condition must be a string');
  const ast = new Parser(source, tokenize(source)).parseCondition();
  checkDepth(ast, 1);
  return ast;
}
