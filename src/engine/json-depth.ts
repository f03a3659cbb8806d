// Whether a JSON value from outside (a property file a step wrote, a document Std:JsonGet reads, a
// stubs file) nests deeper than the engine's walks allow. Iterative: the check itself cannot
// overflow the stack, and it stops at the first level too deep.

/** True when lists and objects nest more than `max` levels in `value` (a scalar is level 0). */
export function nestsDeeperThan(value: unknown, max: number): boolean {
  const stack: { readonly value: unknown; readonly depth: number }[] = [{ value, depth: 0 }];
  while (stack.length > 0) {
    const item = stack.pop() as { value: unknown; depth: number };
    if (typeof item.value !== 'object' || item.value === null) continue;
    const depth = item.depth + 1;
    if (depth > max) return true;
    const children = Array.isArray(item.value) ? item.value : Object.values(item.value);
    for (const child of children) if (typeof child === 'object' && child !== null) stack.push({ value: child, depth });
  }
  return false;
}
