// How deep a decoded JSON value nests. JSON.parse takes any depth, but JSON.stringify, String()
// on arrays and most code that walks a value recurse, and a body of 5,000 nested arrays overflows
// the stack there: every surface bounds the nesting of what it keeps or echoes with this.

/** No value any surface accepts nests deeper: a contact with its custom fields needs 3. */
export const MAX_NESTING = 32;

/**
 * True when the value nests more than `max` arrays or objects deep (a scalar is depth 0).
 * Iterative, and it stops at the first branch too deep: the check cannot overflow itself.
 */
export function nestsDeeperThan(value: unknown, max: number = MAX_NESTING): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop() as [unknown, number];
    if (current === null || typeof current !== "object") continue;
    if (depth + 1 > max) return true;
    const children = Array.isArray(current) ? current : Object.values(current);
    for (const child of children) stack.push([child, depth + 1]);
  }
  return false;
}
