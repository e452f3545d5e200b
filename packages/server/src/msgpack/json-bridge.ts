import { type DecodeLimits, WirepackError } from '@wirepack/protocol';

/**
 * A decoded MessagePack value as JSON text, for an app that reads JSON. The value model is JSON's
 * plus three types: a Date becomes its ISO string (what `JSON.stringify` and most JSON APIs
 * write), while binary values and integers beyond 2^53 have no faithful JSON form and are refused
 * (400 MALFORMED) rather than silently changed.
 */
export function toJsonText(value: unknown): string {
  try {
    return JSON.stringify(value, (_key, item: unknown) => {
      if (item instanceof Uint8Array) {
        throw new WirepackError('MALFORMED', 'a binary value has no JSON form; send it as a string');
      }
      return item;
    });
  } catch (error) {
    if (error instanceof WirepackError) throw error;
    // JSON.stringify throws a TypeError on BigInt: msgpack carried an integer beyond 2^53.
    throw new WirepackError(
      'MALFORMED',
      'an integer beyond 2^53 has no exact JSON form; send it as a string',
      {
        cause: error,
      },
    );
  }
}

/**
 * Whether a parsed JSON value can travel as MessagePack to a client using the protocol's decode
 * limits: no `__proto__` key (the protocol refuses it), nesting and entries within the limits.
 * Short texts without the letters "proto" cannot break either rule, so they skip the walk.
 */
export function wireSafe(value: unknown, text: string, limits: DecodeLimits): boolean {
  if (text.length < 2 * limits.maxDepth && !text.includes('proto')) return true;
  const stack: Array<[unknown, number]> = [[value, 1]];
  let entries = 0;
  while (stack.length > 0) {
    const [item, depth] = stack.pop() as [unknown, number];
    if (item === null || typeof item !== 'object') continue;
    if (depth > limits.maxDepth) return false;
    if (Array.isArray(item)) {
      entries += item.length;
      for (const child of item) stack.push([child, depth + 1]);
    } else {
      for (const key of Object.keys(item)) {
        if (key === '__proto__') return false;
        entries++;
        stack.push([(item as Record<string, unknown>)[key], depth + 1]);
      }
    }
    if (entries > limits.maxEntries) return false;
  }
  return true;
}
