import {
  type BatchRequest,
  encodeFrame,
  type SubRequest,
  WirepackError,
  type WirepackErrorCode,
} from '@wirepack/protocol';
import type { AdmissionPermit } from './admission/admission-controller.ts';
import { shedResponse } from './admission/with-admission.ts';
import { registerSubRequest } from './batch-context.ts';
import { CallInfo, CallSignal } from './call-signal.ts';
import { FrameSink } from './frame-sink.ts';
import type { Metrics } from './metrics.ts';
import type { ResolvedOptions } from './options.ts';
import { PriorityQueue } from './priority-queue.ts';
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
  /** The server-wide admission permit, held from the call's start until the app's promise settles. */
  permit: AdmissionPermit | undefined;
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
 */
export class BatchRun<TContext> {
  readonly sink: FrameSink;
  private readonly init: BatchRunInit<TContext>;
  private readonly calls = new Map<number, CallState>();
  private readonly queue = new PriorityQueue<CallState>();
  private readonly frameOptions: ResultFrameOptions;
  private readonly errors: Record<string, number> = Object.create(null);
  private running = 0;
  private pumping = false;
  private unsettled: number;
  // Running calls in start order. Every call of a batch has the same time limit, so deadlines come in
  // the same order and one timer, set for the oldest running call, serves them all (a timer per call
  // cost about a microsecond each, and as much again in garbage).
  private deadlines: CallState[] = [];
  private deadlineHead = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private over = false;

  constructor(init: BatchRunInit<TContext>) {
    this.init = init;
    this.unsettled = init.batch.calls.length;
    this.sink = new FrameSink(
      init.options.limits.decode,
      () => this.abandon(),
      () => this.pump(),
    );
    const { limits, jsonAsValues } = init.options;
    this.frameOptions = { maxResponseBytes: limits.maxResponseBytes, decode: limits.decode, jsonAsValues };
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
      };
      this.calls.set(call.id, state);
      // Left out of the queue, so the pumping that settling them triggers cannot start them.
      if (canceled?.has(call.id)) early.push(state);
      else this.queue.push(state, call.priority);
    }
    for (const state of early)
      this.abortCall(state, 'CANCELED', 'the sub-request was cancelled by the client');
    if (this.unsettled === 0) this.finish();
    else this.pump();
  }

  /** Cancels sub-requests by id (a cancel message): queued ones never start, running ones see their signal abort. */
  cancel(ids: readonly number[]): void {
    for (const id of ids) {
      const state = this.calls.get(id);
      if (state !== undefined)
        this.abortCall(state, 'CANCELED', 'the sub-request was cancelled by the client');
    }
  }

  /** The client went away: abort everything, write nothing more. */
  abandon(): void {
    if (this.over) return;
    this.over = true;
    const { metrics } = this.init;
    metrics.disconnects++;
    metrics.pendingCalls -= this.unsettled;
    metrics.bytesOut += this.sink.bytesOut;
    const reason = new WirepackError('CANCELED', 'the client closed the batch request');
    for (const state of this.calls.values()) {
      if (state.state === 'done') continue;
      const wasRunning = state.state === 'running';
      state.state = 'done';
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
      const { concurrency } = this.init.options.limits;
      while (this.running < concurrency && !this.over && !this.sink.backlogged) {
        const state = this.queue.shift();
        if (state === undefined) return;
        if (state.state === 'queued') this.run(state);
      }
    } finally {
      this.pumping = false;
    }
  }

  private run(state: CallState): void {
    const { options, metrics } = this.init;
    state.state = 'running';
    this.running++;
    state.startedAt = performance.now();
    metrics.queueMs.record(state.startedAt - state.enqueuedAt);
    const signal = new CallSignal();
    state.signal = signal;
    state.deadline = state.startedAt + options.limits.timeoutMs;
    this.deadlines.push(state);
    if (this.timer === undefined) this.armTimer();
    const { admission } = options;
    if (admission !== undefined) {
      state.permit = admission.tryAcquire(state.call.priority);
      if (state.permit === undefined) {
        this.admit(state, signal);
        return;
      }
    }
    this.dispatch(state, signal);
  }

  /**
   * Waits for a server-wide permit (the call keeps its place among the batch's running calls meanwhile,
   * and its timeout runs). A shed call gets its own 503 result with Retry-After, as a plain request
   * shed by `withAdmission` would; the other calls of the batch carry on.
   */
  private admit(state: CallState, signal: CallSignal): void {
    const admission = this.init.options.admission as NonNullable<ResolvedOptions<TContext>['admission']>;
    admission
      .acquire({ priority: state.call.priority, deadline: state.deadline, signal: signal.signal })
      .then(
        (permit) => {
          if (state.state !== 'running' || this.over) {
            permit.release(); // cancelled or timed out in the same turn the permit came
            return;
          }
          state.permit = permit;
          this.dispatch(state, signal);
        },
        (error) => {
          // Aborted while waiting (cancel, timeout, client gone): its frame is already written.
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

  /** Hands a call that may run to the app. */
  private dispatch(state: CallState, signal: CallSignal): void {
    const { options, parent, batch } = this.init;
    let request: Request;
    try {
      request = buildSubRequest(state.call, parent, signal);
    } catch (error) {
      this.releasePermit(state);
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
      responsePromise = Promise.resolve(options.fetch(request));
    } catch (error) {
      responsePromise = Promise.reject(error);
    }
    // The permit is the app's work: held until its promise settles, even after a timeout or cancel
    // has written the call's frame, so aborted handlers that keep running still count.
    if (state.permit !== undefined) {
      const release = () => this.releasePermit(state);
      responsePromise.then(release, release);
    }
    responsePromise.then(
      (response) => {
        // Duck-typed: a Response from another realm or from the undici package works as well.
        if (!isResponseLike(response)) {
          this.settleAppFailure(state, new TypeError('the app handler did not return a Response'));
          return;
        }
        if (state.state === 'done') {
          // Timed out or cancelled meanwhile: the frame is written, drop what came late.
          response.body?.cancel().catch(() => {
            // The app's stream failed while being discarded: nothing to keep.
          });
          return;
        }
        toResultFrame(state.call.id, response, this.frameOptions).then(
          (frame) => this.settle(state, frame, response.status, undefined),
          (error) => {
            if (error instanceof WirepackError) this.settleError(state, error);
            else this.settleAppFailure(state, error); // the app's body stream failed
          },
        );
      },
      (error) => this.settleAppFailure(state, error),
    );
  }

  private releasePermit(state: CallState): void {
    state.permit?.release();
    state.permit = undefined;
  }

  private armTimer(): void {
    while (this.deadlineHead < this.deadlines.length) {
      const head = this.deadlines[this.deadlineHead] as CallState;
      if (head.state !== 'done') {
        const wait = Math.max(0, head.deadline - performance.now());
        this.timer = setTimeout(this.onTimer, Math.ceil(wait));
        return;
      }
      this.deadlineHead++;
    }
    this.deadlines = [];
    this.deadlineHead = 0;
    this.timer = undefined;
  }

  private readonly onTimer = (): void => {
    this.timer = undefined;
    const now = performance.now();
    const { timeoutMs } = this.init.options.limits;
    while (this.deadlineHead < this.deadlines.length) {
      const head = this.deadlines[this.deadlineHead] as CallState;
      if (head.state !== 'done' && head.deadline > now) break;
      this.deadlineHead++;
      this.abortCall(head, 'TIMEOUT', `the sub-request ran longer than ${timeoutMs} ms`);
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
    if (wasRunning) {
      this.running--;
      metrics.callMs.record(performance.now() - state.startedAt);
    }
    this.unsettled--;
    metrics.pendingCalls--;
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
    const durationMs = performance.now() - arrivedAt;
    const errorCount = Object.values(this.errors).reduce((sum, count) => sum + count, 0);
    this.sink.end(
      encodeFrame({
        kind: 'end',
        timing: {
          total: Math.round(durationMs * 1000) / 1000,
          calls: batch.calls.length,
          errors: errorCount,
        },
      }),
    );
    metrics.batchMs.record(durationMs);
    metrics.bytesOut += this.sink.bytesOut;
    this.init.onDone();
    if (options.onBatch !== undefined) {
      try {
        options.onBatch(
          {
            batchId: batch.batchId,
            calls: batch.calls.length,
            errors: { ...this.errors },
            durationMs,
            bytesIn,
            bytesOut: this.sink.bytesOut,
          },
          () => metrics.snapshot(),
        );
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
