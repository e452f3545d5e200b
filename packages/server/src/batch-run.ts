import {
  type BatchRequest,
  encodeFrame,
  isWirepackError,
  type SubRequest,
  WirepackError,
  type WirepackErrorCode,
} from '@wirepack/protocol';
import type { AdmissionPermit } from './admission/admission-controller.ts';
import { shedResponse } from './admission/with-admission.ts';
import { registerSubRequest } from './batch-context.ts';
import { summarizeBatch } from './batch-summary.ts';
import { CallDeadlines } from './call-deadlines.ts';
import { CallInfo, CallSignal } from './call-signal.ts';
import { CallSlots, type SlotPermit } from './call-slots.ts';
import type { BatchLightCall } from './calls/light-call.ts';
import { CallResponse } from './calls/light-call.ts';
import { lightResultFrame } from './calls/light-result.ts';
import { type LightCallScope, type PreparedLightCall, prepareLightCall } from './calls/prepare-light-call.ts';
import { FrameSink } from './frame-sink.ts';
import type { Metrics } from './metrics.ts';
import type { ResolvedOptions } from './options.ts';
import { PriorityQueue } from './priority-queue.ts';
import { ResultBudget } from './result-budget.ts';
import { buildSubRequest, type ParentInfo } from './sub-request.ts';
import {
  internalErrorFrame,
  type PendingResult,
  type ResultFrameOptions,
  toResultFrame,
} from './to-result-frame.ts';

interface CallState {
  readonly call: SubRequest;
  state: 'queued' | 'running' | 'done';
  readonly enqueuedAt: number;
  startedAt: number;
  /** Made when the call starts; its AbortSignal only when read. */
  signal: CallSignal | undefined;
  /** performance.now() past which the call times out. */
  deadline: number;
  /** The call's slot, held from its start until the app's work for it settles (not when its frame is written). */
  permit: SlotPermit | undefined;
  /**
   * The server-wide admission permit (options.admission), taken after the batch slot and released
   * with it, when the app's work for the call settles.
   */
  admitted: AdmissionPermit | undefined;
}

/** Everything a batch needs from its handler. */
export interface BatchRunInit<TContext> {
  readonly options: ResolvedOptions<TContext>;
  readonly metrics: Metrics;
  readonly parent: ParentInfo;
  readonly context: TContext;
  readonly batch: BatchRequest;
  /** The batch request. */
  readonly request: Request;
  /**
   * What the runtime passed after the request (Workers' `env` and `ctx`), handed on to every call
   * as it came: an empty list when the batch handler was called with the request alone.
   */
  readonly extra: readonly unknown[];
  /** performance.now() when the batch request arrived. */
  readonly arrivedAt: number;
  readonly bytesIn: number;
  /** Called once when the batch ends (end frame written) or is abandoned (client gone). */
  readonly onDone: () => void;
}

/**
 * One running batch: queues its sub-requests by priority, runs at most `concurrency` at a time,
 * writes a frame as each one finishes, and ends with the end frame once every sub-request has one.
 * Each sub-request has its own AbortController, aborted by its timeout, by a cancel message naming
 * it, or by the client going away; once aborted its frame is written at once, whether or not the app
 * honours the signal, and whatever the app returns later is discarded.
 *
 * A call's concurrency slot, and its place in `pendingCalls`, are held until the app's promise has
 * settled and its body has been read or discarded, not merely until its frame is written: a handler
 * that ignores its signal still counts, so `concurrency` bounds the app work a batch causes (see
 * call-slots.ts). Calls waiting for a slot time out after `queueTimeoutMs`, so a batch whose slots
 * are all held by such handlers still ends.
 */
export class BatchRun<TContext> {
  readonly sink: FrameSink;
  private readonly init: BatchRunInit<TContext>;
  private readonly calls = new Map<number, CallState>();
  private readonly queue = new PriorityQueue<CallState>();
  private readonly frameOptions: ResultFrameOptions;
  private readonly errors: Record<string, number> = Object.create(null);
  private readonly slots: CallSlots;
  private readonly budget: ResultBudget;
  private pumping = false;
  private unsettled: number;
  private readonly deadlines = new CallDeadlines<CallState>((state) => state.state === 'done');
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** performance.now() past which calls still waiting for a slot time out. */
  private queueDeadline = Number.POSITIVE_INFINITY;
  private over = false;
  /** What the batch's light calls share (undefined without `options.routes`). */
  private readonly lightScope: LightCallScope<TContext> | undefined;

  constructor(init: BatchRunInit<TContext>) {
    this.init = init;
    const routes = init.options.routes;
    this.lightScope =
      routes === undefined
        ? undefined
        : {
            routes,
            parent: init.parent,
            cacheSafeCalls: init.options.responseCache !== undefined,
            context: init.context,
            batchId: init.batch.batchId,
            request: init.request,
          };
    this.unsettled = init.batch.calls.length;
    this.slots = new CallSlots(init.options.limits.concurrency, () => this.pump());
    this.sink = new FrameSink(
      init.options.limits.decode,
      () => this.abandon(),
      () => {
        this.budget.wake();
        this.pump();
      },
      init.options.limits.readTimeoutMs,
      (error) => this.abandon(error),
    );
    this.budget = new ResultBudget(init.options.limits.maxBufferedBytes, () => this.sink.bufferedBytes);
    const { limits, jsonAsValues, exposeSetCookie } = init.options;
    this.frameOptions = {
      maxResponseBytes: limits.maxResponseBytes,
      decode: limits.decode,
      jsonAsValues,
      exposeSetCookie,
    };
  }

  get batchId(): string {
    return this.init.batch.batchId;
  }

  /**
   * Queues every sub-request and starts as many as the concurrency limit allows. Calls named in
   * `canceled` (cancel messages that arrived before the batch) never start: each gets its CANCELED frame.
   */
  start(canceled?: ReadonlySet<number>): void {
    const now = performance.now();
    this.init.metrics.pendingCalls += this.unsettled;
    const early: CallState[] = [];
    for (const call of this.init.batch.calls) {
      const state: CallState = {
        call,
        state: 'queued',
        enqueuedAt: now,
        startedAt: now,
        signal: undefined,
        deadline: Number.POSITIVE_INFINITY,
        permit: undefined,
        admitted: undefined,
      };
      this.calls.set(call.id, state);
      // Left out of the queue, so the pumping that settling them triggers cannot start them.
      if (canceled?.has(call.id)) early.push(state);
      else this.queue.push(state, call.priority);
    }
    for (const state of early)
      this.abortCall(state, 'CANCELED', 'the sub-request was cancelled by the client');
    if (this.unsettled === 0) {
      this.finish();
      return;
    }
    this.queueDeadline = now + this.init.options.limits.queueTimeoutMs;
    this.pump();
    if (this.queue.size > 0 && this.timer === undefined) this.armTimer();
  }

  /** Cancels sub-requests by id (a cancel message): queued ones never start, running ones see their signal abort. */
  cancel(ids: readonly number[]): void {
    for (const id of ids) {
      const state = this.calls.get(id);
      if (state !== undefined)
        this.abortCall(state, 'CANCELED', 'the sub-request was cancelled by the client');
    }
  }

  /**
   * The client went away, or (`stalled`) stopped reading while results waited: abort everything, write
   * nothing more. A stalled batch is reported to onError and counted as a READ_TIMEOUT error.
   */
  abandon(stalled?: WirepackError): void {
    if (this.over) return;
    this.over = true;
    const { metrics } = this.init;
    if (stalled === undefined) {
      metrics.disconnects++;
    } else {
      metrics.error(stalled.code);
      this.report(stalled, undefined);
    }
    metrics.bytesOut += this.sink.bytesOut;
    const reason = stalled ?? new WirepackError('CANCELED', 'the client closed the batch request');
    for (const state of this.calls.values()) {
      if (state.state === 'done') continue;
      const wasRunning = state.state === 'running';
      state.state = 'done';
      // A running call stays pending until the app's work for it settles (appSettled).
      if (state.permit === undefined) metrics.pendingCalls--;
      if (wasRunning) state.signal?.abort(reason);
    }
    clearTimeout(this.timer);
    this.queue.drain();
    this.unsettled = 0;
    this.init.onDone();
  }

  private pump(): void {
    // A call can settle synchronously inside run() (an invalid path), which pumps again: the outer loop
    // carries on instead, so a batch of a hundred thousand invalid calls cannot overflow the stack.
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (!this.over && this.queue.size > 0 && !this.sink.backlogged) {
        const permit = this.slots.tryAcquire();
        if (permit === undefined) return;
        let state = this.queue.shift();
        while (state !== undefined && state.state !== 'queued') state = this.queue.shift();
        if (state === undefined) {
          permit.release();
          return;
        }
        this.run(state, permit);
      }
    } finally {
      this.pumping = false;
    }
  }

  private run(state: CallState, permit: SlotPermit): void {
    const { options, metrics } = this.init;
    state.state = 'running';
    state.permit = permit;
    state.startedAt = performance.now();
    metrics.queueMs.record(state.startedAt - state.enqueuedAt);
    const signal = new CallSignal();
    state.signal = signal;
    state.deadline = state.startedAt + options.limits.timeoutMs;
    this.deadlines.add(state);
    if (this.timer === undefined) this.armTimer();
    const { admission } = options;
    if (admission !== undefined) {
      state.admitted = admission.tryAcquire(state.call.priority);
      if (state.admitted === undefined) {
        this.admit(state, signal);
        return;
      }
    }
    this.dispatch(state, signal);
  }

  /**
   * Waits for a server-wide permit; the call keeps its batch slot meanwhile, and its timeout runs. A
   * shed call gets its own 503 result with Retry-After, as a plain request shed by `withAdmission`
   * would; the other calls of the batch carry on. A call aborted while it waits (cancel, timeout,
   * client gone) leaves the controller's queue, its frame already written.
   */
  private admit(state: CallState, signal: CallSignal): void {
    const admission = this.init.options.admission as NonNullable<ResolvedOptions<TContext>['admission']>;
    admission
      .acquire({ priority: state.call.priority, deadline: state.deadline, signal: signal.signal })
      .then(
        (permit) => {
          state.admitted = permit;
          if (state.state !== 'running' || this.over) {
            this.appSettled(state); // aborted in the same turn the permit came: the app never saw it
            return;
          }
          this.dispatch(state, signal);
        },
        (error) => {
          this.appSettled(state); // the app never saw it: its batch slot goes back
          if (state.state !== 'running') return;
          if (error instanceof WirepackError && error.code === 'OVERLOADED') {
            toResultFrame(
              state.call.id,
              shedResponse(admission.retryAfterSeconds(), error),
              this.frameOptions,
            ).then(
              (frame) => this.settle(state, frame, 503, undefined),
              (failure) => this.settleError(state, failure),
            );
          } else {
            this.settleError(state, error);
          }
        },
      );
  }

  /** Hands a call that holds its slot (and its admission permit, if any) to the app. */
  private dispatch(state: CallState, signal: CallSignal): void {
    if (this.lightScope !== undefined && this.dispatchLight(state, signal)) return;
    const { options, parent, batch } = this.init;
    let request: Request;
    try {
      request = buildSubRequest(state.call, parent, signal);
    } catch (error) {
      this.appSettled(state); // the app never saw it
      this.settleError(state, error);
      return;
    }
    registerSubRequest(
      request,
      new CallInfo(
        batch.batchId,
        state.call.id,
        state.call.priority,
        this.init.context,
        this.init.request,
        signal,
      ),
    );
    let responsePromise: Promise<Response>;
    try {
      responsePromise = Promise.resolve(options.fetch(request, ...this.init.extra));
    } catch (error) {
      responsePromise = Promise.reject(error);
    }
    responsePromise.then(
      (response) => {
        // Duck-typed: a Response from another realm or from the undici package works as well.
        if (!isResponseLike(response)) {
          this.appSettled(state);
          this.settleAppFailure(state, new TypeError('the app handler did not return a Response'));
          return;
        }
        this.readResponse(state, signal, response);
      },
      (error) => {
        this.appSettled(state);
        // An adapter that enforces maxResponseBytes while the app writes (the Express injection)
        // rejects with FRAME_TOO_LARGE: that is the call's coded error, not an app failure.
        if (isWirepackError(error) && error.code === 'FRAME_TOO_LARGE') this.settleError(state, error);
        else this.settleAppFailure(state, error);
      },
    );
  }

  /**
   * The light path: a call whose method and path match `options.routes` goes to its handler with a
   * light call object; no Request or Response is made (unless the handler returns a Response). False
   * when no route matches: the call then goes to `fetch`. Admission, the batch's slots, timeouts and
   * cancels apply as on the `fetch` path (they are taken and armed before dispatch); with
   * `options.responseCache`, GET and HEAD calls take the `fetch` path (the cache answers them), and a
   * routed unsafe call that succeeds purges its URL, as the cache does for requests it forwards.
   */
  private dispatchLight(state: CallState, signal: CallSignal): boolean {
    let prepared: PreparedLightCall<TContext> | undefined;
    try {
      prepared = prepareLightCall(state.call, this.lightScope as LightCallScope<TContext>, signal);
    } catch (error) {
      this.appSettled(state); // the app never saw it
      this.settleError(state, error);
      return true;
    }
    if (prepared === undefined) return false;
    const { handler, light } = prepared;
    let answer: unknown;
    try {
      answer = handler(light);
    } catch (error) {
      answer = Promise.reject(error);
    }
    if (isThenable(answer)) {
      answer.then(
        (value) => this.lightAnswered(state, signal, light, value),
        (error: unknown) => this.lightFailed(state, error),
      );
    } else {
      this.lightAnswered(state, signal, light, answer); // no closure for a handler that answers at once
    }
    return true;
  }

  /** A light handler's answer: a Response is read as on the fetch path, anything else becomes the frame. */
  private lightAnswered(
    state: CallState,
    signal: CallSignal,
    light: BatchLightCall<TContext>,
    value: unknown,
  ): void {
    if (isResponseLike(value)) {
      this.readResponse(state, signal, value);
      return;
    }
    if (state.state === 'done') {
      this.appSettled(state); // timed out or cancelled meanwhile: its frame is written
      return;
    }
    let frame: ReturnType<typeof lightResultFrame>;
    try {
      frame = lightResultFrame(state.call.id, value, this.frameOptions);
    } catch (error) {
      this.appSettled(state);
      if (error instanceof WirepackError) this.settleError(state, error);
      else this.settleAppFailure(state, error);
      return;
    }
    const status = value instanceof CallResponse ? value.status : value === undefined ? 204 : 200;
    const cache = this.init.options.responseCache;
    if (cache !== undefined && status < 400 && light.method !== 'OPTIONS' && light.method !== 'TRACE') {
      // Purged before the result leaves, so the client's next GET cannot find the old entry.
      cache
        .purge(this.init.parent.origin + light.pathname + light.search)
        .catch((error: unknown) => this.report(error, state.call))
        .then(() => {
          this.appSettled(state);
          this.settle(state, frame, status, undefined);
        });
      return;
    }
    this.appSettled(state);
    this.settle(state, frame, status, undefined);
  }

  /** A light handler threw or its promise rejected: a 500 as on the fetch path (or its coded error). */
  private lightFailed(state: CallState, error: unknown): void {
    this.appSettled(state);
    if (isWirepackError(error) && error.code === 'FRAME_TOO_LARGE') this.settleError(state, error);
    else this.settleAppFailure(state, error);
  }

  /** Reads an app's Response into the call's frame (the body within the batch's buffer budget). */
  private readResponse(state: CallState, signal: CallSignal, response: Response): void {
    if (state.state === 'done') {
      // Timed out or cancelled meanwhile: the frame is written, drop what came late.
      response.body?.cancel().catch(() => {
        // The app's stream failed while being discarded: nothing to keep.
      });
      this.appSettled(state);
      return;
    }
    const budget = this.budget;
    const share = budget.open();
    toResultFrame(state.call.id, response, this.frameOptions, {
      // An abort stops the read, and also a read waiting for room in the budget.
      onAbort: (stop) =>
        signal.onAbort(
          stop &&
            (() => {
              stop();
              budget.close(share);
            }),
        ),
      charge: (bytes) => budget.charge(share, bytes),
    }).then(
      (frame) => {
        this.appSettled(state);
        this.settle(state, frame, response.status, undefined);
        budget.close(share); // after the frame is in the sink, so its bytes never go uncounted
      },
      (error) => {
        budget.close(share);
        this.appSettled(state);
        if (error instanceof WirepackError) this.settleError(state, error);
        else this.settleAppFailure(state, error); // the app's body stream failed
      },
    );
  }

  /**
   * The app's work for a call is over (its promise settled, its body read or discarded): the slot
   * goes back, and a call whose frame is already written stops counting as pending.
   */
  private appSettled(state: CallState): void {
    state.admitted?.release(); // server-wide first, so another batch's call may take it at once
    state.admitted = undefined;
    const permit = state.permit;
    if (permit === undefined) return;
    state.permit = undefined;
    if (state.state === 'done') this.init.metrics.pendingCalls--;
    permit.release(); // pumps: the next queued call may start
  }

  private armTimer(): void {
    const due = Math.min(
      this.queue.size > 0 ? this.queueDeadline : Number.POSITIVE_INFINITY,
      this.deadlines.next(),
    );
    if (due === Number.POSITIVE_INFINITY) {
      this.timer = undefined;
      return;
    }
    this.timer = setTimeout(this.onTimer, Math.ceil(Math.max(0, due - performance.now())));
  }

  private readonly onTimer = (): void => {
    this.timer = undefined;
    const now = performance.now();
    const { timeoutMs, queueTimeoutMs } = this.init.options.limits;
    this.deadlines.expire(now, (state) =>
      this.abortCall(state, 'TIMEOUT', `the sub-request ran longer than ${timeoutMs} ms`),
    );
    if (now >= this.queueDeadline) {
      // Taken out first: settling them pumps, which must not start any of them.
      for (const state of this.queue.drain()) {
        this.abortCall(
          state,
          'TIMEOUT',
          `the sub-request waited longer than ${queueTimeoutMs} ms for a slot`,
        );
      }
    }
    if (!this.over) this.armTimer();
  };

  private abortCall(state: CallState, code: WirepackErrorCode, message: string): void {
    if (state.state === 'done' || this.over) return;
    const signal = state.state === 'running' ? state.signal : undefined;
    this.settle(state, encodeFrame({ kind: 'error', id: state.call.id, code, message }), undefined, code);
    signal?.abort(new WirepackError(code, message));
  }

  /** The app threw: a 500 like an unbatched request would get, the details to onError only. */
  private settleAppFailure(state: CallState, error: unknown): void {
    if (state.state === 'done') return;
    this.report(error, state.call);
    this.settle(state, internalErrorFrame(state.call.id), 500, undefined);
  }

  /** A coded failure of this sub-request (invalid path, headers too large, frame too large ...). */
  private settleError(state: CallState, error: unknown): void {
    if (state.state === 'done') return;
    let code: WirepackErrorCode = 'INTERNAL';
    let message = 'the sub-request failed';
    if (error instanceof WirepackError) {
      code = error.code;
      message = error.message;
      if (code === 'ENCODE_FAILED' || code === 'INTERNAL') this.report(error, state.call);
    } else {
      this.report(error, state.call);
    }
    this.settle(state, encodeFrame({ kind: 'error', id: state.call.id, code, message }), undefined, code);
  }

  private settle(
    state: CallState,
    frame: Uint8Array | PendingResult,
    status: number | undefined,
    code: WirepackErrorCode | undefined,
  ): void {
    if (state.state === 'done' || this.over) return;
    const wasRunning = state.state === 'running';
    state.state = 'done';
    const { metrics } = this.init;
    if (wasRunning) metrics.callMs.record(performance.now() - state.startedAt);
    this.unsettled--;
    // Still pending while the app works on it; appSettled counts it off then.
    if (state.permit === undefined) metrics.pendingCalls--;
    if (code !== undefined) {
      metrics.error(code);
      this.errors[code] = (this.errors[code] ?? 0) + 1;
    } else {
      metrics.result(status ?? 500);
    }
    this.sink.push(frame);
    if (this.unsettled === 0) this.finish();
    else this.pump();
  }

  private finish(): void {
    if (this.over) return;
    this.over = true;
    const { metrics, batch, options, arrivedAt, bytesIn } = this.init;
    clearTimeout(this.timer);
    const { summary, endFrame } = summarizeBatch({
      batchId: batch.batchId,
      calls: batch.calls.length,
      errors: this.errors,
      durationMs: performance.now() - arrivedAt,
      bytesIn,
    });
    this.sink.end(endFrame);
    metrics.batchMs.record(summary.durationMs);
    metrics.bytesOut += this.sink.bytesOut;
    this.init.onDone();
    if (options.onBatch !== undefined) {
      try {
        options.onBatch({ ...summary, bytesOut: this.sink.bytesOut }, () => metrics.snapshot());
      } catch (error) {
        this.report(error, undefined);
      }
    }
  }

  private report(error: unknown, call: SubRequest | undefined): void {
    try {
      this.init.options.onError(
        error,
        call === undefined
          ? { batchId: this.batchId }
          : { batchId: this.batchId, id: call.id, method: call.method, path: call.path },
      );
    } catch {
      // A failing logger must not take the batch down; there is nowhere left to report to.
    }
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    typeof value === 'object' && value !== null && typeof (value as PromiseLike<unknown>).then === 'function'
  );
}

function isResponseLike(value: unknown): value is Response {
  return (
    value instanceof Response ||
    (typeof value === 'object' &&
      value !== null &&
      typeof (value as Response).status === 'number' &&
      typeof (value as Response).headers?.get === 'function' &&
      'body' in value)
  );
}
