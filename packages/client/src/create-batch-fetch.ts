import type { ResultFrame } from '@wirepack/protocol';
import { type CallResult, callResultFromResponse } from './call-result.ts';
import { CallRunner } from './call-runner.ts';
import { Caller, type CallerContext } from './caller.ts';
import { CookieWarnings } from './cookie-warnings.ts';
import { Endpoint } from './endpoint.ts';
import { followRedirects } from './follow-redirects.ts';
import { type BatchFetchOptions, type ResolvedOptions, resolveOptions } from './options.ts';
import {
  type BatchRequestInit,
  type OutgoingRequest,
  readOutgoingRequest,
  readRequestObject,
  unbatchableReason,
} from './outgoing-request.ts';
import { pageUrl } from './runtime.ts';

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
  const endpoint = new Endpoint(resolved.endpoint);
  const cookies = new CookieWarnings();
  const context: CallerContext = {
    runner: new CallRunner(resolved, () => endpoint.url()),
    retry: resolved.retry,
    warnIfCookies: (request, frame) => cookies.check(request, frame),
    followRedirects: (request, init, frame) => followRedirects(redirects, request, init, frame),
  };
  const redirects = {
    attempt: (request: OutgoingRequest, init: BatchRequestInit | undefined): Promise<ResultFrame> =>
      Caller.start(context, request, init, 'frame'),
    carries: (url: URL): boolean => endpoint.carries(url),
    warnIfCookies: context.warnIfCookies,
    fetch: baseFetch,
    credentials: resolved.credentials,
  };

  /** The call's URL when it can be batched (without its fragment), else undefined. */
  const batchableUrl = (input: RequestInfo | URL): URL | undefined => {
    let url: URL;
    try {
      url = new URL(input instanceof URL ? input.href : String(input), pageUrl());
    } catch {
      return undefined; // fetch reports an invalid URL its own way
    }
    if (!endpoint.carries(url)) return undefined;
    if (url.href.includes('#')) url.hash = ''; // the setter re-serialises the URL: only when needed
    return url;
  };

  const batchFetch = (input: RequestInfo | URL, init?: BatchRequestInit): Promise<Response> => {
    try {
      if (unbatchableReason(init, resolved.credentials) !== undefined)
        return passThrough(baseFetch, input, init);
      if (input instanceof Request) {
        if (!isBatchableRequest(input, resolved) || !endpoint.carries(new URL(input.url))) {
          return passThrough(baseFetch, input, init);
        }
        return readRequestObject(input, init).then((request) =>
          Caller.start(context, request, init, 'response'),
        );
      }
      const url = batchableUrl(input);
      if (url === undefined) return passThrough(baseFetch, input, init);
      const request = readOutgoingRequest(url, init, resolved.jsonBodiesAsValues);
      return request instanceof Promise
        ? request.then((read) => Caller.start(context, read, init, 'response'))
        : Caller.start(context, request, init, 'response');
    } catch (error) {
      return Promise.reject(error);
    }
  };

  /** `batchFetch(input, init)` answered as a CallResult: from its frame, with no Response, when it is batched. */
  const call = (input: RequestInfo | URL, init?: BatchRequestInit): Promise<CallResult> => {
    try {
      const url =
        unbatchableReason(init, resolved.credentials) !== undefined || input instanceof Request
          ? undefined
          : batchableUrl(input);
      if (url === undefined) {
        // Not batched (or a Request object): through batchFetch, its Response read into a CallResult.
        const method = (init?.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase();
        return batchFetch(input, init).then((response) => callResultFromResponse(response, method));
      }
      const request = readOutgoingRequest(url, init, resolved.jsonBodiesAsValues);
      return request instanceof Promise
        ? request.then((read) => Caller.start(context, read, init, 'result'))
        : Caller.start(context, request, init, 'result');
    } catch (error) {
      return Promise.reject(error);
    }
  };

  return Object.assign(batchFetch, { call, clearCache: (): void => context.runner.clearCache() });
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
