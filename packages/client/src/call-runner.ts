import type { ResultFrame } from '@wirepack/protocol';
import { abortReason } from './abort.ts';
import { BatchDispatcher } from './batch-dispatcher.ts';
import { CallQueue } from './call-queue.ts';
import type { ResolvedOptions } from './options.ts';
import type { OutgoingRequest } from './outgoing-request.ts';
import { type CallWaiter, PendingCall } from './pending-call.ts';
import { RequestCompressor } from './request-compression.ts';
import { ResponseCache, responseCacheKey } from './response-cache.ts';

/** A waiter for one attempt of a call, with what the runner needs to know about it. */
export interface Attempt extends CallWaiter {
  readonly request: OutgoingRequest;
  /** The call's own `cache` mode (`init.cache`) and dedupe opt-out (`init.dedupe`). */
  readonly cacheMode: RequestCache | undefined;
  readonly dedupe: boolean;
  /** Set by the runner: the cache entry this attempt's result is stored under, if any. */
  storeKey: string | undefined;
}

/**
 * Runs each attempt of a call against the response cache, the dedupe of identical in-flight
 * calls, and the queue, in that order; the queue hands batches to the dispatcher, which sends them
 * and settles each call from its frame.
 */
export class CallRunner {
  private readonly queue: CallQueue<PendingCall>;
  private readonly cache: ResponseCache | undefined;
  private dispatcher: BatchDispatcher | undefined;

  constructor(
    private readonly options: ResolvedOptions,
    /** The endpoint, resolved on first use (see createBatchFetch). */
    endpoint: () => URL,
  ) {
    const compressor = new RequestCompressor(
      options.compressRequests,
      options.compressMinBytes,
      options.loadBrotli,
    );
    const cache = options.cache;
    this.cache = cache ? new ResponseCache(cache.maxEntries, cache.ttlMs, cache.maxBytes) : undefined;
    this.queue = new CallQueue<PendingCall>((calls, priority) => {
      this.dispatcher ??= new BatchDispatcher(
        {
          endpoint: endpoint(),
          fetch: options.fetch,
          runtimeFetch: options.runtimeFetch,
          headers: options.headers,
          credentials: options.credentials,
          limits: options.limits,
        },
        compressor,
      );
      this.dispatcher.send(calls, priority);
    }, options);
  }

  /** One attempt: answered from the cache, shared with an identical in-flight GET, or queued. */
  run(attempt: Attempt): void {
    const request = attempt.request;
    const signal = request.signal;
    attempt.storeKey = undefined;
    if (signal?.aborted) {
      attempt.fail(abortReason(signal));
      return;
    }
    const cacheMode = attempt.cacheMode;
    const storeKey =
      this.cache !== undefined && request.method === 'GET' && cacheMode !== 'no-store'
        ? this.cacheKey(request)
        : undefined;
    if (storeKey !== undefined && cacheMode !== 'reload' && cacheMode !== 'no-cache') {
      const hit = this.cache?.get(storeKey);
      if (hit !== undefined) {
        attempt.settle(hit);
        return;
      }
    }
    const key =
      this.options.dedupe && attempt.dedupe && (request.method === 'GET' || request.method === 'HEAD')
        ? requestKey(request)
        : undefined;
    if (key !== undefined) {
      const shared = this.queue.shared(key, request.priority);
      if (shared !== undefined) {
        shared.subscribe(attempt);
        return;
      }
    }
    const call = new PendingCall(request, key, this.queue);
    attempt.storeKey = storeKey;
    call.subscribe(attempt);
    this.queue.enqueue(call, key);
  }

  /** Keeps an attempt's result, unless the credentials changed while it was out (it may be either user's). */
  store(attempt: Attempt, frame: ResultFrame): void {
    const key = attempt.storeKey;
    if (key !== undefined && this.cacheKey(attempt.request) === key) this.cache?.set(key, frame);
  }

  clearCache(): void {
    this.cache?.clear();
  }

  /**
   * The cache key of a GET, with the batch's headers as they are now: a token set through `headers`
   * (logging out and in) selects other entries. Cookies are invisible to page script and cannot be in
   * the key: call `clearCache()` when they change.
   */
  private cacheKey(request: OutgoingRequest): string {
    const option = this.options.headers;
    const batchHeaders =
      option === undefined ? undefined : new Headers(typeof option === 'function' ? option() : option);
    return responseCacheKey(request.method, request.url.href, request.headers, batchHeaders);
  }
}

/**
 * Identical calls have the same method, URL and headers (GET and HEAD carry no body). A bare GET's key
 * is its URL, which starts with a scheme and so never equals a key that starts with a method.
 */
function requestKey(request: OutgoingRequest): string {
  if (request.method === 'GET' && request.headers.length === 0) return request.url.href;
  let key = `${request.method} ${request.url.href}`;
  for (const [name, value] of request.headers) key += `\n${name}: ${value}`;
  return key;
}
