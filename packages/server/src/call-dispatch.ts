import { isWirepackError, type SubRequest, WirepackError } from '@wirepack/protocol';
import type { AdmissionPermit } from './admission/admission-controller.ts';
import { registerSubRequest } from './batch-context.ts';
import type { BatchRunInit } from './batch-run.ts';
import { CallInfo, type CallSignal } from './call-signal.ts';
import type { SlotPermit } from './call-slots.ts';
import type { BatchLightCall } from './calls/light-call.ts';
import { CallResponse } from './calls/light-call.ts';
import { lightResultFrame } from './calls/light-result.ts';
import { type LightCallScope, type PreparedLightCall, prepareLightCall } from './calls/prepare-light-call.ts';
import type { ResultBudget } from './result-budget.ts';
import { buildSubRequest } from './sub-request.ts';
import { type PendingResult, type ResultFrameOptions, toResultFrame } from './to-result-frame.ts';

// One call handed to the app and its answer turned into a frame, on either path: the `fetch` contract
// (a Request per call, the app's Response read within the batch's buffer budget) or the opt-in light
// path (`options.routes`: a light call object, a value back). What happens around it (the queue, the
// slots, admission, deadlines, cancels, the end frame) is the batch's, in batch-run.ts.

/** A call of a running batch, as the batch schedules it. */
export interface CallState {
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

/** How a dispatched call reports back to its batch (BatchRun). */
export interface CallOutcomes {
  /** The app's work for the call is over (its promise settled, its body read or discarded). */
  appSettled(state: CallState): void;
  /** The call's frame, with the status the metrics count. */
  settle(state: CallState, frame: Uint8Array | PendingResult, status: number): void;
  /** A coded failure of the call (its WirepackError), or INTERNAL for anything else. */
  settleError(state: CallState, error: unknown): void;
  /** The app threw or its body failed: a 500, the details to onError. */
  settleAppFailure(state: CallState, error: unknown): void;
  /** Hands an error to options.onError. */
  report(error: unknown, call: SubRequest): void;
}

/** Runs the calls of one batch in the app, on the path each one takes. */
export class CallDispatch<TContext> {
  private readonly init: BatchRunInit<TContext>;
  private readonly frameOptions: ResultFrameOptions;
  private readonly budget: ResultBudget;
  private readonly outcomes: CallOutcomes;
  /** What the batch's light calls share (undefined without `options.routes`). */
  private readonly lightScope: LightCallScope<TContext> | undefined;

  constructor(
    init: BatchRunInit<TContext>,
    frameOptions: ResultFrameOptions,
    budget: ResultBudget,
    outcomes: CallOutcomes,
  ) {
    this.init = init;
    this.frameOptions = frameOptions;
    this.budget = budget;
    this.outcomes = outcomes;
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
  }

  /** Hands a call that holds its slot (and its admission permit, if any) to the app. */
  dispatch(state: CallState, signal: CallSignal): void {
    if (this.lightScope !== undefined && this.dispatchLight(state, signal)) return;
    const { options, parent, batch } = this.init;
    let request: Request;
    try {
      request = buildSubRequest(state.call, parent, signal);
    } catch (error) {
      this.outcomes.appSettled(state); // the app never saw it
      this.outcomes.settleError(state, error);
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
          this.outcomes.appSettled(state);
          this.outcomes.settleAppFailure(state, new TypeError('the app handler did not return a Response'));
          return;
        }
        this.readResponse(state, signal, response);
      },
      (error) => {
        this.outcomes.appSettled(state);
        // An adapter that enforces maxResponseBytes while the app writes (the Express injection)
        // rejects with FRAME_TOO_LARGE: that is the call's coded error, not an app failure.
        if (isWirepackError(error) && error.code === 'FRAME_TOO_LARGE')
          this.outcomes.settleError(state, error);
        else this.outcomes.settleAppFailure(state, error);
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
      this.outcomes.appSettled(state); // the app never saw it
      this.outcomes.settleError(state, error);
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
      this.outcomes.appSettled(state); // timed out or cancelled meanwhile: its frame is written
      return;
    }
    let frame: ReturnType<typeof lightResultFrame>;
    try {
      frame = lightResultFrame(state.call.id, value, this.frameOptions);
    } catch (error) {
      this.outcomes.appSettled(state);
      if (error instanceof WirepackError) this.outcomes.settleError(state, error);
      else this.outcomes.settleAppFailure(state, error);
      return;
    }
    const status = value instanceof CallResponse ? value.status : value === undefined ? 204 : 200;
    const cache = this.init.options.responseCache;
    if (cache !== undefined && status < 400 && light.method !== 'OPTIONS' && light.method !== 'TRACE') {
      // Purged before the result leaves, so the client's next GET cannot find the old entry.
      cache
        .purge(this.init.parent.origin + light.pathname + light.search)
        .catch((error: unknown) => this.outcomes.report(error, state.call))
        .then(() => {
          this.outcomes.appSettled(state);
          this.outcomes.settle(state, frame, status);
        });
      return;
    }
    this.outcomes.appSettled(state);
    this.outcomes.settle(state, frame, status);
  }

  /** A light handler threw or its promise rejected: a 500 as on the fetch path (or its coded error). */
  private lightFailed(state: CallState, error: unknown): void {
    this.outcomes.appSettled(state);
    if (isWirepackError(error) && error.code === 'FRAME_TOO_LARGE') this.outcomes.settleError(state, error);
    else this.outcomes.settleAppFailure(state, error);
  }

  /** Reads an app's Response into the call's frame (the body within the batch's buffer budget). */
  private readResponse(state: CallState, signal: CallSignal, response: Response): void {
    if (state.state === 'done') {
      // Timed out or cancelled meanwhile: the frame is written, drop what came late.
      response.body?.cancel().catch(() => {
        // The app's stream failed while being discarded: nothing to keep.
      });
      this.outcomes.appSettled(state);
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
        this.outcomes.appSettled(state);
        this.outcomes.settle(state, frame, response.status);
        budget.close(share); // after the frame is in the sink, so its bytes never go uncounted
      },
      (error) => {
        budget.close(share);
        this.outcomes.appSettled(state);
        if (error instanceof WirepackError) this.outcomes.settleError(state, error);
        else this.outcomes.settleAppFailure(state, error); // the app's body stream failed
      },
    );
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
