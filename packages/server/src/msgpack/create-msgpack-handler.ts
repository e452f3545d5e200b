import {
  DEFAULT_DECODE_LIMITS,
  type DecodeLimits,
  decodeValue,
  encodeValue,
  isJsonMediaType,
  isMediaType,
  isWirepackError,
  PROBLEM_MEDIA_TYPE,
  resolveDecodeLimits,
  toProblem,
  WirepackError,
} from '@wirepack/protocol';
import { bufferBody } from '../cache/buffer-body.ts';
import { deriveRequest } from '../derive-request.ts';
import { type CodecFactory, DEFAULT_SERVER_LIMITS, type FetchHandler } from '../options.ts';
import { readBody } from '../read-body.ts';
import { MSGPACK_MEDIA_TYPES, prefersMsgpack } from './accept.ts';
import { toJsonText, wireSafe } from './json-bridge.ts';

/** Options of {@link createMsgpackHandler}. */
export interface MsgpackHandlerOptions {
  /** The app's handler, which reads and writes JSON, called with whatever the runtime passed after the request (`env`, `ctx`); any bindings type fits. Required. */
  readonly fetch: FetchHandler<never, never>;
  /**
   * Largest MessagePack request body as received (413 BODY_TOO_LARGE), and after undoing its
   * `Content-Encoding` (413 DECOMPRESSED_TOO_LARGE).
   * @default 8_388_608 (8 MiB)
   */
  readonly maxBodyBytes?: number;
  /**
   * Largest JSON response converted to MessagePack; a larger one is sent as the app made it.
   * @default 8_388_608 (8 MiB)
   */
  readonly maxResponseBytes?: number;
  /**
   * Overrides of the protocol's decode limits for request bodies (depth, entries, string length).
   * @default DEFAULT_DECODE_LIMITS from @wirepack/protocol
   */
  readonly decode?: Partial<DecodeLimits>;
  /**
   * Request body decoders beyond the built-in `gzip` and `deflate` (`nodeCompression().decoders` adds `br`).
   * @default {}
   */
  readonly decoders?: Readonly<Record<string, CodecFactory>>;
}

/** The defaults of {@link MsgpackHandlerOptions}. */
export const DEFAULT_MSGPACK_HANDLER_OPTIONS: Readonly<{ maxBodyBytes: number; maxResponseBytes: number }> =
  Object.freeze({ maxBodyBytes: 8 * 1024 * 1024, maxResponseBytes: 8 * 1024 * 1024 });

/** The media type of the MessagePack responses. */
const MSGPACK = MSGPACK_MEDIA_TYPES[0] as string;

/**
 * MessagePack for plain JSON endpoints, in front of an app that knows only JSON:
 *
 * - a request body sent as `application/msgpack` is decoded with the protocol's limits and scan (no
 *   `__proto__`, capped depth, entries and lengths) and reaches the app as JSON text with
 *   `content-type: application/json`; bad bodies get problem details (400, 413, 415) and never
 *   reach the app;
 * - a JSON response becomes `application/msgpack` when the request's `Accept` names MessagePack
 *   with a q-value at least that of JSON; every JSON response gets `Vary: Accept`.
 *
 * @example
 * ```ts
 * const handler = createMsgpackHandler({ fetch: app.fetch });
 * // curl -H 'accept: application/msgpack' http://localhost:3000/api/users/1  -> MessagePack bytes
 * ```
 */
export function createMsgpackHandler(
  options: MsgpackHandlerOptions,
): (request: Request, ...extra: unknown[]) => Promise<Response> {
  if (typeof options?.fetch !== 'function') {
    throw new TypeError(
      `[wirepack/server] createMsgpackHandler needs options.fetch, a function; got ${typeof options?.fetch}`,
    );
  }
  const app = options.fetch;
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MSGPACK_HANDLER_OPTIONS.maxBodyBytes;
  const maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MSGPACK_HANDLER_OPTIONS.maxResponseBytes;
  const limits = resolveDecodeLimits({ ...DEFAULT_DECODE_LIMITS, maxBytes: maxBodyBytes, ...options.decode });
  const decoders = options.decoders ?? {};

  // Arguments after the request (a Workers runtime's `env`, `ctx`) reach the app unchanged.
  return async (request: Request, ...extra: unknown[]): Promise<Response> => {
    let forwarded = request;
    const contentType = request.headers.get('content-type');
    if (request.body !== null && MSGPACK_MEDIA_TYPES.some((type) => isMediaType(contentType, type))) {
      try {
        forwarded = await toJsonRequest(request);
      } catch (error) {
        return problem(error);
      }
    }
    const response = await app(forwarded, ...(extra as []));
    if (!isJsonMediaType(response.headers.get('content-type'))) return response;
    if (
      !prefersMsgpack(request.headers.get('accept')) ||
      request.method === 'HEAD' ||
      response.status === 204 ||
      response.status === 304 ||
      response.headers.has('content-encoding')
    ) {
      return withVaryAccept(response);
    }
    return toMsgpackResponse(response);
  };

  async function toJsonRequest(request: Request): Promise<Request> {
    const { bytes } = await readBody(request, {
      maxBytes: maxBodyBytes,
      maxDecodedBytes: maxBodyBytes,
      decoders,
      // The batch endpoint's slow-body rule (a deadline plus a minimum rate) guards this body too.
      timeoutMs: DEFAULT_SERVER_LIMITS.bodyTimeoutMs,
      minBytesPerSecond: DEFAULT_SERVER_LIMITS.minBodyBytesPerSecond,
    });
    const text = toJsonText(decodeValue(bytes, limits));
    const headers = new Headers(request.headers);
    headers.set('content-type', 'application/json');
    headers.delete('content-length');
    headers.delete('content-encoding');
    return deriveRequest(request, { headers, body: text });
  }

  async function toMsgpackResponse(response: Response): Promise<Response> {
    const body = await bufferBody(response, maxResponseBytes);
    if (!body.complete) return withVaryAccept(rebuild(response, body.stream, response.headers));
    const text = new TextDecoder().decode(body.bytes);
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      // Not JSON after all (an app bug): the bytes go out as they came, nothing is lost.
      return withVaryAccept(rebuild(response, body.bytes, response.headers));
    }
    // A value the client's decoder would refuse (a `__proto__` key, nesting past its limits) stays JSON.
    if (!wireSafe(value, text, DEFAULT_DECODE_LIMITS))
      return withVaryAccept(rebuild(response, body.bytes, response.headers));
    const packed = encodeValue(value);
    const headers = new Headers(response.headers);
    headers.set('content-type', MSGPACK);
    headers.set('content-length', String(packed.byteLength));
    // Another representation of the same data: a strong validator would claim identical bytes.
    const etag = headers.get('etag');
    if (etag !== null && !etag.startsWith('W/')) headers.set('etag', `W/${etag}`);
    return withVaryAccept(rebuild(response, packed, headers));
  }
}

function withVaryAccept(response: Response): Response {
  const vary = response.headers.get('vary');
  if (vary !== null && /(^|,)\s*(accept|\*)\s*(,|$)/i.test(vary)) return response;
  const value = vary === null ? 'accept' : `${vary}, accept`;
  try {
    response.headers.set('vary', value);
    return response;
  } catch {
    // Immutable headers (a Response from fetch()): copy them.
    const headers = new Headers(response.headers);
    headers.set('vary', value);
    return rebuild(response, response.body, headers);
  }
}

function rebuild(
  response: Response,
  body: Uint8Array | ReadableStream<Uint8Array> | null,
  headers: Headers,
): Response {
  return new Response(body as BodyInit | null, {
    status: response.status,
    statusText: response.statusText,
    headers,
  });
}

function problem(error: unknown): Response {
  const coded = isWirepackError(error)
    ? error
    : new WirepackError('MALFORMED', 'the MessagePack body could not be read', { cause: error });
  return new Response(JSON.stringify(toProblem(coded)), {
    status: coded.status,
    headers: { 'content-type': PROBLEM_MEDIA_TYPE, 'cache-control': 'no-store' },
  });
}
