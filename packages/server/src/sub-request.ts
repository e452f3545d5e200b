import { isForbiddenRequestHeader, type SubRequest, WirepackError } from '@wirepack/protocol';
import type { CallSignal } from './call-signal.ts';

/** What every sub-request of one batch shares, computed once per batch. */
export interface ParentInfo {
  /** The batch request's origin, e.g. `https://app.example`: every sub-request targets it. */
  readonly origin: string;
  /** The batch endpoint's path: a sub-request to it is refused. */
  readonly endpoint: string;
  /** `[name, value]` pairs from the batch request, filled into sub-requests that lack them. */
  readonly inherited: ReadonlyArray<readonly [string, string]>;
  readonly maxHeaderBytes: number;
  readonly maxHeaderCount: number;
}

/**
 * Headers that proxies set on the request they forward (RFC 7239 and its de facto predecessors), or
 * that apps and frameworks trust as a proxy's word about the client or the original URL. A proxy in
 * front of the app sets them on the batch request but never sees inside it, so a call could claim any
 * client address, scheme, host or path prefix; they are taken from the batch request only, never from a
 * call. Every `x-forwarded-*` name counts (`-for`, `-host`, `-proto`, `-port`, `-prefix`, `-server`,
 * `-ssl`, ...; see {@link isProxyHeader}). Sources: the client-address headers the `request-ip`
 * package reads (x-client-ip, x-cluster-client-ip, fastly-client-ip, x-appengine-user-ip,
 * cf-pseudo-ipv4, forwarded-for, x-forwarded), x-forwarded-prefix (Spring, ASP.NET Core), and
 * x-original-url / x-rewrite-url, which IIS and Symfony took as the request path (CVE-2018-14773).
 */
export const PROXY_HEADERS: readonly string[] = Object.freeze([
  'forwarded',
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-proto',
  'x-forwarded-port',
  'x-forwarded-prefix',
  'x-forwarded',
  'forwarded-for',
  'x-real-ip',
  'true-client-ip',
  'cf-connecting-ip',
  'cf-pseudo-ipv4',
  'fastly-client-ip',
  'x-client-ip',
  'x-cluster-client-ip',
  'x-appengine-user-ip',
  'x-original-url',
  'x-rewrite-url',
]);

const PROXY_HEADER_SET = new Set(PROXY_HEADERS);

/** Whether a lower-case header name is a proxy's word about the client (see {@link PROXY_HEADERS}). */
function isProxyHeader(name: string): boolean {
  return PROXY_HEADER_SET.has(name) || name.startsWith('x-forwarded-');
}

/**
 * Headers every call gets from the batch request, whatever it says: the Fetch standard forbids a page's
 * `fetch` to set them (see isForbiddenRequestHeader), the browser sends them on the batch request just
 * as it would on each call, and apps check them against CSRF and cross-site use: `origin`, `referer`,
 * `cookie` and every `sec-fetch-*` (https://w3c.github.io/webappsec-fetch-metadata/).
 */
function isOuterHeader(name: string): boolean {
  return name === 'origin' || name === 'referer' || name === 'cookie' || name.startsWith('sec-fetch-');
}

/** Not a forbidden request header, but only HTTP/2 connection set-up (RFC 7540 section 3.2.1). */
const HTTP2_SETTINGS = 'http2-settings';

// C0 controls, space and DEL: the URL parser strips tabs and newlines, so "/\t/evil.example" would
// become the network-path reference "//evil.example".
const MAX_PATH_LENGTH = 8192;

/**
 * The headers calls inherit from a batch request: the allowlist's (lower-case names), whatever proxies
 * set on it, and its `origin`, `referer`, `cookie` and `sec-fetch-*`. One pass over the request's headers
 * (lower-case names, repeats already combined), since proxy and fetch-metadata names are open-ended.
 */
export function inheritedHeaders(
  request: Request,
  allowlist: readonly string[],
): Array<readonly [string, string]> {
  const allowed = new Set(allowlist);
  const pairs: Array<readonly [string, string]> = [];
  for (const [name, value] of request.headers) {
    if (allowed.has(name) || isProxyHeader(name) || isOuterHeader(name)) pairs.push([name, value]);
  }
  return pairs;
}

/** Refuses what no same-origin absolute path looks like, before any URL parsing. */
function checkPathShape(path: string): void {
  if (
    path.length === 0 ||
    path.length > MAX_PATH_LENGTH ||
    path.charCodeAt(0) !== 47 || // '/'
    path[1] === '/' ||
    path[1] === '\\' ||
    hasUnsafeChar(path)
  ) {
    throw new WirepackError('INVALID_PATH', 'a sub-request path must be an absolute path on the same origin');
  }
}

/**
 * Checks the URL the Request parsed (dot segments resolved): it must stay on the parent's origin, its
 * path must not start with `//`, and it must not name the batch endpoint (a batch inside a batch), also
 * when percent-encoded.
 *
 * checkPathShape sees the path as sent; the URL parser then resolves `.` and `..` segments (`%2e` is a
 * dot, a backslash a slash: https://url.spec.whatwg.org/#single-dot-path-segment), so `/.//evil.com/x`,
 * `/a/..//evil.com/x` or `/%2e//evil.com/x` arrive as `//evil.com/x`. An app that redirects to, or links
 * to, its own path would hand browsers a network-path reference to another host (an open redirect).
 */
function checkResolvedUrl(href: string, parent: ParentInfo): void {
  if (!href.startsWith(parent.origin) || href.charCodeAt(parent.origin.length) !== 47) {
    throw new WirepackError('INVALID_PATH', 'a sub-request path must stay on the same origin');
  }
  let end = href.length;
  const query = href.indexOf('?', parent.origin.length);
  if (query !== -1) end = query;
  const hash = href.indexOf('#', parent.origin.length);
  if (hash !== -1 && hash < end) end = hash;
  const pathname = href.slice(parent.origin.length, end);
  if (pathname.charCodeAt(1) === 47) {
    throw new WirepackError('INVALID_PATH', 'a sub-request path must not resolve to one starting with "//"');
  }
  // Only a percent-encoded path can decode to the endpoint (decoding is skipped for the rest).
  if (pathname === parent.endpoint || (pathname.includes('%') && safeDecode(pathname) === parent.endpoint)) {
    throw new WirepackError('INVALID_PATH', 'a sub-request cannot target the batch endpoint');
  }
}

/** The headers a call's handler sees, and the lower-case names the call set itself (undefined: none). */
export interface CallHeaders {
  readonly headers: Array<[string, string]>;
  readonly present: Set<string> | undefined;
}

/**
 * The headers of one call as the app sees them, whichever path runs it: the call's own (minus the
 * forbidden, proxy and HTTP/2 set-up ones), then the inherited ones it lacks, then `accept: *\/*` if it
 * set none. HEADERS_TOO_LARGE past the count or byte limit.
 */
export function callHeaders(call: SubRequest, parent: ParentInfo): CallHeaders {
  checkHeaderLimits(call, parent);
  // Pairs rather than a Headers object: Request copies its init headers anyway, and this skips one
  // Headers per call. Request validates names and values.
  const headers: Array<[string, string]> = [];
  // Names the call set itself; most calls set none, and then no set is made.
  let present: Set<string> | undefined;
  for (const [name, value] of call.headers) {
    const lower = name.toLowerCase();
    // Dropped silently, as a browser's fetch drops forbidden headers: the batch request's own values
    // (inherited below) are the ones the app sees.
    if (isForbiddenRequestHeader(lower, value) || isProxyHeader(lower) || lower === HTTP2_SETTINGS) continue;
    present ??= new Set();
    present.add(lower);
    headers.push([name, value]);
  }
  for (const [name, value] of parent.inherited) {
    if (!present?.has(name)) headers.push([name, value]);
  }
  // What fetch sends when the caller sets no Accept (https://fetch.spec.whatwg.org/#fetching, the same
  // step has user agents add Accept-Language, which calls inherit): an app that negotiates on Accept
  // answers a batched call as it answers the unbatched one. The batch request's own Accept names the
  // frame stream, so it is never inherited.
  if (!present?.has('accept')) headers.push(['accept', '*/*']);
  return { headers, present };
}

/**
 * HEADERS_TOO_LARGE past the call's header count or bytes (names plus values), checked before the
 * headers are built: the light path builds them only if its handler reads them.
 */
export function checkHeaderLimits(call: SubRequest, parent: ParentInfo): void {
  if (call.headers.length > parent.maxHeaderCount) {
    throw new WirepackError(
      'HEADERS_TOO_LARGE',
      `${call.headers.length} headers exceed the limit of ${parent.maxHeaderCount}`,
    );
  }
  let bytes = 0;
  for (const [name, value] of call.headers) bytes += name.length + value.length;
  if (bytes > parent.maxHeaderBytes) {
    throw new WirepackError(
      'HEADERS_TOO_LARGE',
      `headers exceed the limit of ${parent.maxHeaderBytes} bytes`,
    );
  }
}

/** Where a call goes, without building a URL in the common case. */
export interface CallTarget {
  /** The path as the app's URL parser would resolve it (dot segments and backslashes resolved). */
  readonly pathname: string;
  /** The query string with its `?`, or `''`. */
  readonly search: string;
}

/** Methods a `Request` refuses (https://fetch.spec.whatwg.org/#forbidden-method). */
const FORBIDDEN_METHODS: ReadonlySet<string> = new Set(['CONNECT', 'TRACE', 'TRACK']);
/** Methods `Request` upper-cases (https://fetch.spec.whatwg.org/#concept-method-normalize). */
const NORMALISED_METHODS: ReadonlySet<string> = new Set(['DELETE', 'GET', 'HEAD', 'OPTIONS', 'POST', 'PUT']);
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * The method as a `Request` would report it (the six standard ones upper-cased), or INVALID_ENVELOPE
 * for what a `Request` refuses: not a token, CONNECT/TRACE/TRACK, a body on GET or HEAD. The light path
 * refuses exactly what the `fetch` path refuses, with the same code.
 */
export function callMethod(call: SubRequest): string {
  // Most calls are plain GETs: one comparison instead of the checks below.
  if (call.method === 'GET' && call.body.kind === 'none') return 'GET';
  const upper = call.method.toUpperCase();
  const method = NORMALISED_METHODS.has(upper) ? upper : call.method;
  const refusal = !TOKEN.test(call.method)
    ? 'invalid method'
    : FORBIDDEN_METHODS.has(upper)
      ? 'forbidden method'
      : (method === 'GET' || method === 'HEAD') && call.body.kind !== 'none'
        ? 'a GET or HEAD request cannot have a body'
        : undefined;
  if (refusal !== undefined) {
    throw new WirepackError(
      'INVALID_ENVELOPE',
      `${call.method.slice(0, 32)} ${call.path.slice(0, 64)} refused: ${refusal}`,
    );
  }
  return method;
}

/**
 * The pathname and query of a call for the light path, with the same checks as {@link buildSubRequest}
 * (INVALID_PATH for another origin, a `//` path, the batch endpoint). A path with nothing the URL
 * parser would rewrite (`.` segments, `\\`, `%`, `#`, non-ASCII) is split as is; any other goes through
 * `URL`, as the `fetch` path's `Request` would.
 */
export function callTarget(call: SubRequest, parent: ParentInfo): CallTarget {
  const path = call.path;
  checkPathShape(path);
  if (needsUrlParser(path)) {
    const url = new URL(parent.origin + path);
    checkResolvedUrl(url.href, parent);
    return { pathname: url.pathname, search: url.search };
  }
  const query = path.indexOf('?');
  const pathname = query === -1 ? path : path.slice(0, query);
  if (pathname === parent.endpoint) {
    throw new WirepackError('INVALID_PATH', 'a sub-request cannot target the batch endpoint');
  }
  return { pathname, search: query === -1 || query === path.length - 1 ? '' : path.slice(query) };
}

/** Whether the URL parser could change the path: dot segments, backslashes, escapes, a fragment, non-ASCII. */
function needsUrlParser(path: string): boolean {
  for (let i = 0; i < path.length; i++) {
    const code = path.charCodeAt(i);
    // '%' 37, '.' 46, '\\' 92, '#' 35, and quotes, angle brackets, backticks, braces the parser escapes.
    if (code === 37 || code === 46 || code === 92 || code === 35 || code > 126) return true;
    if (code === 34 || code === 60 || code === 62 || code === 96 || code === 123 || code === 125) return true;
  }
  return false;
}

/**
 * Builds the app's Request for one sub-request. Throws WirepackError for what the client got wrong:
 * INVALID_PATH for anything but a same-origin absolute path (`https://x`, `//x`, `/\x`, control
 * characters) or for the batch endpoint, HEADERS_TOO_LARGE, INVALID_ENVELOPE for what Request refuses.
 */
export function buildSubRequest(call: SubRequest, parent: ParentInfo, signal: CallSignal): Request {
  checkPathShape(call.path);
  const { headers, present } = callHeaders(call, parent);
  let body: BodyInit | null = null;
  if (call.body.kind === 'bytes') {
    body = call.body.bytes as Uint8Array<ArrayBuffer>;
  } else if (call.body.kind === 'json') {
    try {
      body = JSON.stringify(call.body.value);
    } catch (error) {
      throw new WirepackError('INVALID_ENVELOPE', 'a JSON sub-request body cannot be written as JSON', {
        cause: error,
      });
    }
    if (!present?.has('content-type')) headers.push(['content-type', 'application/json']);
  }
  let request: Request;
  try {
    request = new Request(parent.origin + call.path, { method: call.method, headers, body });
  } catch (error) {
    // Request refuses invalid header names or values, a body on GET/HEAD, and CONNECT, TRACE, TRACK.
    throw new WirepackError(
      'INVALID_ENVELOPE',
      `${call.method.slice(0, 32)} ${call.path.slice(0, 64)} refused: ${error instanceof Error ? error.message : 'invalid'}`,
      { cause: error },
    );
  }
  checkResolvedUrl(request.url, parent);
  // The call's signal is an own getter rather than passed to the constructor: undici's Request follows
  // an init signal through a WeakRef, a FinalizationRegistry entry and listener bookkeeping, which
  // measured 15 us per call against 6 us this way (Node 20), and the signal itself is made only if the
  // app reads it (see CallSignal). `request.signal` is what apps read; only a copy made with
  // `new Request(request)` gets a signal that does not follow the call's.
  Object.defineProperty(request, 'signal', {
    get: () => signal.signal,
    configurable: true,
    enumerable: false,
  });
  return request;
}

function hasUnsafeChar(path: string): boolean {
  for (let i = 0; i < path.length; i++) {
    const code = path.charCodeAt(i);
    if (code <= 0x20 || code === 0x7f) return true;
  }
  return false;
}

function safeDecode(pathname: string): string {
  try {
    return decodeURIComponent(pathname);
  } catch {
    // Not valid percent-encoding: the app sees it undecoded too, compare as is.
    return pathname;
  }
}
