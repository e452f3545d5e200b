import type { Priority } from '@wirepack/protocol';
import type { SubRequestInfo } from './batch-context.ts';

/**
 * A sub-request's abort signal, made only when someone reads it. An `AbortSignal` costs about 2 us
 * to create in Node 20 (an EventTarget and its bookkeeping), more than the rest of starting a call,
 * and most handlers never look at `request.signal`. Aborting before it was read is remembered: the
 * signal then starts out aborted, with the same reason.
 */
export class CallSignal {
  #controller: AbortController | undefined;
  #aborted = false;
  #reason: unknown;
  #onAbort: (() => void) | undefined;

  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#aborted) this.#controller.abort(this.#reason);
    }
    return this.#controller.signal;
  }

  get aborted(): boolean {
    return this.#aborted;
  }

  abort(reason: unknown): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#reason = reason;
    this.#controller?.abort(reason);
    const onAbort = this.#onAbort;
    this.#onAbort = undefined;
    onAbort?.();
  }

  /**
   * Runs `callback` once when the call aborts (at once if it has), without making an AbortSignal:
   * the batch uses it to stop reading a cancelled call's response body. One callback at a time; a
   * later one replaces it, `undefined` removes it.
   */
  onAbort(callback: (() => void) | undefined): void {
    if (callback !== undefined && this.#aborted) {
      callback();
      return;
    }
    this.#onAbort = callback;
  }
}

/** What `getSubRequestInfo` returns for a call: the batch's fields, and the call's signal on demand. */
export class CallInfo<TContext> implements SubRequestInfo<TContext> {
  constructor(
    readonly batchId: string,
    readonly id: number,
    readonly priority: Priority,
    readonly context: TContext,
    readonly parent: Request,
    private readonly callSignal: CallSignal,
  ) {}

  get signal(): AbortSignal {
    return this.callSignal.signal;
  }
}
