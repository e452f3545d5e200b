import type { ResultFrame } from '@wirepack/protocol';
import { abortReason } from './abort.ts';
import { BatchDispatcher } from './batch-dispatcher.ts';
import { responseFromFrame } from './batched-response.ts';
import { CallQueue } from './call-queue.ts';
import { type CallResult, callResultFromFrame, callResultFromResponse } from './call-result.ts';
import { type BatchFetchOptions, type ResolvedOptions, resolveOptions } from './options.ts';
import {
  type BatchRequestInit,
  bodyInit,
  type OutgoingRequest,
  readOutgoingRequest,
  readRequestObject,
  unbatchableReason,
} from './outgoing-request.ts';
import { PendingCall } from './pending-call.ts';
import { isRedirect, MAX_REDIRECTS, redirectRequest } from './redirect.ts';
import { RequestCompressor } from './request-compression.ts';
import { ResponseCache, responseCacheKey } from './response-cache.ts';
import { delay, shedRetryDelay } from './retry.ts';
import { detectRuntime } from './runtime.ts';

/** A `fetch` that batches same-origin calls; see {@link createBatchFetch}. */
export interface BatchFetch {
  (input: RequestInfo | URL, init?: BatchRequestInit): Promise<Response>;
  /**
   * The same call as `batchFetch(input, init)`, answered without a `Response`: its status, headers and
   * decoded body (a JSON body's value). Same batching, priorities, aborts, cache and redirects; for code
   * that reads JSON, it skips the per-call `Response` and its body stream.
   */
  call(input: RequestInfo | URL, init?: BatchRequestInit): Promise<CallResult>;
  /** Empties the response cache (a no-op when the cache is off). */
  clearCache(): void;
}

/**
 * Creates a `fetch` that sends the calls an app makes in the same moment as one streamed batch
 * request to a `@wirepack/server` endpoint. Calls to the endpoint's origin are batched;
 * everything else (other origins, `batch: false`, `redirect: 'manual'`, streamed bodies) goes to
 * the underlying fetch unchanged. Each call resolves to a real `Response` as soon as its own
 * result arrives.
 *
 * @example
 * ```ts
 * import { createBatchFetch } from '@wirepack/client';
 *
 * const batchFetch = createBatchFetch({ endpoint: '/__wirepack' });
 * // Both calls travel in one request; each resolves when its own result arrives.
 * const [user, posts] = await Promise.all([
 *   batchFetch('/api/users/1').then((res) => res.json()),
 *   batchFetch('/api/posts?user=1').then((res) => res.json()),
 * ]);
 * ```
 */
export function createBatchFetch(options: BatchFetchOptions = {}): BatchFetch {
  const resolved = resolveOptions(options);
  const baseFetch = resolved.fetch;
  const compressor = new RequestCompressor(
    resolved.compressRequests,
    resolved.compressMinBytes,
    resolved.loadBrotli,
  );
  const inflight = new Map<string, PendingCall>();
  const cache =
    resolved.cache &&
    new ResponseCache(resolved.cache.maxEntries, resolved.cache.ttlMs, resolved.cache.maxBytes);
  /**
   * The cache key of a GET, with the batch's headers as they are now: a token set through `headers`
   * (logging out and in) selects other entries. Cookies are invisible to page script and cannot be in
   * the key: call `clearCache()` when they change.
   */
  const cacheKeyOf = (request: OutgoingRequest): string => {
    const batchHeaders =
      resolved.headers === undefined
        ? undefined
        : new Headers(typeof resolved.headers === 'function' ? resolved.headers() : resolved.headers);
    return responseCacheKey(request.method, request.url.href, request.headers, batchHeaders);
  };
  let dispatcher: BatchDispatcher | undefined;
  let endpoint: URL | undefined;
  const cookieWarnings = new Set<string>();

  /** Tells the developer, once per route, that a batched call's cookies were not stored. */
  const warnIfCookies = (request: OutgoingRequest, frame: ResultFrame): void => {
    if (!detectRuntime().cookieJar || !frame.headers.some(([name]) => name === 'set-cookie')) return;
    const route = `${request.method} ${request.url.pathname}`;
    if (cookieWarnings.has(route)) return;
    cookieWarnings.add(route);
    console.warn(
      `[wirepack/client] ${route} answered with Set-Cookie, which the browser does not store for a batched call: send it with { batch: false }.`,
    );
  };

  /** The endpoint resolves on first use, so importing this module in a server (no page URL) is fine. */
  const endpointUrl = (): URL => {
    if (endpoint !== undefined) return endpoint;
    try {
      endpoint = new URL(resolved.endpoint, detectRuntime().baseUrl);
    } catch (error) {
      throw new TypeError(
        `[wirepack/client] options.endpoint ${String(resolved.endpoint)} cannot be resolved: outside a page, give an absolute URL`,
        { cause: error },
      );
    }
    return endpoint;
  };
  const queue = new CallQueue<PendingCall>((calls, priority) => {
    dispatcher ??= new BatchDispatcher(
      {
        endpoint: endpointUrl(),
        fetch: baseFetch,
        runtimeFetch: resolved.runtimeFetch,
        headers: resolved.headers,
        credentials: resolved.credentials,
        limits: resolved.limits,
      },
      compressor,
    );
    dispatcher.send(calls, priority);
  }, resolved);

  /** One sub-request: from the cache, shared with an identical in-flight GET, or queued. */
  const execute = (request: OutgoingRequest, init: BatchRequestInit | undefined): Promise<ResultFrame> => {
    const signal = request.signal;
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    const shareable = request.method === 'GET' || request.method === 'HEAD';
    const key = shareable ? requestKey(request) : undefined;
    const cacheMode = init?.cache;
    const useCache = cache !== undefined && request.method === 'GET' && cacheMode !== 'no-store';
    const storeKey = useCache ? cacheKeyOf(request) : undefined;
    if (storeKey !== undefined && cacheMode !== 'reload' && cacheMode !== 'no-cache') {
      const hit = cache!.get(storeKey);
      if (hit !== undefined) return Promise.resolve(hit);
    }
    const dedupe = key !== undefined && resolved.dedupe && init?.dedupe !== false;
    if (dedupe) {
      const shared = inflight.get(key);
      // A queued call of another priority is not shared: a 'high' caller must not wait for a
      // 'low' call's window (it takes the dedupe slot instead).
      if (shared !== undefined && (shared.state === 'sent' || shared.request.priority === request.priority)) {
        return shared.subscribe(signal);
      }
    }
    const call = new PendingCall(request);
    if (dedupe) {
      inflight.set(key, call);
      call.onFinish = () => {
        if (inflight.get(key) === call) inflight.delete(key);
      };
    }
    const result = call.subscribe(signal);
    queue.enqueue(call, request.priority);
    if (storeKey === undefined) return result;
    return result.then((frame) => {
      // Credentials that changed while the call was out: the answer may be either user's, keep none.
      if (cacheKeyOf(request) === storeKey) cache!.set(storeKey, frame);
      return frame;
    });
  };

  /**
   * One sub-request, sent again while the server sheds it and the retry policy allows (idempotent,
   * within the limits; see retry.ts). Each attempt is a new call in whatever batch is open then, so a
   * shed call waits alone and its batch's other calls are never held or failed with it.
   */
  const attempt = (
    request: OutgoingRequest,
    init: BatchRequestInit | undefined,
    retries = 0,
  ): Promise<ResultFrame> =>
    // Chained rather than an async loop: a call that is not shed (nearly all) settles in two promise
    // hops, not an await per step.
    execute(request, init).then(
      (frame) => {
        const wait = shedRetryDelay(request, { frame }, retries, resolved.retry);
        if (wait === undefined) return frame;
        return delay(wait, request.signal).then(() => attempt(request, init, retries + 1));
      },
      (error: unknown) => {
        const wait = shedRetryDelay(request, { error }, retries, resolved.retry);
        if (wait === undefined) throw error;
        return delay(wait, request.signal).then(() => attempt(request, init, retries + 1));
      },
    );

  /** A call through the batch, following redirects the way fetch's `redirect: 'follow'` does. */
  const run = async (
    first: OutgoingRequest,
    init: BatchRequestInit | undefined,
    firstFrame?: ResultFrame,
  ): Promise<Response> => {
    let request = first;
    for (let hops = 0; ; hops++) {
      const frame = hops === 0 && firstFrame !== undefined ? firstFrame : await attempt(request, init);
      if (hops > 0 || firstFrame === undefined) warnIfCookies(request, frame);
      if (!isRedirect(frame)) return responseFromFrame(frame, request.url, request.method, hops > 0);
      if (request.redirect === 'error') {
        throw new TypeError('fetch failed', { cause: new Error('unexpected redirect (redirect: error)') });
      }
      if (hops === MAX_REDIRECTS)
        throw new TypeError('fetch failed', { cause: new Error('redirect count exceeded') });
      request = redirectRequest(request, frame);
      if (!isBatchable(request.url)) {
        // Leaving the endpoint's origin: fetch follows the rest of the chain itself.
        const response = await baseFetch(request.url, {
          method: request.method,
          headers: request.headers as [string, string][],
          body: bodyInit(request.body),
          redirect: 'follow',
          credentials: resolved.credentials,
          ...(request.signal === undefined ? {} : { signal: request.signal }),
        });
        Object.defineProperty(response, 'redirected', { value: true, configurable: true });
        return response;
      }
    }
  };

  // `origin` is computed afresh on every read; most calls' URLs start with the endpoint's origin
  // and a slash, which settles it without that (URLs with credentials take the exact check).
  let originPrefix: string | undefined;
  const isBatchable = (url: URL): boolean => {
    const target = endpointUrl();
    originPrefix ??= `${target.origin}/`;
    const sameOrigin = url.href.startsWith(originPrefix) || url.origin === target.origin;
    return sameOrigin && url.pathname !== target.pathname;
  };

  const batchFetch = (input: RequestInfo | URL, init?: BatchRequestInit): Promise<Response> => {
    try {
      const reason = unbatchableReason(init, resolved.credentials);
      if (reason !== undefined) return passThrough(baseFetch, input, init);
      if (input instanceof Request) {
        if (!isBatchableRequest(input, resolved) || !isBatchable(new URL(input.url))) {
          return passThrough(baseFetch, input, init);
        }
        return readRequestObject(input, init).then((request) => run(request, init));
      }
      let url: URL;
      try {
        url = new URL(input instanceof URL ? input.href : String(input), detectRuntime().baseUrl);
      } catch {
        return passThrough(baseFetch, input, init); // fetch reports an invalid URL its own way
      }
      if (!isBatchable(url)) return passThrough(baseFetch, input, init);
      if (url.href.includes('#')) url.hash = ''; // the setter re-serialises the URL: only when needed
      const request = readOutgoingRequest(url, init, resolved.jsonBodiesAsValues);
      return request instanceof Promise ? request.then((read) => run(read, init)) : run(request, init);
    } catch (error) {
      return Promise.reject(error);
    }
  };
  /**
   * A call answered as a CallResult: from its frame when it is not a redirect (the common case, with
   * no Response made), else through `run`, which follows the redirect from the frame already received.
   */
  const runLight = (request: OutgoingRequest, init: BatchRequestInit | undefined): Promise<CallResult> =>
    attempt(request, init).then((frame) => {
      warnIfCookies(request, frame);
      if (!isRedirect(frame)) return callResultFromFrame(frame, request.method);
      return run(request, init, frame).then((response) => callResultFromResponse(response, request.method));
    });

  /** A call `call()` cannot batch itself, through batchFetch, its Response read into a CallResult. */
  const callViaFetch = (
    input: RequestInfo | URL,
    init: BatchRequestInit | undefined,
  ): Promise<CallResult> => {
    const method = (init?.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase();
    return batchFetch(input, init).then((response) => callResultFromResponse(response, method));
  };

  const call = (input: RequestInfo | URL, init?: BatchRequestInit): Promise<CallResult> => {
    try {
      if (unbatchableReason(init, resolved.credentials) !== undefined || input instanceof Request) {
        return callViaFetch(input, init);
      }
      let url: URL;
      try {
        url = new URL(input instanceof URL ? input.href : String(input), detectRuntime().baseUrl);
      } catch {
        return callViaFetch(input, init);
      }
      if (!isBatchable(url)) return callViaFetch(input, init);
      if (url.href.includes('#')) url.hash = '';
      const request = readOutgoingRequest(url, init, resolved.jsonBodiesAsValues);
      return request instanceof Promise
        ? request.then((read) => runLight(read, init))
        : runLight(request, init);
    } catch (error) {
      return Promise.reject(error);
    }
  };

  return Object.assign(batchFetch, {
    call,
    clearCache: (): void => cache?.clear(),
  });
}

/** Sends a call as is, without this client's extra init fields. */
function passThrough(
  fetch: ResolvedOptions['fetch'],
  input: RequestInfo | URL,
  init: BatchRequestInit | undefined,
): Promise<Response> {
  if (init === undefined || (!('batch' in init) && !('dedupe' in init))) return fetch(input, init);
  const { batch: _batch, dedupe: _dedupe, ...rest } = init;
  return fetch(input, rest);
}

/** A `Request` object's own settings that a batch cannot carry (see unbatchableReason). */
function isBatchableRequest(request: Request, options: ResolvedOptions): boolean {
  return (
    request.redirect !== 'manual' &&
    !request.keepalive &&
    !request.integrity &&
    request.credentials === options.credentials &&
    (request.url.startsWith('http:') || request.url.startsWith('https:'))
  );
}

/** Identical calls have the same method, URL and headers (GET and HEAD carry no body). */
function requestKey(request: OutgoingRequest): string {
  let key = `${request.method} ${request.url.href}`;
  for (const [name, value] of request.headers) key += `\n${name}: ${value}`;
  return key;
}
