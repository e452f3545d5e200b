import { deriveRequest } from '../derive-request.ts';
import type { FetchHandler } from '../options.ts';
import { bufferBody } from './buffer-body.ts';
import { parseCacheControl } from './cache-control.ts';
import {
  type CacheEntry,
  decodeEntry,
  encodeEntry,
  entryDecodeLimits,
  type StoredResponse,
} from './cache-entry.ts';
import { primaryKey, secondaryKey } from './cache-keys.ts';
import {
  type CacheOutcome,
  checkCount,
  DEFAULT_RESPONSE_CACHE_OPTIONS,
  type ResponseCacheOptions,
} from './cache-options.ts';
import {
  currentAge,
  freshnessLifetime,
  type ResponseFacts,
  usability,
  varyNames,
  varyValue,
  whyNotStorable,
} from './cache-policy.ts';
import { isNotModified, notModifiedHeaders } from './conditional.ts';
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
  if (typeof options?.fetch !== 'function') {
    throw new TypeError(
      `[wirepack/server] createResponseCache needs options.fetch, a function; got ${typeof options?.fetch}`,
    );
  }
  const defaults = DEFAULT_RESPONSE_CACHE_OPTIONS;
  const app: FetchHandler<never, never> = options.fetch;
  const maxEntryBytes = checkCount('maxEntryBytes', options.maxEntryBytes ?? defaults.maxEntryBytes);
  const keepStaleMs = checkCount('keepStaleMs', options.keepStaleMs ?? defaults.keepStaleMs);
  const maxUrlLength = checkCount('maxUrlLength', options.maxUrlLength ?? defaults.maxUrlLength);
  const statusHeader =
    options.statusHeader === undefined
      ? defaults.statusHeader
      : options.statusHeader === false
        ? false
        : options.statusHeader.toLowerCase();
  const coalesce = options.coalesce ?? defaults.coalesce;
  const now = options.now ?? Date.now;
  const store = new CacheStoreGuard(options.store ?? createMemoryStore(), options.onError);
  const limits = entryDecodeLimits(maxEntryBytes);
  // Misses being fetched now, by primary key: later requests wait for the entry they produce.
  const inflight = new Map<string, Promise<StoredResponse | undefined>>();

  async function handle(request: Request, ...extra: unknown[]): Promise<Response> {
    // The app gets whatever the runtime passed after the request (`env`, `ctx`), on misses and
    // revalidations alike.
    const origin = async (forwarded: Request): Promise<Response> => app(forwarded, ...(extra as []));
    const { method, url } = request;
    if (method !== 'GET' && method !== 'HEAD') {
      const response = await origin(request);
      // RFC 9111 §4.4: a successful unsafe request invalidates the target (and same-origin Location).
      if (!SAFE_METHODS.has(method) && response.status >= 200 && response.status < 400) {
        await invalidate(url, response.headers);
      }
      return response;
    }
    const directives = parseCacheControl(request.headers.get('cache-control'));
    if (
      url.length > maxUrlLength ||
      directives.noStore ||
      BYPASS_HEADERS.some((name) => request.headers.has(name))
    ) {
      return mark(await origin(request), 'BYPASS');
    }
    const key = primaryKey(url);
    const stored = await lookup(request, key);
    if (stored !== undefined) {
      const use = usability(request, stored, now());
      if (use === 'fresh') return hit(request, stored, 'HIT');
      if (directives.onlyIfCached) return gatewayTimeout();
      if (use === 'revalidate' && method === 'GET') return revalidate(origin, request, key, stored);
    }
    if (directives.onlyIfCached) return gatewayTimeout();
    if (method === 'HEAD') return mark(await origin(request), 'MISS');
    const pending = coalesce ? inflight.get(key) : undefined;
    if (pending !== undefined) {
      const shared = await pending;
      if (
        shared !== undefined &&
        matchesVary(request, shared) &&
        usability(request, shared, now()) === 'fresh'
      ) {
        return hit(request, shared, 'HIT');
      }
    }
    return fetchAndStore(origin, request, key, unconditional(request));
  }

  async function fetchAndStore(
    origin: (request: Request) => Promise<Response>,
    request: Request,
    key: string,
    originRequest: Request,
  ): Promise<Response> {
    let settle: ((entry: StoredResponse | undefined) => void) | undefined;
    if (coalesce && !inflight.has(key)) {
      inflight.set(key, new Promise((resolve) => (settle = resolve)));
    }
    let entry: StoredResponse | undefined;
    try {
      const requestTime = now();
      const response = await origin(originRequest);
      const result = await keep(request, key, response, requestTime, now());
      entry = result.entry;
      return result.response;
    } finally {
      if (settle !== undefined) {
        settle(entry);
        inflight.delete(key);
      }
    }
  }

  /** Stores an origin response when it may be, and answers the request with it. */
  async function keep(
    request: Request,
    key: string,
    response: Response,
    requestTime: number,
    responseTime: number,
  ): Promise<{ response: Response; entry?: StoredResponse }> {
    const facts: ResponseFacts = {
      status: response.status,
      headers: response.headers,
      requestTime,
      responseTime,
    };
    if (whyNotStorable(request, facts) !== undefined) return miss(request, response, false);
    const body = await bufferBody(response, maxEntryBytes);
    if (!body.complete) return miss(request, rebuild(response, body.stream), false);
    const entry = toEntry(
      request,
      { ...facts, headers: storedHeaders(response.headers, statusHeader) },
      body.bytes,
    );
    const written = await write(key, entry);
    options.onMiss?.({ outcome: 'MISS', method: request.method, stored: written });
    return { response: answer(request, entry, 'MISS'), entry };
  }

  async function revalidate(
    origin: (request: Request) => Promise<Response>,
    request: Request,
    key: string,
    stored: StoredResponse,
  ): Promise<Response> {
    const headers = withoutConditionals(request.headers);
    const etag = stored.headers.get('etag');
    const lastModified = stored.headers.get('last-modified');
    if (etag !== null) headers.set('if-none-match', etag);
    if (lastModified !== null) headers.set('if-modified-since', lastModified);
    const requestTime = now();
    const response = await origin(deriveRequest(request, { headers, method: 'GET' }));
    const responseTime = now();
    if (response.status !== 304)
      return (await keep(request, key, response, requestTime, responseTime)).response;
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
    if (storable) await write(key, updated);
    else await store.delete(key);
    options.onHit?.({ outcome: 'REVALIDATED', method: request.method, stored: storable });
    return answer(request, updated, 'REVALIDATED');
  }

  async function lookup(request: Request, key: string): Promise<StoredResponse | undefined> {
    const first = await read(key, request.url);
    if (first === undefined || first.kind === 'response') {
      return first !== undefined && first.vary.length === 0 ? first : undefined;
    }
    const values = first.vary.map((name) => varyValue(request, name));
    const variant = await read(secondaryKey(request.url, first.vary, values), request.url);
    return variant?.kind === 'response' && matchesVary(request, variant) ? variant : undefined;
  }

  async function read(key: string, url: string): Promise<CacheEntry | undefined> {
    const bytes = await store.get(key);
    if (bytes === undefined) return undefined;
    const entry = decodeEntry(bytes, limits);
    // Another format, corrupt bytes, or (astronomically unlikely) another URL with the same hash.
    if (entry === undefined || entry.url !== url) return undefined;
    return entry;
  }

  /** Writes an entry (and the Vary index it needs); false when the store failed or the entry is too old. */
  async function write(key: string, entry: StoredResponse): Promise<boolean> {
    const directives = parseCacheControl(entry.headers.get('cache-control'));
    const freshMs = ((freshnessLifetime(directives, entry) ?? 0) - currentAge(entry, now())) * 1000;
    const hasValidator = entry.headers.has('etag') || entry.headers.has('last-modified');
    const ttlMs = Math.max(0, freshMs) + (hasValidator ? keepStaleMs : 0);
    if (ttlMs < 1) return false;
    if (entry.vary.length === 0) return store.set(key, encodeEntry(entry), ttlMs);
    const index = encodeEntry({ kind: 'vary', url: entry.url, vary: entry.vary });
    const variantKey = secondaryKey(entry.url, entry.vary, entry.varyValues);
    const [indexed, stored] = await Promise.all([
      store.set(key, index, ttlMs),
      store.set(variantKey, encodeEntry(entry), ttlMs),
    ]);
    return indexed && stored;
  }

  async function invalidate(url: string, headers: Headers): Promise<void> {
    const targets = new Set([url]);
    for (const name of ['location', 'content-location']) {
      const value = headers.get(name);
      if (value === null) continue;
      try {
        const target = new URL(value, url);
        if (target.origin === new URL(url).origin) targets.add(target.href);
      } catch {
        // Not a URL: nothing to invalidate there.
      }
    }
    await Promise.all([...targets].map(async (target) => store.delete(primaryKey(target))));
  }

  function miss(request: Request, response: Response, stored: boolean): { response: Response } {
    options.onMiss?.({ outcome: 'MISS', method: request.method, stored });
    return { response: mark(response, 'MISS') };
  }

  function hit(request: Request, stored: StoredResponse, outcome: 'HIT'): Response {
    options.onHit?.({ outcome, method: request.method, stored: false });
    return answer(request, stored, outcome);
  }

  /** The response for a request from a stored one: a 304 when the client's condition holds. */
  function answer(request: Request, stored: StoredResponse, outcome: CacheOutcome): Response {
    const notModified = stored.status === 200 && isNotModified(request.headers, stored.headers);
    const headers = notModified ? notModifiedHeaders(stored.headers) : new Headers(stored.headers);
    if (outcome !== 'MISS') headers.set('age', String(currentAge(stored, now())));
    if (statusHeader !== false) headers.set(statusHeader, outcome);
    const status = notModified ? 304 : stored.status;
    const noBody = notModified || request.method === 'HEAD' || status === 204;
    return new Response(noBody ? null : (stored.body as Uint8Array<ArrayBuffer>), { status, headers });
  }

  function mark(response: Response, outcome: CacheOutcome): Response {
    if (statusHeader === false) return response;
    try {
      response.headers.set(statusHeader, outcome);
      return response;
    } catch {
      // Immutable headers (a Response from fetch()): copy them once.
      const copy = rebuild(response, response.body);
      copy.headers.set(statusHeader, outcome);
      return copy;
    }
  }

  function toEntry(request: Request, facts: ResponseFacts, body: Uint8Array): StoredResponse {
    const vary = varyNames(facts.headers);
    const names = vary === '*' ? [] : vary;
    return {
      kind: 'response',
      url: request.url,
      ...facts,
      body,
      vary: names,
      varyValues: names.map((name) => varyValue(request, name)),
    };
  }

  return Object.assign(handle, {
    purge: async (url: string): Promise<void> => {
      await store.delete(primaryKey(url));
    },
  });
}

/** Whether the request's headers named by the entry's Vary have the values stored with it (RFC 9111 §4.1). */
function matchesVary(request: Request, stored: StoredResponse): boolean {
  return stored.vary.every((name, index) => varyValue(request, name) === stored.varyValues[index]);
}

function withoutConditionals(headers: Headers): Headers {
  const copy = new Headers(headers);
  copy.delete('if-none-match');
  copy.delete('if-modified-since');
  return copy;
}

/**
 * The request to send on a miss: without the client's own If-None-Match/If-Modified-Since, so the
 * origin sends a full response the cache can keep; the client's condition is then answered from it.
 */
function unconditional(request: Request): Request {
  if (!request.headers.has('if-none-match') && !request.headers.has('if-modified-since')) return request;
  return deriveRequest(request, { headers: withoutConditionals(request.headers) });
}

function rebuild(response: Response, body: ReadableStream<Uint8Array> | null): Response {
  return new Response(body, {
    status: response.status,
    statusText: response.statusText,
    headers: new Headers(response.headers),
  });
}

/** RFC 9111 §5.2.1.7: `only-if-cached` with nothing usable stored. */
function gatewayTimeout(): Response {
  return new Response(null, { status: 504, headers: { 'cache-control': 'no-store' } });
}
