import { type DecodeLimits, decodeValue, encodeValue, resolveDecodeLimits } from '@wirepack/protocol';
import type { ResponseFacts } from './cache-policy.ts';

/** A stored response: what came from the origin, when, and the request headers its `Vary` names had. */
export interface StoredResponse extends ResponseFacts {
  readonly kind: 'response';
  /** The request URL, checked on every read (keys are hashes). */
  readonly url: string;
  readonly body: Uint8Array;
  /** The `Vary` names (lowercased, sorted) and the request's values for them (`null`: absent). */
  readonly vary: readonly string[];
  readonly varyValues: readonly (string | null)[];
}

/**
 * What the primary key holds when responses for the URL carry `Vary`: the names to build the
 * secondary key with (the approach of Squid and Varnish: one extra lookup for varying URLs only).
 */
export interface VaryIndex {
  readonly kind: 'vary';
  readonly url: string;
  readonly vary: readonly string[];
}

/** One entry of the store. */
export type CacheEntry = StoredResponse | VaryIndex;

const FORMAT = 1;

/**
 * Encodes an entry as one MessagePack array with the protocol's codec, so the body stays bytes (no
 * base64) and the metadata takes a few dozen bytes: `[1, 'r', url, status, [name, value, ...], body,
 * requestTime, responseTime, [vary...], [value...]]` or `[1, 'v', url, [vary...]]`.
 */
export function encodeEntry(entry: CacheEntry): Uint8Array {
  if (entry.kind === 'vary') return encodeValue([FORMAT, 'v', entry.url, entry.vary]);
  const headers: string[] = [];
  for (const [name, value] of entry.headers) headers.push(name, value);
  return encodeValue([
    FORMAT,
    'r',
    entry.url,
    entry.status,
    headers,
    entry.body,
    entry.requestTime,
    entry.responseTime,
    entry.vary,
    entry.varyValues,
  ]);
}

/** Decode limits for entries of at most `maxEntryBytes` of body. */
export function entryDecodeLimits(maxEntryBytes: number): DecodeLimits {
  return resolveDecodeLimits({
    maxBytes: maxEntryBytes + 256 * 1024,
    maxBinaryBytes: Math.max(1, maxEntryBytes),
    maxDepth: 4,
  });
}

/**
 * Reads an entry back through the protocol's scan (limits, no `__proto__`): a store shared over the
 * network is input like any other. Returns `undefined` for bytes that are not an entry of this
 * format (another version, corruption), which the cache treats as a miss.
 */
export function decodeEntry(bytes: Uint8Array, limits: DecodeLimits): CacheEntry | undefined {
  let value: unknown;
  try {
    value = decodeValue(bytes, limits);
  } catch {
    return undefined;
  }
  if (!Array.isArray(value) || value[0] !== FORMAT || typeof value[2] !== 'string') return undefined;
  const url = value[2];
  if (value[1] === 'v' && value.length === 4 && isStringArray(value[3])) {
    return { kind: 'vary', url, vary: value[3] };
  }
  if (value[1] !== 'r' || value.length !== 10) return undefined;
  const [, , , status, flat, body, requestTime, responseTime, vary, varyValues] = value as unknown[];
  if (
    typeof status !== 'number' ||
    !isStringArray(flat) ||
    flat.length % 2 !== 0 ||
    !(body instanceof Uint8Array) ||
    typeof requestTime !== 'number' ||
    typeof responseTime !== 'number' ||
    !isStringArray(vary) ||
    !Array.isArray(varyValues) ||
    varyValues.length !== vary.length ||
    !varyValues.every((item) => item === null || typeof item === 'string')
  ) {
    return undefined;
  }
  const headers = new Headers();
  try {
    for (let i = 0; i < flat.length; i += 2) headers.append(flat[i] as string, flat[i + 1] as string);
  } catch {
    return undefined; // a header name or value Headers refuses
  }
  return { kind: 'response', url, status, headers, body, requestTime, responseTime, vary, varyValues };
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}
