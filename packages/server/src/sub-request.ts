import { type SubRequest, WirepackError } from '@wirepack/protocol';

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
 * Headers a sub-request may not set: they describe the connection or the framing of the batch
 * request itself (RFC 9110 section 7.6.1), not the call.
 */
const DROPPED_HEADERS = new Set([
  'host',
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'content-length',
  'expect',
  'http2-settings',
]);

// C0 controls, space and DEL: the URL parser strips tabs and newlines, so "/\t/evil.example" would
// become the network-path reference "//evil.example".
const MAX_PATH_LENGTH = 8192;

/** The inherited headers of a batch request, per the allowlist. */
export function inheritedHeaders(
  request: Request,
  allowlist: readonly string[],
): Array<readonly [string, string]> {
  const pairs: Array<readonly [string, string]> = [];
  for (const name of allowlist) {
    const value = request.headers.get(name);
    if (value !== null) pairs.push([name, value]);
  }
  return pairs;
}

/**
 * Checks that a sub-request path is a same-origin absolute path and returns the full URL. Throws
 * INVALID_PATH for anything else: a scheme or host (`https://x`, `//x`, `/\x`), control characters,
 * and the batch endpoint itself (a batch inside a batch).
 */
export function resolvePath(path: string, parent: ParentInfo): string {
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
  const url = new URL(path, parent.origin);
  if (url.origin !== parent.origin) {
    throw new WirepackError('INVALID_PATH', 'a sub-request path must stay on the same origin');
  }
  if (url.pathname === parent.endpoint || safeDecode(url.pathname) === parent.endpoint) {
    throw new WirepackError('INVALID_PATH', 'a sub-request cannot target the batch endpoint');
  }
  return url.href;
}

/** Builds the app's Request for one sub-request. Throws WirepackError for what the client got wrong. */
export function buildSubRequest(call: SubRequest, parent: ParentInfo, signal: AbortSignal): Request {
  const url = resolvePath(call.path, parent);
  if (call.headers.length > parent.maxHeaderCount) {
    throw new WirepackError(
      'HEADERS_TOO_LARGE',
      `${call.headers.length} headers exceed the limit of ${parent.maxHeaderCount}`,
    );
  }
  const headers = new Headers();
  let bytes = 0;
  try {
    for (const [name, value] of call.headers) {
      bytes += name.length + value.length;
      if (bytes > parent.maxHeaderBytes) {
        throw new WirepackError(
          'HEADERS_TOO_LARGE',
          `headers exceed the limit of ${parent.maxHeaderBytes} bytes`,
        );
      }
      if (DROPPED_HEADERS.has(name.toLowerCase())) continue;
      headers.append(name, value);
    }
  } catch (error) {
    if (error instanceof WirepackError) throw error;
    throw new WirepackError('INVALID_ENVELOPE', 'a sub-request header name or value is invalid', {
      cause: error,
    });
  }
  for (const [name, value] of parent.inherited) {
    if (!headers.has(name)) headers.set(name, value);
  }
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
    if (!headers.has('content-type')) headers.set('content-type', 'application/json');
  }
  try {
    return new Request(url, { method: call.method, headers, body, signal });
  } catch (error) {
    // Request refuses a body on GET/HEAD and the forbidden methods CONNECT, TRACE, TRACK.
    throw new WirepackError(
      'INVALID_ENVELOPE',
      `${call.method.slice(0, 32)} sub-request refused: ${error instanceof Error ? error.message : 'invalid'}`,
      { cause: error },
    );
  }
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
