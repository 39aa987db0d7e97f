/** How deep a parsed JSON value nests, bounded: shared by the CDS and admin endpoints. */

/**
 * Depth of a parsed JSON value; stops early past `limit`. Recursive, but never deeper than
 * `limit` + 1 frames: the walk turns back as soon as a node lies past the limit, so a hostile body
 * cannot exhaust the stack here. No allocation per node (this runs on every request body).
 */
export function jsonDepthExceeds(value: unknown, limit: number): boolean {
  return value !== null && typeof value === 'object' && exceeds(value, 1, limit);
}

function exceeds(node: object, depth: number, limit: number): boolean {
  if (depth > limit) {
    return true;
  }
  if (Array.isArray(node)) {
    for (let i = 0; i < node.length; i++) {
      const child: unknown = node[i];
      if (child !== null && typeof child === 'object' && exceeds(child, depth + 1, limit)) {
        return true;
      }
    }
    return false;
  }
  // Own enumerable keys, as Object.values gives (a parsed body's prototype adds none).
  for (const key in node) {
    const child: unknown = (node as Record<string, unknown>)[key];
    if (child !== null && typeof child === 'object' && exceeds(child, depth + 1, limit)) {
      return true;
    }
  }
  return false;
}
