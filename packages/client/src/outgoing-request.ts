import type { Body, HeaderList, Priority } from '@wirepack/protocol';
import { isJsonMediaType, NO_BODY } from '@wirepack/protocol';

/**
 * A call as the batcher sends it: what `new Request(input, init)` would hold, read once.
 * Everything a sub-request needs travels inside the batch body (issue: apollo-client#10715,
 * per-call headers must not split batches).
 */
export interface OutgoingRequest {
  /** The absolute URL, without its fragment (fetch never sends it). */
  readonly url: URL;
  readonly method: string;
  /** Lower-case names, in the order `Headers` iterates them. */
  readonly headers: HeaderList;
  readonly body: Body;
  readonly priority: Priority;
  readonly redirect: RequestRedirect;
  readonly signal: AbortSignal | undefined;
}

/** Extra fields of a call's `init`, beside the standard `RequestInit` ones. */
export interface BatchRequestInit extends RequestInit {
  /** `false` sends this call on its own, with the underlying fetch. @default true */
  batch?: boolean;
  /** `false` keeps this GET from sharing an identical in-flight call's result. @default true */
  dedupe?: boolean;
}

const encoder = new TextEncoder();
const NO_HEADERS: HeaderList = Object.freeze([]);
const TEXT_PLAIN = 'text/plain;charset=UTF-8';
const FORM_URLENCODED = 'application/x-www-form-urlencoded;charset=UTF-8';

/**
 * Why a call cannot be batched, or `undefined` when it can. Calls whose semantics a batch cannot
 * reproduce go to the underlying fetch unchanged, so they behave exactly as unbatched calls.
 */
export function unbatchableReason(
  init: BatchRequestInit | undefined,
  credentials: RequestCredentials,
): string | undefined {
  if (init === undefined) return undefined;
  if (init.batch === false) return 'batch: false';
  // A browser answers 'manual' with an opaque redirect filtered response, which no script can build.
  if (init.redirect === 'manual') return 'redirect: manual';
  if (init.credentials !== undefined && init.credentials !== credentials) return 'credentials';
  // Subresource integrity, keepalive (outliving the page) and streamed uploads are properties of
  // one HTTP request.
  if (init.integrity) return 'integrity';
  if (init.keepalive) return 'keepalive';
  if (typeof ReadableStream === 'function' && init.body instanceof ReadableStream) return 'stream body';
  return undefined;
}

/**
 * Reads a call's method, headers and body the way `fetch` would, synchronously for the common
 * bodies (none, string, bytes, URLSearchParams) and through a real `Request` for the rest
 * (FormData, Blob), so content types and multipart boundaries are exactly fetch's. Throws the
 * same TypeErrors fetch does (GET with a body, invalid header names).
 */
export function readOutgoingRequest(
  url: URL,
  init: BatchRequestInit | undefined,
  jsonBodiesAsValues: boolean,
): OutgoingRequest | Promise<OutgoingRequest> {
  const method = init?.method === undefined ? 'GET' : normalizeMethod(init.method);
  const raw = init?.body;
  const priority = toPriority(init?.priority);
  const redirect = init?.redirect ?? 'follow';
  const signal = init?.signal ?? undefined;
  // Most calls are bodiless GETs without headers: no Headers object to build and read back.
  if ((raw === undefined || raw === null) && init?.headers === undefined) {
    return outgoing(url, method, NO_HEADERS, NO_BODY, priority, redirect, signal);
  }
  // One object literal with the fields in one order (outgoing), not a spread of a base object: every
  // call makes one, and the spread was the client's largest own frame.
  const make = (headers: HeaderList, body: Body): OutgoingRequest =>
    outgoing(url, method, headers, body, priority, redirect, signal);
  const headers = new Headers(init?.headers);
  if (raw === undefined || raw === null) return make(headerList(headers), NO_BODY);
  if (method === 'GET' || method === 'HEAD') {
    throw new TypeError('Request with GET/HEAD method cannot have body.');
  }
  let bytes: Uint8Array | undefined;
  if (typeof raw === 'string') {
    if (!headers.has('content-type')) headers.set('content-type', TEXT_PLAIN);
    if (jsonBodiesAsValues) {
      const value = parseJsonBody(raw, headers.get('content-type'));
      if (value !== NOT_JSON) return make(headerList(headers), { kind: 'json', value });
    }
    bytes = encoder.encode(raw);
  } else if (raw instanceof URLSearchParams) {
    if (!headers.has('content-type')) headers.set('content-type', FORM_URLENCODED);
    bytes = encoder.encode(raw.toString());
  } else if (raw instanceof ArrayBuffer) {
    bytes = new Uint8Array(raw.slice(0)); // fetch snapshots the body when called
  } else if (ArrayBuffer.isView(raw)) {
    bytes = new Uint8Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
  }
  if (bytes !== undefined) return make(headerList(headers), { kind: 'bytes', bytes });
  // FormData, Blob and anything else: let the platform serialise it and choose its content type.
  const request = new Request(url, { method, headers, body: raw });
  return request
    .arrayBuffer()
    .then((buffer) => make(headerList(request.headers), { kind: 'bytes', bytes: new Uint8Array(buffer) }));
}

/** Reads a `Request` object (the first argument of fetch) merged with an optional init. */
export async function readRequestObject(
  input: Request,
  init: BatchRequestInit | undefined,
): Promise<OutgoingRequest> {
  const request = init === undefined ? input : new Request(input, init);
  const url = new URL(request.url);
  url.hash = '';
  const hasBody = request.body !== null;
  const bytes = hasBody ? new Uint8Array(await request.arrayBuffer()) : undefined;
  return {
    url,
    method: request.method,
    headers: headerList(request.headers),
    body: bytes === undefined ? NO_BODY : { kind: 'bytes', bytes },
    priority: toPriority(init?.priority ?? (request as { priority?: RequestPriority }).priority),
    redirect: request.redirect,
    signal: init?.signal ?? request.signal,
  };
}

/** The body bytes to resend when a 307/308 redirect is followed. */
export function bodyInit(body: Body): BodyInit | null {
  if (body.kind === 'bytes') return body.bytes as Uint8Array<ArrayBuffer>;
  if (body.kind === 'json') return JSON.stringify(body.value);
  return null;
}

/** fetch upper-cases only the standard methods and keeps others as given (Fetch, "normalize"). */
function outgoing(
  url: URL,
  method: string,
  headers: HeaderList,
  body: Body,
  priority: Priority,
  redirect: RequestRedirect,
  signal: AbortSignal | undefined,
): OutgoingRequest {
  return { url, method, headers, body, priority, redirect, signal };
}

function normalizeMethod(method: string): string {
  const upper = method.toUpperCase();
  switch (upper) {
    case 'DELETE':
    case 'GET':
    case 'HEAD':
    case 'OPTIONS':
    case 'POST':
    case 'PUT':
      return upper;
    default:
      return method;
  }
}

function toPriority(priority: RequestPriority | undefined): Priority {
  return priority === 'high' || priority === 'low' ? priority : 'auto';
}

function headerList(headers: Headers): HeaderList {
  const list: Array<readonly [string, string]> = [];
  headers.forEach((value, name) => {
    list.push([name, value]);
  });
  return list;
}

const NOT_JSON = Symbol('not JSON');

function parseJsonBody(text: string, contentType: string | null): unknown {
  // A `__proto__` key would be refused by the server's decoder and fail the whole batch; such
  // bodies (and invalid JSON, which the app must see as sent) travel as bytes.
  if (!isJsonMediaType(contentType) || text.includes('"__proto__"')) return NOT_JSON;
  try {
    return JSON.parse(text);
  } catch {
    return NOT_JSON;
  }
}
