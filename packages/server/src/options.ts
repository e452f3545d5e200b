import {
  DEFAULT_DECODE_LIMITS,
  DEFAULT_ENDPOINT,
  type DecodeLimits,
  rejectUnknownKeys,
  resolveDecodeLimits,
} from '@wirepack/protocol';
import type { AdmissionController } from './admission/admission-controller.ts';
import type { AdmissionPriority } from './admission/admission-options.ts';
import type { ResponseCache } from './cache/create-response-cache.ts';
import { CallRoutes } from './calls/call-routes.ts';
import type { MetricsSnapshot } from './metrics.ts';

/**
 * The app's own Web-standard handler (a Hono app's `fetch`, an itty router, a hand-written switch).
 * On Cloudflare Workers (and other runtimes with a module `fetch(request, env, ctx)`), `env` and `ctx`
 * are the bindings and execution context the runtime passed to the batch handler; they are handed on
 * unchanged to every sub-request and pass-through request, so `c.env` and `c.executionCtx` work in Hono.
 */
export type FetchHandler<TEnv = unknown, TExecutionContext = unknown> = (
  request: Request,
  env?: TEnv,
  ctx?: TExecutionContext,
) => Response | Promise<Response>;

/** Makes a fresh stream transform for one request body (a decompressor). */
export type CodecFactory = () => TransformStream<Uint8Array, Uint8Array>;

/** One call of a batch as `createContext` sees it: enough to plan the batch's loads, nothing of its body. */
export interface BatchCallSummary {
  /** The call's id within the batch. */
  readonly id: number;
  /** Its HTTP method, e.g. `GET`. */
  readonly method: string;
  /** Its same-origin path with the query, e.g. `/api/users/1?fields=name`. */
  readonly path: string;
}

/** Limits on everything a client controls. Sizes are in bytes, times in milliseconds. */
export interface ServerLimits {
  /**
   * Most sub-requests in one batch (TOO_MANY_CALLS, 413).
   * @default 1000
   */
  readonly maxCalls: number;
  /**
   * Largest batch body as received, counted while reading, before decompressing or decoding (BODY_TOO_LARGE, 413).
   * @default 8_388_608 (8 MiB)
   */
  readonly maxBodyBytes: number;
  /**
   * Largest batch body after `Content-Encoding` is undone (DECOMPRESSED_TOO_LARGE, 413).
   * @default 8_388_608 (8 MiB)
   */
  readonly maxDecompressedBytes: number;
  /**
   * Largest one call of a batch may be with its records written out as plain maps (CALL_TOO_LARGE, 413):
   * a record costs one byte per object whatever its keys, so this bounds the JSON body a call hands the
   * app, where `maxBodyBytes` bounds only wire bytes. The whole batch is bounded by `decode.maxExpandedBytes`.
   * @default 8_388_608 (8 MiB)
   */
  readonly maxCallBytes: number;
  /**
   * Largest cancel message body (BODY_TOO_LARGE, 413).
   * @default 65_536
   */
  readonly maxCancelBytes: number;
  /**
   * Most header bytes (names plus values) one sub-request may carry (HEADERS_TOO_LARGE, 431).
   * @default 16_384
   */
  readonly maxHeaderBytes: number;
  /**
   * Most headers one sub-request may carry (HEADERS_TOO_LARGE, 431).
   * @default 100
   */
  readonly maxHeaderCount: number;
  /**
   * Largest sub-response body the server reads from the app; a larger one becomes a FRAME_TOO_LARGE error
   * frame. Frames must also fit the client's decode limits, so keep it below `decode.maxBytes`.
   * @default 8_000_000
   */
  readonly maxResponseBytes: number;
  /**
   * Bytes of results one batch holds for a client that reads slower than its calls finish: frames not
   * yet taken by the client plus sub-response bodies being read. Past it, running calls' bodies are
   * not read on (back-pressure on the app) until the client reads; the oldest one always proceeds, so
   * a batch holds at most about this plus one `maxResponseBytes`.
   * @default 16_777_216 (16 MiB)
   */
  readonly maxBufferedBytes: number;
  /**
   * Time frames may wait for a client that reads nothing; past it the batch is abandoned (READ_TIMEOUT
   * to onError and in the metrics' errors, running calls aborted, buffered frames dropped, the response ends in error).
   * @default 60_000
   */
  readonly readTimeoutMs: number;
  /**
   * Sub-requests of one batch that run at the same time. As large as the client's default batch, so a
   * batch runs in one wave, as tRPC and DataLoader run theirs: with 32 a batch of 100 ran in four waves,
   * each its own chunk, compressor flush and read on both ends, at 1.5x the server CPU per call and
   * 1.6x the client's (bench/README.md). It bounds what one request starts; what all clients start
   * together is bounded by `maxPendingCalls` and, with `admission`, by the server-wide limit.
   * @default 256
   */
  readonly concurrency: number;
  /**
   * Time one sub-request may take, from its start to its body being read (TIMEOUT error frame, 504).
   * @default 30_000
   */
  readonly timeoutMs: number;
  /**
   * Time a sub-request may wait for one of the batch's `concurrency` slots (TIMEOUT error frame, 504).
   * A slot stays held until the app's handler settles, even after its call timed out or was cancelled,
   * so handlers that ignore their signal make the calls behind them wait; this bounds that wait.
   * @default 60_000
   */
  readonly queueTimeoutMs: number;
  /**
   * Time a batch or cancel body may take to arrive, on top of what its bytes earn at
   * `minBodyBytesPerSecond` (BODY_TIMEOUT, 408). A body still arriving holds no batch slot.
   * @default 10_000
   */
  readonly bodyTimeoutMs: number;
  /**
   * Slowest upload rate the body deadline allows for: every byte received extends it by 1/rate seconds,
   * so an 8 MiB body may take 10 s + 512 s while a client sending a byte a second is cut off after 10 s.
   * @default 16_384
   */
  readonly minBodyBytesPerSecond: number;
  /**
   * Batches this handler runs at the same time, counted once a batch's body is in; one more is refused
   * with OVERLOADED (503).
   * @default 256
   */
  readonly maxConcurrentBatches: number;
  /**
   * Sub-requests of all running batches not yet finished; a batch that would pass it is refused with OVERLOADED (503).
   * @default 20_000
   */
  readonly maxPendingCalls: number;
  /**
   * MessagePack decode limits for batch and cancel bodies, also checked for the frames this server writes.
   * @default DEFAULT_DECODE_LIMITS from @wirepack/protocol
   */
  readonly decode: DecodeLimits;
}

/** The default {@link ServerLimits}: generous for real pages, small enough to refuse abuse. */
export const DEFAULT_SERVER_LIMITS: Readonly<ServerLimits> = Object.freeze({
  maxCalls: 1000,
  maxBodyBytes: 8 * 1024 * 1024,
  maxDecompressedBytes: 8 * 1024 * 1024,
  maxCallBytes: 8 * 1024 * 1024,
  maxCancelBytes: 64 * 1024,
  maxHeaderBytes: 16 * 1024,
  maxHeaderCount: 100,
  maxResponseBytes: 8_000_000,
  maxBufferedBytes: 16 * 1024 * 1024,
  readTimeoutMs: 60_000,
  concurrency: 256,
  timeoutMs: 30_000,
  queueTimeoutMs: 60_000,
  bodyTimeoutMs: 10_000,
  minBodyBytesPerSecond: 16_384,
  maxConcurrentBatches: 256,
  maxPendingCalls: 20_000,
  decode: DEFAULT_DECODE_LIMITS,
});

/**
 * Headers every sub-request inherits from the batch request when it does not set them itself: the
 * credentials (`cookie`, `authorization`) and what describes the client rather than the call
 * (`accept-language`, `user-agent`), all of which a plain `fetch` from the same page would have sent.
 * `accept-encoding` is not inherited: the server reads sub-response bodies itself, and frames carry
 * them uncompressed (the batch response as a whole is compressed instead).
 */
export const DEFAULT_INHERITED_HEADERS: readonly string[] = Object.freeze([
  'cookie',
  'authorization',
  'accept-language',
  'user-agent',
]);

/** Where an error reported to {@link BatchHandlerOptions.onError} happened. */
export interface ErrorInfo {
  /** The batch id, or undefined for a failure before the batch was decoded. */
  readonly batchId: string | undefined;
  /** The sub-request id, when the error belongs to one sub-request. */
  readonly id?: number;
  /** The sub-request's method and path, when known. */
  readonly method?: string;
  readonly path?: string;
}

/** One finished batch, as passed to {@link BatchHandlerOptions.onBatch}. */
export interface BatchSummary {
  readonly batchId: string;
  readonly calls: number;
  /** Sub-requests that ended in an error frame, by code. */
  readonly errors: Readonly<Record<string, number>>;
  /** Milliseconds from the batch request's arrival to its end frame. */
  readonly durationMs: number;
  readonly bytesIn: number;
  readonly bytesOut: number;
}

/** Options of {@link createBatchHandler}. */
export interface BatchHandlerOptions<TContext = unknown, TEnv = unknown, TExecutionContext = unknown> {
  /**
   * The app: every request that is not for the batch endpoint, and every sub-request, goes here, with
   * the `env` and `ctx` the batch handler itself was called with.
   */
  readonly fetch: FetchHandler<TEnv, TExecutionContext>;
  /**
   * The batch endpoint's path (requests to it with any other path go to the app).
   * @default '/__wirepack'
   */
  readonly endpoint?: string;
  /**
   * Extra header names each sub-request inherits from the batch request (in addition to
   * {@link DEFAULT_INHERITED_HEADERS}) when the sub-request does not carry them itself.
   * @default []
   */
  readonly inheritHeaders?: readonly string[];
  /** Overrides of {@link DEFAULT_SERVER_LIMITS}; `decode` overrides merge with the protocol's defaults. */
  readonly limits?: Partial<Omit<ServerLimits, 'decode'>> & { readonly decode?: Partial<DecodeLimits> };
  /**
   * Makes the batch-scoped context (a DataLoader, a DB transaction, a trace span) once per batch; sub-requests
   * reach it with `getBatchContext(request)`. `calls` lists every call of the batch (id, method, path) before
   * any starts, so a loader can fetch what the whole batch asks for in one query, although the batch runs
   * only `concurrency` calls at a time (a DataLoader alone sees one wave of calls per tick).
   * @default undefined (no context)
   */
  readonly createContext?: (request: Request, calls: readonly BatchCallSummary[]) => TContext;
  /**
   * Receives what a sub-request threw (or why the batch failed), for logs. Nothing of it goes on the wire.
   * @default logs to console.error
   */
  readonly onError?: (error: unknown, info: ErrorInfo) => void;
  /**
   * Called once per batch when it ends, after the metrics are updated.
   * @default undefined
   */
  readonly onBatch?: (summary: BatchSummary, metrics: () => MetricsSnapshot) => void;
  /**
   * Request decoders by `Content-Encoding` token, added to the built-in `gzip` and `deflate`
   * (DecompressionStream). The Node adapter's `nodeCompression()` supplies `br`.
   * @default {}
   */
  readonly decoders?: Readonly<Record<string, CodecFactory>>;
  /**
   * Send JSON sub-responses as MessagePack values (smaller, and the client skips JSON parsing).
   * When false they travel as the app's bytes.
   * @default true
   */
  readonly jsonAsValues?: boolean;
  /**
   * Keep `Set-Cookie` (and `Set-Cookie2`) of sub-responses in their result frames. Off by default: frames
   * are read by page script, so a cookie marked HttpOnly would reach the script HttpOnly exists to keep
   * it from, while the browser stores none of them anyway (the batch response's headers went out first).
   * Turn on only for non-browser clients that need them.
   * @default false
   */
  readonly exposeSetCookie?: boolean;
  /**
   * A server-wide admission controller (`createAdmissionController`), shared with any other handler
   * of this server. Each call of a batch takes a permit by its priority before it runs and holds it
   * until the app's promise settles; a shed call gets its own 503 result with `Retry-After`. Requests
   * that are not for the endpoint are admitted too, by `priorityOf`.
   * @default undefined (no server-wide limit; only the per-batch `concurrency`)
   */
  readonly admission?: AdmissionController;
  /**
   * The admission priority of a request that is not for the batch endpoint.
   * @default the RFC 9218 `Priority` header: `u=0`-`u=2` high, none or `u=3` auto, `u=4`-`u=7` low
   */
  readonly priorityOf?: (request: Request) => AdmissionPriority;
  /**
   * The light path, opt-in: calls whose method and path match a route of `createCallRoutes()` run its
   * handler with a light call object (method, path, query, headers, decoded body, params) and send the
   * value it returns, without a `Request` or `Response` per call. Every other call goes to `fetch`.
   * Admission, priorities, limits, timeouts and cancels apply alike.
   * @default undefined (every call goes to `fetch`)
   */
  readonly routes?: CallRoutes<TContext>;
  /**
   * The response cache `fetch` goes through (`createResponseCache`), when `routes` are set: routed
   * GET and HEAD calls are then answered through `fetch`, so the cache serves them (its origin must
   * serve the routes too: `routesFetch(routes, app.fetch)`), and a routed unsafe call that succeeds
   * purges its URL from it.
   * @default undefined
   */
  readonly responseCache?: ResponseCache;
}

/** Options after defaults are applied. */
export interface ResolvedOptions<TContext> {
  /** The app, called with the request and whatever the runtime passed after it (`env`, `ctx`). */
  readonly fetch: (request: Request, ...extra: unknown[]) => Response | Promise<Response>;
  readonly endpoint: string;
  readonly inheritHeaders: readonly string[];
  readonly limits: ServerLimits;
  readonly createContext: ((request: Request, calls: readonly BatchCallSummary[]) => TContext) | undefined;
  readonly onError: (error: unknown, info: ErrorInfo) => void;
  readonly onBatch: BatchHandlerOptions<TContext>['onBatch'];
  readonly decoders: Readonly<Record<string, CodecFactory>>;
  readonly jsonAsValues: boolean;
  readonly exposeSetCookie: boolean;
  readonly admission: AdmissionController | undefined;
  readonly priorityOf: ((request: Request) => AdmissionPriority) | undefined;
  readonly routes: CallRoutes<TContext> | undefined;
  readonly responseCache: ResponseCache | undefined;
}

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9a-z-]+$/;

/** Every key of {@link BatchHandlerOptions}: any other is a typo and is refused (see rejectUnknownKeys). */
const OPTION_KEYS: readonly string[] = Object.freeze([
  'fetch',
  'endpoint',
  'inheritHeaders',
  'limits',
  'createContext',
  'onError',
  'onBatch',
  'decoders',
  'jsonAsValues',
  'exposeSetCookie',
  'admission',
  'priorityOf',
  'routes',
  'responseCache',
] satisfies (keyof BatchHandlerOptions)[]);
const PREFIX = '[wirepack/server]';

/** Validates options once, at creation: misuse throws a TypeError saying what was expected. */
export function resolveOptions<TContext, TEnv = unknown, TExecutionContext = unknown>(
  options: BatchHandlerOptions<TContext, TEnv, TExecutionContext>,
): ResolvedOptions<TContext> {
  if (options === null || typeof options !== 'object') {
    throw new TypeError(
      `[wirepack/server] createBatchHandler expects an options object, got ${typeof options}`,
    );
  }
  if ((options as { encoders?: unknown }).encoders !== undefined) {
    throw new TypeError(
      "[wirepack/server] options.encoders was removed: responses are compressed by the Node adapters' one compression stage (toNodeListener's and createExpressMiddleware's `compression` option)",
    );
  }
  rejectUnknownKeys(options, OPTION_KEYS, '', PREFIX);
  if (options.limits !== undefined && (options.limits === null || typeof options.limits !== 'object')) {
    throw new TypeError(`[wirepack/server] options.limits must be an object, got ${String(options.limits)}`);
  }
  rejectUnknownKeys(options.limits ?? {}, Object.keys(DEFAULT_SERVER_LIMITS), 'limits', PREFIX);
  const decodeOption = options.limits?.decode;
  if (decodeOption !== undefined && (decodeOption === null || typeof decodeOption !== 'object')) {
    throw new TypeError(
      `[wirepack/server] options.limits.decode must be an object, got ${String(decodeOption)}`,
    );
  }
  rejectUnknownKeys(decodeOption ?? {}, Object.keys(DEFAULT_DECODE_LIMITS), 'limits.decode', PREFIX);
  if (typeof options.fetch !== 'function') {
    throw new TypeError(
      `[wirepack/server] options.fetch must be the app's (request: Request) => Response handler, got ${typeof options.fetch}`,
    );
  }
  const endpoint = options.endpoint ?? DEFAULT_ENDPOINT;
  if (typeof endpoint !== 'string' || !endpoint.startsWith('/') || endpoint.startsWith('//')) {
    throw new TypeError(
      `[wirepack/server] options.endpoint must be a path starting with "/", got ${String(endpoint)}`,
    );
  }
  const inherit = new Set(DEFAULT_INHERITED_HEADERS);
  for (const name of options.inheritHeaders ?? []) {
    const lower = String(name).toLowerCase();
    if (!HEADER_NAME.test(lower)) {
      throw new TypeError(`[wirepack/server] options.inheritHeaders: "${String(name)}" is not a header name`);
    }
    inherit.add(lower);
  }
  const { decode, ...rest } = options.limits ?? {};
  const limits: ServerLimits = { ...DEFAULT_SERVER_LIMITS, ...rest, decode: resolveDecodeLimits(decode) };
  for (const [name, value] of Object.entries(limits)) {
    if (name === 'decode') continue;
    if (!Number.isSafeInteger(value) || (value as number) < 1) {
      throw new TypeError(
        `[wirepack/server] limits.${name} must be a positive integer, got ${String(value)}`,
      );
    }
  }
  for (const [token, factory] of Object.entries(options.decoders ?? {})) {
    if (typeof factory !== 'function') {
      throw new TypeError(
        `[wirepack/server] options.decoders.${token} must be a function returning a TransformStream`,
      );
    }
  }
  const { admission, priorityOf } = options;
  if (
    admission !== undefined &&
    (typeof admission?.acquire !== 'function' || typeof admission.tryAcquire !== 'function')
  ) {
    throw new TypeError('[wirepack/server] options.admission must come from createAdmissionController()');
  }
  if (priorityOf !== undefined && typeof priorityOf !== 'function') {
    throw new TypeError('[wirepack/server] options.priorityOf must be a function');
  }
  if (options.routes !== undefined && !(options.routes instanceof CallRoutes)) {
    throw new TypeError('[wirepack/server] options.routes must come from createCallRoutes()');
  }
  if (options.responseCache !== undefined && typeof options.responseCache?.purge !== 'function') {
    throw new TypeError('[wirepack/server] options.responseCache must come from createResponseCache()');
  }
  return {
    // The handler forwards exactly the arguments it was called with, which are TEnv and TExecutionContext.
    fetch: options.fetch as ResolvedOptions<TContext>['fetch'],
    endpoint,
    inheritHeaders: [...inherit],
    limits: Object.freeze(limits),
    createContext: options.createContext,
    onError: options.onError ?? defaultOnError,
    onBatch: options.onBatch,
    decoders: options.decoders ?? {},
    jsonAsValues: options.jsonAsValues ?? true,
    exposeSetCookie: options.exposeSetCookie ?? false,
    admission,
    priorityOf,
    routes: options.routes,
    responseCache: options.responseCache,
  };
}

function defaultOnError(error: unknown, info: ErrorInfo): void {
  const where = info.id === undefined ? '' : ` call ${info.id} ${info.method ?? ''} ${info.path ?? ''}`;
  console.error(`[wirepack/server] batch ${info.batchId ?? '(undecoded)'}${where} failed:`, error);
}
