/**
 * CloudFormation conditions of a template whose serverless variables are resolved: a resource
 * with `Condition: X` exists only where X holds, so the cost model must not bill it otherwise
 * (and the template tests use the same evaluator). Only the functions this stack's conditions
 * use on literal values: Fn::Equals, Fn::Not, Fn::And, Fn::Or and { Condition: name }.
 */
export type Conditions = Readonly<Record<string, unknown>>;

export function conditionHolds(conditions: Conditions, expr: unknown): boolean {
  if (expr === null || typeof expr !== 'object') throw new Error(`not a condition: ${JSON.stringify(expr)}`);
  const e = expr as Record<string, unknown>;
  if (typeof e.Condition === 'string') {
    if (!(e.Condition in conditions)) throw new Error(`condition ${e.Condition} is not defined`);
    return conditionHolds(conditions, conditions[e.Condition]);
  }
  const [op, args] = (Object.entries(e)[0] ?? []) as [string | undefined, unknown];
  if (!Array.isArray(args)) throw new Error(`condition ${String(op)} takes a list`);
  if (op === 'Fn::Equals') {
    if (args.some((a) => a === null || typeof a === 'object'))
      throw new Error(`Fn::Equals on a value known only at deploy time: ${JSON.stringify(args)}`);
    return String(args[0]) === String(args[1]);
  }
  if (op === 'Fn::Not') return !conditionHolds(conditions, args[0]);
  if (op === 'Fn::And') return args.every((a) => conditionHolds(conditions, a));
  if (op === 'Fn::Or') return args.some((a) => conditionHolds(conditions, a));
  throw new Error(`condition function ${String(op)} is not supported`);
}

/** Whether a resource (with or without a Condition) is created. */
export function isCreated(conditions: Conditions, resource: { Condition?: unknown }): boolean {
  return resource.Condition === undefined || conditionHolds(conditions, { Condition: resource.Condition });
}
