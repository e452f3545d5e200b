import { WirepackError } from './errors.ts';

/** A header list: `[name, value]` pairs, names in lower case, repeats allowed (set-cookie). */
export type HeaderList = ReadonlyArray<readonly [name: string, value: string]>;

/**
 * Header fields common enough to send as one small integer (like HTTP/2's HPACK static table, but
 * whole fields only). In a wire header list, an integer `k` stands for the pair
 * `STATIC_HEADERS[k]`; strings come in name, value pairs. The table is fixed for format version 1:
 * entries are never reordered or removed, and a new entry needs a new version.
 */
export const STATIC_HEADERS: ReadonlyArray<readonly [name: string, value: string]> = [
  ['content-type', 'application/json'],
  ['content-type', 'application/json; charset=utf-8'],
  ['content-type', 'text/plain; charset=utf-8'],
  ['content-type', 'text/html; charset=utf-8'],
  ['content-type', 'application/octet-stream'],
  ['content-type', 'application/x-www-form-urlencoded'],
  ['accept', 'application/json'],
  ['accept', '*/*'],
  ['cache-control', 'no-cache'],
  ['cache-control', 'no-store'],
  ['cache-control', 'private, no-cache'],
  ['vary', 'accept-encoding'],
  ['vary', 'origin'],
  ['x-content-type-options', 'nosniff'],
];

const STATIC_INDEX = new Map<string, Map<string, number>>();
STATIC_HEADERS.forEach(([name, value], index) => {
  const values = STATIC_INDEX.get(name) ?? new Map<string, number>();
  values.set(value, index);
  STATIC_INDEX.set(name, values);
});

/** @internal Writes a header list for the wire: table entries as integers, others as name, value. */
export function flattenHeaders(headers: HeaderList): Array<string | number> {
  const flat: Array<string | number> = [];
  for (const [name, value] of headers) {
    const index = STATIC_INDEX.get(name)?.get(value);
    if (index === undefined) flat.push(name, value);
    else flat.push(index);
  }
  return flat;
}

/** @internal Reads a wire header list back into pairs. */
export function readHeaders(raw: unknown, where: string): HeaderList {
  if (!Array.isArray(raw)) throw invalidHeaders(where, 'headers must be a list');
  const headers: Array<readonly [string, string]> = [];
  for (let i = 0; i < raw.length; ) {
    const item: unknown = raw[i];
    if (typeof item === 'number') {
      const entry = Number.isInteger(item) ? STATIC_HEADERS[item] : undefined;
      if (!entry) throw invalidHeaders(where, `${item} is not in the static header table`);
      headers.push(entry);
      i += 1;
      continue;
    }
    const value: unknown = raw[i + 1];
    if (typeof item !== 'string' || typeof value !== 'string') {
      throw invalidHeaders(where, 'header names and values must be strings');
    }
    headers.push([item, value]);
    i += 2;
  }
  return headers;
}

/**
 * The Fetch standard's forbidden request header names (https://fetch.spec.whatwg.org/#forbidden-request-header):
 * a page's `fetch` cannot set them, because the browser owns them (the connection, the framing, the
 * client's credentials and provenance). A call of a batch stands for such a `fetch`, so it must not
 * carry them either; a server drops them from calls, as a browser silently drops them from `fetch`.
 */
const FORBIDDEN_REQUEST_HEADERS = new Set([
  'accept-charset',
  'accept-encoding',
  'connection',
  'content-length',
  'cookie',
  'cookie2',
  'date',
  'dnt',
  'expect',
  'host',
  'keep-alive',
  'origin',
  'referer',
  'set-cookie',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'via',
]);

/** Names whose every prefixed form is forbidden (`access-control-request-method`, `proxy-authorization`, `sec-fetch-site`). */
const FORBIDDEN_PREFIXES = ['access-control-request-', 'proxy-', 'sec-'] as const;

/** Method-override headers: forbidden when a value names a forbidden method. */
const METHOD_OVERRIDE_HEADERS = new Set(['x-http-method', 'x-http-method-override', 'x-method-override']);

/** https://fetch.spec.whatwg.org/#forbidden-method, compared without regard to case. */
const FORBIDDEN_METHODS = new Set(['connect', 'trace', 'track']);

/**
 * Whether a page's `fetch` may not set this header (the Fetch standard's forbidden request headers),
 * so a call of a batch may not either: the listed names, the `access-control-request-`, `proxy-` and
 * `sec-` prefixes, and `x-http-method`, `x-http-method-override` or `x-method-override` when one of
 * their comma-separated values is CONNECT, TRACE or TRACK. Names compare without regard to case.
 */
export function isForbiddenRequestHeader(name: string, value: string): boolean {
  const lower = name.toLowerCase();
  if (FORBIDDEN_REQUEST_HEADERS.has(lower)) return true;
  for (const prefix of FORBIDDEN_PREFIXES) if (lower.startsWith(prefix)) return true;
  if (METHOD_OVERRIDE_HEADERS.has(lower)) {
    // "get, decode, and split" (https://fetch.spec.whatwg.org/#header-value-get-decode-and-split):
    // comma-separated, HTTP whitespace trimmed; quoted commas never appear in a method token.
    for (const method of value.split(',')) {
      if (FORBIDDEN_METHODS.has(method.trim().toLowerCase())) return true;
    }
  }
  return false;
}

function invalidHeaders(where: string, message: string): WirepackError {
  return new WirepackError('INVALID_ENVELOPE', `${where}: ${message}`);
}
