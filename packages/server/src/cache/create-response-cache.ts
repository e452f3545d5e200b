import type { FetchHandler } from '../options.ts';
import { bufferBody } from './buffer-body.ts';
import {
  answerFromStore,
  gatewayTimeout,
  markOutcome,
  rebuild,
  revalidationRequest,
  unconditional,
} from './cache-answers.ts';
import { parseCacheControl } from './cache-control.ts';
import { CacheEntries, matchesVary, toEntry } from './cache-entries.ts';
import type { StoredResponse } from './cache-entry.ts';
import { primaryKey } from './cache-keys.ts';
import {
  type CacheOutcome,
  checkCount,
  DEFAULT_RESPONSE_CACHE_OPTIONS,
  type ResponseCacheOptions,
} from './cache-options.ts';
import { type ResponseFacts, usability, whyNotStorable } from './cache-policy.ts';
import { createMemoryStore } from './memory-store.ts';
import { CacheStoreGuard } from './store-guard.ts';
import { storedHeaders, updatedHeaders } from './stored-headers.ts';

/** What {@link createResponseCache} returns: the cached handler, and a way to drop a URL's entries. */
export interface ResponseCache {
  /** Answers a request; arguments after it (a Workers runtime's `env`, `ctx`) reach the app unchanged. */
  (request: Request, ...extra: unknown[]): Promise<Response>;
  /** Removes the stored responses for a URL (every `Vary` variant), as an unsafe request to it does. */
  purge(url: string): Promise<void>;
}

const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE']);
// Preconditions the origin alone evaluates (If-Match, ...) and partial requests go around the cache.
const BYPASS_HEADERS = ['range', 'if-match', 'if-unmodified-since', 'if-range'];

/**
 * A shared HTTP cache (RFC 9111) in front of a `(Request) => Promise<Response>` handler. Wrap the
 * app's handler and give the result to `createBatchHandler` as `fetch`: plain requests and the GETs
 * inside batches then share one cache.
 *
 * Stores GET responses that carry explicit freshness (`s-maxage`, else `max-age`, else `Expires`),
 * or `no-cache` with a validator, keyed by URL and the request headers their `Vary` names. Never
 * stores `private`, `no-store`, `Vary: *`, `Set-Cookie`, or the answer to a request with
 * `Authorization` unless it says `public`, `s-maxage` or `must-revalidate`. Stale entries are
 * revalidated with their `ETag`/`Last-Modified`; client conditionals get a 304 from the cache.
 * Store failures fail open: the origin answers and `onError` hears of it.
 *
 * @example
 * ```ts
 * const cached = createResponseCache({ fetch: app.fetch, store: createMemoryStore({ maxBytes: 64 << 20 }) });
 * const handler = createBatchHandler({ fetch: cached });
 * ```
 */
export function createResponseCache(options: ResponseCacheOptions): ResponseCache {
  const cache = new HttpCache(resolveCacheSettings(options));
  return Object.assign((request: Request, ...extra: unknown[]) => cache.handle(request, extra), {
    purge: (url: string): Promise<void> => cache.entries.purge(url),
  });
}

/** The options, checked and with their defaults. */
interface CacheSettings {
  readonly app: FetchHandler<never, never>;
  readonly maxEntryBytes: number;
  readonly keepStaleMs: number;
  readonly maxUrlLength: number;
  /** The response header that tells the outcome, lower case; false for none. */
  readonly statusHeader: string | false;
  readonly coalesce: boolean;
  readonly now: () => number;
  readonly store: CacheStoreGuard;
  readonly onHit: ResponseCacheOptions['onHit'];
  readonly onMiss: ResponseCacheOptions['onMiss'];
}

function resolveCacheSettings(options: ResponseCacheOptions): CacheSettings {
  if (typeof options?.fetch !== 'function') {
    throw new TypeError(
      `[wirepack/server] createResponseCache needs options.fetch, a function; got ${typeof options?.fetch}`,
    );
  }
  const defaults = DEFAULT_RESPONSE_CACHE_OPTIONS;
  return {
    app: options.fetch,
    maxEntryBytes: checkCount('maxEntryBytes', options.maxEntryBytes ?? defaults.maxEntryBytes),
    keepStaleMs: checkCount('keepStaleMs', options.keepStaleMs ?? defaults.keepStaleMs),
    maxUrlLength: checkCount('maxUrlLength', options.maxUrlLength ?? defaults.maxUrlLength),
    statusHeader:
      options.statusHeader === undefined
        ? defaults.statusHeader
        : options.statusHeader === false
          ? false
          : options.statusHeader.toLowerCase(),
    coalesce: options.coalesce ?? defaults.coalesce,
    now: options.now ?? Date.now,
    store: new CacheStoreGuard(options.store ?? createMemoryStore(), options.onError),
    onHit: options.onHit,
    onMiss: options.onMiss,
  };
}

/** The app's handler for one request, with the arguments the runtime passed after it. */
type Origin = (request: Request) => Promise<Response>;

/**
 * The cache's decisions, one method per step of a request: {@link HttpCache.handle} sends unsafe
 * methods through ({@link HttpCache.forwardUnsafe}), bypasses what the cache must not answer,
 * serves a usable stored response, revalidates a stale one ({@link HttpCache.revalidate}), or fetches
 * and stores ({@link HttpCache.fetchAndStore}, {@link HttpCache.keep}), sharing one origin request
 * between concurrent misses of a URL.
 */
class HttpCache {
  readonly entries: CacheEntries;
  readonly #settings: CacheSettings;
  /** Misses being fetched now, by primary key: later requests wait for the entry they produce. */
  readonly #inflight = new Map<string, Promise<StoredResponse | undefined>>();

  constructor(settings: CacheSettings) {
    this.#settings = settings;
    this.entries = new CacheEntries(
      settings.store,
      settings.maxEntryBytes,
      settings.keepStaleMs,
      settings.now,
    );
  }

  async handle(request: Request, extra: unknown[]): Promise<Response> {
    const { app, maxUrlLength, coalesce, now } = this.#settings;
    // The app gets whatever the runtime passed after the request (`env`, `ctx`), on misses and
    // revalidations alike.
    const origin: Origin = async (forwarded) => app(forwarded, ...(extra as []));
    const { method, url } = request;
    if (method !== 'GET' && method !== 'HEAD') return this.forwardUnsafe(origin, request);
    const directives = parseCacheControl(request.headers.get('cache-control'));
    if (
      url.length > maxUrlLength ||
      directives.noStore ||
      BYPASS_HEADERS.some((name) => request.headers.has(name))
    ) {
      return this.#mark(await origin(request), 'BYPASS');
    }
    const key = primaryKey(url);
    const stored = await this.entries.lookup(request, key);
    if (stored !== undefined) {
      const use = usability(request, stored, now());
      if (use === 'fresh') return this.#hit(request, stored);
      if (directives.onlyIfCached) return gatewayTimeout();
      if (use === 'revalidate' && method === 'GET') return this.revalidate(origin, request, key, stored);
    }
    if (directives.onlyIfCached) return gatewayTimeout();
    if (method === 'HEAD') return this.#mark(await origin(request), 'MISS');
    const pending = coalesce ? this.#inflight.get(key) : undefined;
    if (pending !== undefined) {
      const shared = await pending;
      if (
        shared !== undefined &&
        matchesVary(request, shared) &&
        usability(request, shared, now()) === 'fresh'
      ) {
        return this.#hit(request, shared);
      }
    }
    return this.fetchAndStore(origin, request, key, unconditional(request));
  }

  /** Methods other than GET and HEAD go to the origin; a successful unsafe one invalidates (RFC 9111 §4.4). */
  async forwardUnsafe(origin: Origin, request: Request): Promise<Response> {
    const response = await origin(request);
    if (!SAFE_METHODS.has(request.method) && response.status >= 200 && response.status < 400) {
      await this.entries.invalidate(request.url, response.headers);
    }
    return response;
  }

  /** A miss: asks the origin, stores what may be stored; concurrent misses of the key wait for it. */
  async fetchAndStore(
    origin: Origin,
    request: Request,
    key: string,
    originRequest: Request,
  ): Promise<Response> {
    const { coalesce, now } = this.#settings;
    let settle: ((entry: StoredResponse | undefined) => void) | undefined;
    if (coalesce && !this.#inflight.has(key)) {
      this.#inflight.set(key, new Promise((resolve) => (settle = resolve)));
    }
    let entry: StoredResponse | undefined;
    try {
      const requestTime = now();
      const response = await origin(originRequest);
      const result = await this.keep(request, key, response, requestTime, now());
      entry = result.entry;
      return result.response;
    } finally {
      if (settle !== undefined) {
        settle(entry);
        this.#inflight.delete(key);
      }
    }
  }

  /** Stores an origin response when it may be, and answers the request with it. */
  async keep(
    request: Request,
    key: string,
    response: Response,
    requestTime: number,
    responseTime: number,
  ): Promise<{ response: Response; entry?: StoredResponse }> {
    const { maxEntryBytes, statusHeader, onMiss } = this.#settings;
    const facts: ResponseFacts = {
      status: response.status,
      headers: response.headers,
      requestTime,
      responseTime,
    };
    if (whyNotStorable(request, facts) !== undefined) return this.#miss(request, response);
    const body = await bufferBody(response, maxEntryBytes);
    if (!body.complete) return this.#miss(request, rebuild(response, body.stream));
    const entry = toEntry(
      request,
      { ...facts, headers: storedHeaders(response.headers, statusHeader) },
      body.bytes,
    );
    const written = await this.entries.write(key, entry);
    onMiss?.({ outcome: 'MISS', method: request.method, stored: written });
    return { response: this.#answer(request, entry, 'MISS'), entry };
  }

  /** A stale entry with validators: a conditional request; a 304 makes the entry fresh again. */
  async revalidate(origin: Origin, request: Request, key: string, stored: StoredResponse): Promise<Response> {
    const { now, onHit } = this.#settings;
    const conditional = revalidationRequest(request, stored);
    const requestTime = now();
    const response = await origin(conditional);
    const responseTime = now();
    if (response.status !== 304)
      return (await this.keep(request, key, response, requestTime, responseTime)).response;
    response.body?.cancel().catch(() => {
      // A 304 has no body worth reading; a failing stream changes nothing.
    });
    // RFC 9111 §4.3.4: the stored response, with the 304's header fields, is fresh again.
    const facts: ResponseFacts = {
      status: stored.status,
      headers: updatedHeaders(stored.headers, response.headers),
      requestTime,
      responseTime,
    };
    const updated = toEntry(request, facts, stored.body);
    const storable = whyNotStorable(request, facts) === undefined;
    if (storable) await this.entries.write(key, updated);
    else await this.entries.delete(key);
    onHit?.({ outcome: 'REVALIDATED', method: request.method, stored: storable });
    return this.#answer(request, updated, 'REVALIDATED');
  }

  #miss(request: Request, response: Response): { response: Response } {
    this.#settings.onMiss?.({ outcome: 'MISS', method: request.method, stored: false });
    return { response: this.#mark(response, 'MISS') };
  }

  #hit(request: Request, stored: StoredResponse): Response {
    this.#settings.onHit?.({ outcome: 'HIT', method: request.method, stored: false });
    return this.#answer(request, stored, 'HIT');
  }

  #answer(request: Request, stored: StoredResponse, outcome: CacheOutcome): Response {
    return answerFromStore(request, stored, outcome, this.#settings.statusHeader, this.#settings.now);
  }

  #mark(response: Response, outcome: CacheOutcome): Response {
    return markOutcome(response, outcome, this.#settings.statusHeader);
  }
}
