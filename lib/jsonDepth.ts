/**
 * Nesting depth of a parsed JSON value, computed without recursion. JSON.parse accepts
 * arbitrarily deep input, but JSON.stringify and other recursive walks overflow the stack on
 * it (a RangeError, i.e. a 500), and DynamoDB refuses items nested deeper than 32 levels:
 * input is checked against a depth limit before anything walks it. Pure.
 */
export function jsonDepthExceeds(value: unknown, maxDepth: number): boolean {
  const stack: { value: unknown; depth: number }[] = [{ value, depth: 0 }];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    if (item.value === null || typeof item.value !== 'object') continue;
    const depth = item.depth + 1;
    if (depth > maxDepth) return true;
    for (const child of Object.values(item.value)) stack.push({ value: child, depth });
  }
  return false;
}
