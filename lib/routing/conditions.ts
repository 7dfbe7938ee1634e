/**
 * Route conditions as the routing layer uses them: parsed once, compiled once, with the facts
 * the router needs (does it read `$twin`?). A syntax error becomes a 400 that carries the
 * position both in the message and in a response header, so clients need not parse text.
 */
import { HubError } from '../errors';
import type { Ast } from '../query';
import { parseCondition, QuerySyntaxError } from '../query';
import { conditionFromAst, type CompiledCondition } from '../query/compile';

export const CONDITION_POSITION_HEADER = 'x-devhub-condition-position';

export class ConditionSyntaxError extends HubError {
  constructor(
    readonly position: number,
    readonly reason: string,
  ) {
    super(400, 'InvalidRouteCondition', `Syntax error at position ${position}: ${reason}`, {
      [CONDITION_POSITION_HEADER]: String(position),
    });
  }
}

export interface RouteCondition {
  matches: CompiledCondition;
  /** True when the condition reads `$twin.tags`, so the device's tags must be loaded. */
  usesTwin: boolean;
}

const ALWAYS: RouteCondition = { matches: () => true, usesTwin: false };

/** Parses and compiles; throws ConditionSyntaxError (a 400) and nothing else. */
export function compileRouteCondition(condition: string): RouteCondition {
  if (condition.trim() === '') return ALWAYS;
  let ast: Ast;
  try {
    ast = parseCondition(condition);
  } catch (err) {
    if (err instanceof QuerySyntaxError) throw new ConditionSyntaxError(err.position, err.reason);
    throw err;
  }
  return { matches: conditionFromAst(ast), usesTwin: readsTwin(ast) };
}

function readsTwin(node: Ast): boolean {
  switch (node.kind) {
    case 'twin':
      return true;
    case 'unary':
      return readsTwin(node.operand);
    case 'binary':
      return readsTwin(node.left) || readsTwin(node.right);
    case 'logical':
      return node.operands.some(readsTwin);
    case 'call':
      return node.args.some(readsTwin);
    default:
      return false;
  }
}
