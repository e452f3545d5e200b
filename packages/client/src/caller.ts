import type { ResultFrame } from '@wirepack/protocol';
import { responseFromFrame } from './batched-response.ts';
import { type CallResult, callResultFromFrame, callResultFromResponse } from './call-result.ts';
import type { Attempt, CallRunner } from './call-runner.ts';
import type { BatchRequestInit, OutgoingRequest } from './outgoing-request.ts';
import type { PendingCall } from './pending-call.ts';
import { isRedirect } from './redirect.ts';
import { delay, type ResolvedRetry, shedRetryDelay } from './retry.ts';

/** What a caller hands its result as: the raw frame, a CallResult (`call()`) or a Response (`batchFetch()`). */
export type Delivery = 'frame' | 'result' | 'response';

/** What a {@link Caller} needs from the batch fetch that made it. */
export interface CallerContext {
  readonly runner: CallRunner;
  readonly retry: ResolvedRetry;
  /** Tells the developer, once per route, that a batched call's cookies were not stored. */
  warnIfCookies(request: OutgoingRequest, frame: ResultFrame): void;
  /** Follows a redirect from its first frame, the way fetch's `redirect: 'follow'` does. */
  followRedirects(
    request: OutgoingRequest,
    init: BatchRequestInit | undefined,
    frame: ResultFrame,
  ): Promise<Response>;
}

/**
 * One caller of `batchFetch()` or `call()`, from its call to its answer: the waiter of each attempt
 * (its own abort listener), the retry of a shed call (each retry a new attempt in whatever batch is
 * open then, see retry.ts), the response cache's store, and the answer in the caller's shape.
 *
 * It settles the caller's one promise straight from the result frame: no promise chain, no closure
 * per call. Only the rare paths (a retry's wait, a redirect) make promises of their own.
 */
export class Caller implements Attempt {
  call: PendingCall | undefined = undefined;
  storeKey: string | undefined = undefined;
  readonly signal: AbortSignal | undefined;
  readonly cacheMode: RequestCache | undefined;
  readonly dedupe: boolean;
  private retries = 0;

  constructor(
    private readonly context: CallerContext,
    readonly request: OutgoingRequest,
    private readonly init: BatchRequestInit | undefined,
    private readonly delivery: Delivery,
    private readonly resolve: (value: never) => void,
    private readonly reject: (error: unknown) => void,
  ) {
    this.signal = request.signal;
    this.cacheMode = init?.cache;
    this.dedupe = init?.dedupe !== false;
  }

  /** Makes the call and returns its answer. */
  static start(
    context: CallerContext,
    request: OutgoingRequest,
    init: BatchRequestInit | undefined,
    delivery: 'result',
  ): Promise<CallResult>;
  static start(
    context: CallerContext,
    request: OutgoingRequest,
    init: BatchRequestInit | undefined,
    delivery: 'response',
  ): Promise<Response>;
  static start(
    context: CallerContext,
    request: OutgoingRequest,
    init: BatchRequestInit | undefined,
    delivery: 'frame',
  ): Promise<ResultFrame>;
  static start(
    context: CallerContext,
    request: OutgoingRequest,
    init: BatchRequestInit | undefined,
    delivery: Delivery,
  ): Promise<unknown> {
    return new Promise((resolve, reject) => {
      context.runner.run(new Caller(context, request, init, delivery, resolve, reject));
    });
  }

  settle(frame: ResultFrame): void {
    // Never throws: the batch settles its other calls after this one.
    try {
      this.context.runner.store(this, frame);
      // Only a 503 can be shed: one comparison for nearly every frame.
      if (frame.status === 503 && this.retryAfter({ frame })) return;
      this.deliver(frame);
    } catch (error) {
      this.reject(error);
    }
  }

  fail(error: unknown): void {
    if (!this.retryAfter({ error })) this.reject(error);
  }

  /** The signal aborted: leave the call (it rejects this caller with the signal's reason). */
  handleEvent(): void {
    this.call?.leave(this);
  }

  /** Sends the call again after the wait the server asked for, when the retry policy allows. */
  private retryAfter(outcome: { readonly frame: ResultFrame } | { readonly error: unknown }): boolean {
    const wait = shedRetryDelay(this.request, outcome, this.retries, this.context.retry);
    if (wait === undefined) return false;
    this.retries++;
    delay(wait, this.signal).then(() => this.context.runner.run(this), this.reject);
    return true;
  }

  private deliver(frame: ResultFrame): void {
    const { request, delivery } = this;
    if (delivery === 'frame') {
      this.resolve(frame as never);
      return;
    }
    this.context.warnIfCookies(request, frame);
    if (isRedirect(frame)) {
      const response = this.context.followRedirects(request, this.init, frame);
      this.resolve(
        (delivery === 'response'
          ? response
          : response.then((followed) => callResultFromResponse(followed, request.method))) as never,
      );
      return;
    }
    this.resolve(
      (delivery === 'response'
        ? responseFromFrame(frame, request.url, request.method, false)
        : callResultFromFrame(frame, request.method)) as never,
    );
  }
}
