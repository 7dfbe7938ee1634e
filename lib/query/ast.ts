/**
 * Syntax tree of a routing condition. Every node carries `pos`, the 0-based offset of its
 * first character in the source (for binary nodes: the operator's offset).
 */

/** A literal value: string, number, true/false, null, undefined. */
export interface LiteralNode {
  kind: 'literal';
  pos: number;
  value: string | number | boolean | null | undefined;
}

/** `$messageId`, `$iothub-connection-device-id`, ...: a known system property. */
export interface SystemPropertyNode {
  kind: 'system';
  pos: number;
  /** The name as written, without `$`. */
  name: string;
  /** Key in `RoutableMessage.systemProperties` (wire spelling, e.g. 'message-id'). */
  key: string;
}

/**
 * An application property: a bare name (`temp`, `sensor.kind`) or a `$name` that is not a
 * system property (`$my-prop`). Looked up case-insensitively.
 */
export interface AppPropertyNode {
  kind: 'app';
  pos: number;
  /** The property name as written (without `$`). */
  name: string;
  /** True when written with a `$` prefix (fallback from system properties). */
  dollar: boolean;
}

/** A path step: object key (string) or array index (number). */
export type PathSegment = string | number;

/** A step plus how it was written, so the printer can reproduce `.a` vs `['a']`. */
export interface PathStep {
  key: PathSegment;
  /** True for `['key']` / `[0]`; false for `.key`. Indices are always bracketed. */
  bracket: boolean;
}

/** `$body.a.b[0]`: a reference into the JSON message body. */
export interface BodyNode {
  kind: 'body';
  pos: number;
  path: PathStep[];
}

/** `$twin.tags.a.b`: a reference into the device twin (only `tags` is available). */
export interface TwinNode {
  kind: 'twin';
  pos: number;
  path: PathStep[];
}

export type UnaryOp = 'NOT' | '-';

export interface UnaryNode {
  kind: 'unary';
  pos: number;
  op: UnaryOp;
  operand: Ast;
}

export type ArithmeticOp = '+' | '-' | '*' | '/' | '%';
/** `<>` is parsed as `!=`. */
export type ComparisonOp = '=' | '!=' | '<' | '>' | '<=' | '>=';
export type BinaryOp = ArithmeticOp | ComparisonOp;

export interface BinaryNode {
  kind: 'binary';
  pos: number;
  op: BinaryOp;
  left: Ast;
  right: Ast;
}

/** `a AND b AND c` is one node with three operands (same for OR). */
export interface LogicalNode {
  kind: 'logical';
  pos: number;
  op: 'AND' | 'OR';
  operands: Ast[];
}

export interface CallNode {
  kind: 'call';
  pos: number;
  /** Canonical upper-case function name (aliases resolved: STARTSWITH -> STARTS_WITH). */
  name: string;
  args: Ast[];
}

export type Ast =
  LiteralNode | SystemPropertyNode | AppPropertyNode | BodyNode | TwinNode | UnaryNode | BinaryNode | LogicalNode | CallNode;

export function isComparisonOp(op: BinaryOp): op is ComparisonOp {
  return op === '=' || op === '!=' || op === '<' || op === '>' || op === '<=' || op === '>=';
}
