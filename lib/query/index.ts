/**
 * IoT Hub message-routing query language: parse a route condition once, compile it to
 * closures, evaluate it against messages. Pure: no I/O. Grammar: README-grammar.md.
 *
 *   const matches = compileCondition("$connectionDeviceId = 'dev1' AND $body.temp > 30");
 *   matches(fromEnvelope(envelope, tags)); // boolean, never throws
 */
export { QuerySyntaxError, MAX_CONDITION_LENGTH, MAX_NESTING_DEPTH } from './errors';
export type {
  Ast,
  AppPropertyNode,
  BinaryNode,
  BinaryOp,
  BodyNode,
  CallNode,
  LiteralNode,
  LogicalNode,
  PathSegment,
  PathStep,
  SystemPropertyNode,
  TwinNode,
  UnaryNode,
} from './ast';
export type { RoutableMessage } from './message';
export { fromEnvelope } from './message';
export { parseCondition } from './parser';
export type { CompiledCondition } from './compile';
export { compileCondition } from './compile';
export { formatAst } from './format';
