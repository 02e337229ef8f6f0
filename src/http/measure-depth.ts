/**
 * Finds the first top-level field of a parsed JSON body that is nested deeper than a bound. Iterative (an
 * explicit stack, not recursion): the point is to refuse bodies that would blow the call stack of whatever
 * walks them later, so this walk must not be one of them.
 */

/** The top-level field holding a value deeper than `maxDepth` (the body itself is depth 1), if any. */
export function fieldDeeperThan(body: Record<string, unknown>, maxDepth: number): string | undefined {
  for (const [field, value] of Object.entries(body)) {
    if (typeof value !== 'object' || value === null) continue;
    const stack: Array<[unknown, number]> = [[value, 2]];
    while (stack.length > 0) {
      const [node, depth] = stack.pop()!;
      if (depth > maxDepth) return field;
      const children = Array.isArray(node) ? node : Object.values(node as Record<string, unknown>);
      for (const child of children) {
        if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
      }
    }
  }
  return undefined;
}
