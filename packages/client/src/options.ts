import {
  DEFAULT_DECODE_LIMITS,
  DEFAULT_ENDPOINT,
  type DecodeLimits,
  rejectUnknownKeys,
  resolveDecodeLimits,
} from '@wirepack/protocol';
import type { ResolvedRetry, RetryOptions } from './retry.ts';

/** How request batches are compressed. See {@link BatchFetchOptions.compressRequests}. */
export type RequestCompression = 'auto' | 'gzip' | 'br' | false;

/** Options of the opt-in response cache. */
export interface ResponseCacheOptions {
  /**
   * Most responses kept; the least recently used one is dropped first.
   * @default 100
   */
  readonly maxEntries?: number;
  /**
   * The longest a response is reused, in milliseconds, and its lifetime when it states none; a shorter
   * `max-age`, `Expires` or `Age` of the response wins.
   * @default 30_000
   */
  readonly ttlMs?: number;
  /**
   * Approximate bytes of responses kept (JSON values counted as their JSON text); the least recently
   * used go first, and a larger response is not kept.
   * @default 4_194_304
   */
  readonly maxBytes?: number;
}

/** A brotli encoder, as `brotli-wasm` provides it once loaded. */
export interface BrotliEncoder {
  compress(bytes: Uint8Array, options?: { quality?: number }): Uint8Array;
}

/** Options of {@link createBatchFetch}. */
export interface BatchFetchOptions {
  /**
   * URL of the batch endpoint: absolute, or relative to the page (`location.href`). Requests to
   * its origin are batched; everything else goes straight to `fetch`.
   * @default '/__wirepack'
   */
  readonly endpoint?: string | URL;
  /**
   * The fetch that sends batches, cancel messages and every call that is not batched.
   * @default globalThis.fetch
   */
  readonly fetch?: typeof globalThis.fetch;
  /**
   * Extra headers on every batch request (an auth token, a CSRF header). The server passes the
   * ones its allowlist names on to each call. A function is called once per batch.
   * @default undefined
   */
  readonly headers?: HeadersInit | (() => HeadersInit);
  /**
   * `credentials` of the batch request. A call whose own `credentials` differs is not batched.
   * @default 'same-origin'
   */
  readonly credentials?: RequestCredentials;
  /**
   * How long a batch waits for more calls after the last one, in milliseconds (each new call
   * restarts the wait, up to `maxWaitMs`). 0 sends a batch at the end of the current tick, the
   * way DataLoader batches: no latency floor.
   * @default 0
   */
  readonly windowMs?: number;
  /**
   * The longest a call waits for its batch to leave when calls keep arriving, in milliseconds.
   * Only used with a window; `undefined` means four windows.
   * @default windowMs * 4
   */
  readonly maxWaitMs?: number;
  /**
   * Window of `priority: 'low'` calls, in milliseconds: they wait this long for company.
   * @default 10
   */
  readonly lowPriorityWindowMs?: number;
  /**
   * Most calls in one batch; more calls are split across batches, never refused. The server's default
   * `concurrency` runs this many at once; each batch more costs a request, a response head and a
   * compressor on both ends (1,000 calls in batches of 100 cost the server 24 us per call, in batches
   * of 256 15 us; bench/README.md). The server refuses batches over its `maxCalls` (default 1,000).
   * @default 256
   */
  readonly maxBatchSize?: number;
  /**
   * Largest batch body before compression, in bytes (an upper-bound estimate); more calls are
   * split across batches. A single call larger than this travels alone.
   * @default 1_048_576 (1 MiB)
   */
  readonly maxBatchBytes?: number;
  /**
   * Compression of batch bodies of at least `compressMinBytes`. `'auto'` compresses only once a
   * batch response advertised what the server accepts (an `Accept-Encoding` response header,
   * RFC 7694): brotli when `loadBrotli` is given and its encoder has loaded, else gzip through
   * `CompressionStream`. `'gzip'`/`'br'` always compress (falling back to no compression after
   * a 415 UNSUPPORTED_ENCODING answer; `'br'` needs `loadBrotli`); `false` never does.
   * @default 'auto'
   */
  readonly compressRequests?: RequestCompression;
  /**
   * Smallest batch body worth compressing, in bytes. A smaller body leaves in the first flight of a
   * fresh connection anyway (an initial window of 10 segments, about 14 KB, RFC 6928), so
   * compressing it saves a few KB but no round trip, for CPU on both ends.
   * @default 8192
   */
  readonly compressMinBytes?: number;
  /**
   * Loads a brotli encoder for request bodies, opt-in: without it batches use gzip (CompressionStream)
   * and the app's build carries no brotli code or `.wasm` asset. With `brotli-wasm` (an optional peer):
   * `loadBrotli: async () => (await import('brotli-wasm')).default`. Called once, the first time brotli is wanted.
   * @default undefined (no brotli)
   */
  readonly loadBrotli?: () => Promise<BrotliEncoder>;
  /**
   * Send JSON request bodies (JSON content type, string body) as MessagePack values instead of
   * their bytes. Smaller on the wire (0.5-0.9x in this package's bench) but more CPU on both ends,
   * and the app sees re-serialised text instead of the caller's exact bytes.
   * @default false
   */
  readonly jsonBodiesAsValues?: boolean;
  /**
   * Share one sub-request between identical in-flight GET and HEAD calls (same URL and headers).
   * A call opts out with `init.dedupe: false`.
   * @default true
   */
  readonly dedupe?: boolean;
  /**
   * An in-memory cache of successful GET responses that honours their `Cache-Control`, `Expires`,
   * `Age` and `Vary`, keyed by the call's and the batch's headers, bounded by entries, bytes and age.
   * Off unless set; `true` uses the default bounds. Cookies cannot be in its key: call
   * `batchFetch.clearCache()` when they change (log-out, log-in).
   * @default false
   */
  readonly cache?: boolean | ResponseCacheOptions;
  /**
   * Limits for decoding response frames (a frame larger than `maxBytes` fails its batch).
   * @default DEFAULT_DECODE_LIMITS from @wirepack/protocol
   */
  readonly limits?: Partial<DecodeLimits>;
  /**
   * Retries of shed calls: a batched call answered 503 with `Retry-After` (the server's admission
   * control shed it), or whose whole batch was refused OVERLOADED, is sent again after the wait the
   * server asked for (plus up to 20%), when its method is idempotent (GET, HEAD, OPTIONS, PUT,
   * DELETE, TRACE) or it carries an `Idempotency-Key` header. `false` turns retries off.
   * @default { limit: 2, maxRetryAfterMs: 10_000 }
   */
  readonly retry?: false | RetryOptions;
}

/** The defaults of {@link BatchFetchOptions}. */
export const DEFAULT_BATCH_FETCH_OPTIONS: Readonly<{
  endpoint: string;
  credentials: RequestCredentials;
  windowMs: number;
  lowPriorityWindowMs: number;
  maxBatchSize: number;
  maxBatchBytes: number;
  compressRequests: RequestCompression;
  compressMinBytes: number;
  jsonBodiesAsValues: boolean;
  dedupe: boolean;
  cacheMaxEntries: number;
  cacheTtlMs: number;
  retryLimit: number;
  retryMaxRetryAfterMs: number;
  cacheMaxBytes: number;
}> = Object.freeze({
  endpoint: DEFAULT_ENDPOINT,
  credentials: 'same-origin',
  windowMs: 0,
  lowPriorityWindowMs: 10,
  maxBatchSize: 256,
  maxBatchBytes: 1024 * 1024,
  compressRequests: 'auto',
  compressMinBytes: 8192,
  jsonBodiesAsValues: false,
  dedupe: true,
  cacheMaxEntries: 100,
  cacheTtlMs: 30_000,
  retryLimit: 2,
  retryMaxRetryAfterMs: 10_000,
  cacheMaxBytes: 4 * 1024 * 1024,
});

/** @internal Options after validation, with defaults filled in. */
export interface ResolvedOptions {
  readonly endpoint: string | URL;
  readonly fetch: typeof globalThis.fetch;
  /** No `fetch` option was given: batches go through the runtime's own fetch (see runtime.ts). */
  readonly runtimeFetch: boolean;
  readonly headers: HeadersInit | (() => HeadersInit) | undefined;
  readonly credentials: RequestCredentials;
  readonly windowMs: number;
  readonly maxWaitMs: number;
  readonly lowPriorityWindowMs: number;
  readonly maxBatchSize: number;
  readonly maxBatchBytes: number;
  readonly compressRequests: RequestCompression;
  readonly compressMinBytes: number;
  readonly loadBrotli: (() => Promise<BrotliEncoder>) | undefined;
  readonly jsonBodiesAsValues: boolean;
  readonly dedupe: boolean;
  readonly cache:
    | { readonly maxEntries: number; readonly ttlMs: number; readonly maxBytes: number }
    | undefined;
  readonly limits: DecodeLimits;
  /** Retries of shed calls; limit 0 when off. */
  readonly retry: ResolvedRetry;
}

const COMPRESSIONS: readonly RequestCompression[] = ['auto', 'gzip', 'br', false];

/** Every key of {@link BatchFetchOptions}: any other is a typo and is refused (see rejectUnknownKeys). */
const OPTION_KEYS: readonly string[] = Object.freeze([
  'endpoint',
  'fetch',
  'headers',
  'credentials',
  'windowMs',
  'maxWaitMs',
  'lowPriorityWindowMs',
  'maxBatchSize',
  'maxBatchBytes',
  'compressRequests',
  'compressMinBytes',
  'loadBrotli',
  'jsonBodiesAsValues',
  'dedupe',
  'cache',
  'limits',
  'retry',
] satisfies (keyof BatchFetchOptions)[]);
const CACHE_KEYS: readonly string[] = Object.freeze([
  'maxEntries',
  'ttlMs',
  'maxBytes',
] satisfies (keyof ResponseCacheOptions)[]);
const RETRY_KEYS: readonly string[] = Object.freeze([
  'limit',
  'maxRetryAfterMs',
] satisfies (keyof RetryOptions)[]);
const PREFIX = '[wirepack/client]';

/** Refuses unknown keys at the top level and in the nested option objects, before anything else. */
function rejectTypos(options: BatchFetchOptions): void {
  rejectUnknownKeys(options, OPTION_KEYS, '', PREFIX);
  const { cache, retry, limits } = options;
  if (cache !== null && typeof cache === 'object') rejectUnknownKeys(cache, CACHE_KEYS, 'cache', PREFIX);
  if (retry !== null && typeof retry === 'object') rejectUnknownKeys(retry, RETRY_KEYS, 'retry', PREFIX);
  if (limits !== undefined && (limits === null || typeof limits !== 'object')) {
    throw new TypeError(`[wirepack/client] options.limits must be an object, got ${String(limits)}`);
  }
  rejectUnknownKeys(limits ?? {}, Object.keys(DEFAULT_DECODE_LIMITS), 'limits', PREFIX);
}

/** @internal Validates options once; misuse throws a TypeError naming the option. */
export function resolveOptions(options: BatchFetchOptions): ResolvedOptions {
  if (options === null || typeof options !== 'object') {
    throw new TypeError(
      `[wirepack/client] createBatchFetch expects an options object, got ${String(options)}`,
    );
  }
  rejectTypos(options);
  const d = DEFAULT_BATCH_FETCH_OPTIONS;
  const fetchFn = options.fetch ?? globalThis.fetch;
  if (typeof fetchFn !== 'function') {
    throw new TypeError('[wirepack/client] options.fetch must be a function (no global fetch was found)');
  }
  const windowMs = nonNegative('windowMs', options.windowMs ?? d.windowMs);
  const cacheOption = options.cache ?? false;
  const compressRequests = options.compressRequests ?? d.compressRequests;
  if (!COMPRESSIONS.includes(compressRequests)) {
    throw new TypeError(
      `[wirepack/client] options.compressRequests must be 'auto', 'gzip', 'br' or false, got ${String(compressRequests)}`,
    );
  }
  const { loadBrotli } = options;
  if (loadBrotli !== undefined && typeof loadBrotli !== 'function') {
    throw new TypeError(`[wirepack/client] options.loadBrotli must be a function, got ${typeof loadBrotli}`);
  }
  if (compressRequests === 'br' && loadBrotli === undefined) {
    throw new TypeError(
      "[wirepack/client] options.compressRequests 'br' needs options.loadBrotli (brotli is opt-in): e.g. loadBrotli: async () => (await import('brotli-wasm')).default",
    );
  }
  const endpoint = options.endpoint ?? d.endpoint;
  if (typeof endpoint !== 'string' && !(endpoint instanceof URL)) {
    throw new TypeError(`[wirepack/client] options.endpoint must be a string or URL, got ${typeof endpoint}`);
  }
  return {
    endpoint,
    // Always called as a plain function: the native fetch throws "Illegal invocation" in browsers
    // when called as a method of another object (e.g. `transport.fetch(...)`), so `{ fetch }`
    // given as `window.fetch` must not be stored and called as a property.
    fetch:
      options.fetch === undefined ? (input, init) => globalThis.fetch(input, init) : plainCall(options.fetch),
    runtimeFetch: options.fetch === undefined,
    headers: options.headers,
    credentials: options.credentials ?? d.credentials,
    windowMs,
    maxWaitMs: nonNegative('maxWaitMs', options.maxWaitMs ?? windowMs * 4),
    lowPriorityWindowMs: nonNegative(
      'lowPriorityWindowMs',
      options.lowPriorityWindowMs ?? d.lowPriorityWindowMs,
    ),
    maxBatchSize: positiveInteger('maxBatchSize', options.maxBatchSize ?? d.maxBatchSize),
    maxBatchBytes: positiveInteger('maxBatchBytes', options.maxBatchBytes ?? d.maxBatchBytes),
    compressRequests,
    compressMinBytes: nonNegative('compressMinBytes', options.compressMinBytes ?? d.compressMinBytes),
    loadBrotli,
    jsonBodiesAsValues: options.jsonBodiesAsValues ?? d.jsonBodiesAsValues,
    dedupe: options.dedupe ?? d.dedupe,
    cache:
      cacheOption === false
        ? undefined
        : {
            maxEntries: positiveInteger(
              'cache.maxEntries',
              (cacheOption === true ? undefined : cacheOption.maxEntries) ?? d.cacheMaxEntries,
            ),
            ttlMs: nonNegative(
              'cache.ttlMs',
              (cacheOption === true ? undefined : cacheOption.ttlMs) ?? d.cacheTtlMs,
            ),
            maxBytes: positiveInteger(
              'cache.maxBytes',
              (cacheOption === true ? undefined : cacheOption.maxBytes) ?? d.cacheMaxBytes,
            ),
          },
    limits: resolveDecodeLimits(options.limits),
    retry: resolveRetry(options.retry),
  };
}

function resolveRetry(option: BatchFetchOptions['retry']): ResolvedRetry {
  const d = DEFAULT_BATCH_FETCH_OPTIONS;
  if (option === false) return { limit: 0, maxRetryAfterMs: 0 };
  if (option !== undefined && (option === null || typeof option !== 'object')) {
    throw new TypeError(`[wirepack/client] options.retry must be false or an object, got ${String(option)}`);
  }
  const limit = option?.limit ?? d.retryLimit;
  if (!Number.isSafeInteger(limit) || limit < 0) {
    throw new TypeError(
      `[wirepack/client] options.retry.limit must be an integer >= 0, got ${String(limit)}`,
    );
  }
  return {
    limit,
    maxRetryAfterMs: nonNegative('retry.maxRetryAfterMs', option?.maxRetryAfterMs ?? d.retryMaxRetryAfterMs),
  };
}

function plainCall(fetchFn: typeof globalThis.fetch): typeof globalThis.fetch {
  return (input, init) => fetchFn(input, init);
}

function nonNegative(name: string, value: number): number {
  if (typeof value !== 'number' || !(value >= 0) || value === Number.POSITIVE_INFINITY) {
    throw new TypeError(
      `[wirepack/client] options.${name} must be a finite number >= 0, got ${String(value)}`,
    );
  }
  return value;
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new TypeError(`[wirepack/client] options.${name} must be a positive integer, got ${String(value)}`);
  }
  return value;
}
