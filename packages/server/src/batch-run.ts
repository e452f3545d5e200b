import {
  type BatchRequest,
  encodeFrame,
  type SubRequest,
  WirepackError,
  type WirepackErrorCode,
} from '@wirepack/protocol';
import { shedResponse } from './admission/with-admission.ts';
import { summarizeBatch } from './batch-summary.ts';
import { CallDeadlines } from './call-deadlines.ts';
import { CallDispatch, type CallState } from './call-dispatch.ts';
import { CallSignal } from './call-signal.ts';
import { CallSlots, type SlotPermit } from './call-slots.ts';
import { FrameSink } from './frame-sink.ts';
import type { Metrics } from './metrics.ts';
import type { ResolvedOptions } from './options.ts';
import { PriorityQueue } from './priority-queue.ts';
import { ResultBudget } from './result-budget.ts';
import type { ParentInfo } from './sub-request.ts';
import {
  internalErrorFrame,
  type PendingResult,
  type ResultFrameOptions,
  toResultFrame,
} from './to-result-frame.ts';

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
 *
 * This class schedules; handing a call to the app and turning its answer into a frame, on the `fetch`
 * path or the light path, is call-dispatch.ts's.
 */
export class BatchRun<TContext> {
  readonly sink: FrameSink;
  private readonly init: BatchRunInit<TContext>;
  private readonly calls = new Map<number, CallState>();
  private readonly queue = new PriorityQueue<CallState>();
  private readonly frameOptions: ResultFrameOptions;
  private readonly dispatcher: CallDispatch<TContext>;
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

  constructor(init: BatchRunInit<TContext>) {
    this.init = init;
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
    this.dispatcher = new CallDispatch(init, this.frameOptions, this.budget, {
      appSettled: (state) => this.appSettled(state),
      settle: (state, frame, status) => this.settle(state, frame, status, undefined),
      settleError: (state, error) => this.settleError(state, error),
      settleAppFailure: (state, error) => this.settleAppFailure(state, error),
      report: (error, call) => this.report(error, call),
    });
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
    this.dispatcher.dispatch(state, signal);
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
          this.dispatcher.dispatch(state, signal);
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
