import type { Priority } from '@wirepack/protocol';
import DataLoader from 'dataloader';
import { BATCH_OVERHEAD_BYTES } from './batch-encoding.ts';

/** What the queue needs to know about a call: its size and whether anyone still waits for it. */
export interface Queueable {
  readonly size: number;
  readonly live: boolean;
}

/** Scheduling options of a {@link CallQueue}. */
export interface CallQueueOptions {
  readonly windowMs: number;
  readonly maxWaitMs: number;
  readonly lowPriorityWindowMs: number;
  readonly maxBatchSize: number;
  readonly maxBatchBytes: number;
}

/**
 * Coalesces calls into batches and hands each batch to `dispatch`. It knows nothing of HTTP or
 * the wire format: calls are opaque apart from their size and liveness.
 *
 * Scheduling is DataLoader's (graphql/dataloader), one loader per priority lane, used with
 * `cache: false` purely as the scheduler: its keys are batches of calls (one load per batch, not
 * per call), its batch function hands them on and resolves at once, and each call settles later
 * through its own promise (results stream back one by one).
 *
 * - `auto` calls: by default DataLoader's own schedule, the end of the current tick after
 *   pending promise jobs (no latency floor: graphql/dataloader#58). With `windowMs`, a batch
 *   waits that long after its last call, at most `maxWaitMs` after its first.
 * - `high` calls never wait: their batch leaves at the end of the current microtask, on its own.
 * - `low` calls wait for `lowPriorityWindowMs` (or `windowMs` if longer) to gather company.
 *
 * A batch is split by `maxBatchSize` (a full batch starts the next one) and by `maxBatchBytes`,
 * never refused; a full batch leaves at once instead of waiting for its window. Calls whose
 * callers all left before dispatch are dropped; a batch of only such calls is never sent.
 */
export class CallQueue<TCall extends Queueable> {
  private readonly lanes: Record<Priority, Lane<TCall>>;

  constructor(dispatch: (calls: TCall[], priority: Priority) => void, options: CallQueueOptions) {
    const lane = (priority: Priority, windowMs: number, maxWaitMs: number): Lane<TCall> =>
      new Lane(priority, windowMs, maxWaitMs, dispatch, options);
    this.lanes = {
      high: lane('high', -1, 0),
      auto: lane('auto', options.windowMs, options.maxWaitMs),
      low: lane(
        'low',
        Math.max(options.lowPriorityWindowMs, options.windowMs),
        Math.max(options.lowPriorityWindowMs, options.maxWaitMs),
      ),
    };
  }

  /** Adds a call to the next batch of its priority lane. */
  enqueue(call: TCall, priority: Priority): void {
    this.lanes[priority].enqueue(call);
  }
}

class Lane<TCall extends Queueable> {
  // DataLoader schedules batches, not calls: its keys are our batches (arrays filled here), one
  // load per batch. A load per call cost a promise, a rejection handler and their jobs per call,
  // for the same schedule.
  private readonly loader: DataLoader<TCall[], void>;
  private readonly window: WindowSchedule | undefined;
  /** The batch being filled, until it is full or leaves. */
  private current: TCall[] | undefined;
  private readonly maxBatchSize: number;

  constructor(
    priority: Priority,
    windowMs: number,
    maxWaitMs: number,
    dispatch: (calls: TCall[], priority: Priority) => void,
    options: CallQueueOptions,
  ) {
    const { maxBatchSize, maxBatchBytes } = options;
    this.maxBatchSize = maxBatchSize;
    this.window =
      windowMs > 0 ? new WindowSchedule(windowMs, maxWaitMs || windowMs, maxBatchSize) : undefined;
    const batchScheduleFn =
      windowMs < 0
        ? (callback: () => void) => queueMicrotask(callback)
        : this.window === undefined
          ? undefined // DataLoader's post-promise-jobs tick
          : this.window.schedule;
    this.loader = new DataLoader<TCall[], void>(
      (batches) => {
        for (const calls of batches) {
          if (this.current === calls) this.current = undefined; // later calls start the next batch
          for (const batch of splitBySize(calls, maxBatchBytes)) dispatch(batch, priority);
        }
        return Promise.resolve(batches.map(() => undefined));
      },
      // One key per DataLoader batch: each of our batches is scheduled on its own, as DataLoader
      // schedules a batch that reached maxBatchSize.
      { cache: false, maxBatchSize: 1, ...(batchScheduleFn === undefined ? {} : { batchScheduleFn }) },
    );
  }

  enqueue(call: TCall): void {
    let calls = this.current;
    if (calls === undefined || calls.length >= this.maxBatchSize) {
      calls = [];
      this.current = calls;
      // The loader's promise only says the batch left; each call settles through its own promise.
      // It can only reject if `dispatch` throws, which the dispatcher never does; the catch keeps
      // such a bug from surfacing as an unhandled rejection on top of the calls' own errors.
      this.loader.load(calls).catch(() => {});
    }
    calls.push(call);
    this.window?.noteCall();
  }
}

/** Live calls in chunks whose estimated bytes stay within the limit (an oversized call travels alone). */
export function splitBySize<TCall extends Queueable>(calls: readonly TCall[], maxBytes: number): TCall[][] {
  const batches: TCall[][] = [];
  let batch: TCall[] = [];
  let bytes = BATCH_OVERHEAD_BYTES;
  for (const call of calls) {
    if (!call.live) continue;
    if (batch.length > 0 && bytes + call.size > maxBytes) {
      batches.push(batch);
      batch = [];
      bytes = BATCH_OVERHEAD_BYTES;
    }
    batch.push(call);
    bytes += call.size;
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
}

/**
 * A DataLoader `batchScheduleFn` with a sliding window: the batch leaves `windowMs` after its
 * latest call, `maxWaitMs` after its first at the latest, or at once when it is full.
 * DataLoader calls `schedule` when a batch opens; the lane reports each call with `noteCall`.
 */
class WindowSchedule {
  private current:
    | { fire: () => void; count: number; quiet: ReturnType<typeof setTimeout> | undefined }
    | undefined;

  constructor(
    private readonly windowMs: number,
    private readonly maxWaitMs: number,
    private readonly maxBatchSize: number,
  ) {}

  readonly schedule = (callback: () => void): void => {
    let fired = false;
    const deadline = setTimeout(() => batch.fire(), this.maxWaitMs);
    const batch = {
      count: 0,
      quiet: undefined as ReturnType<typeof setTimeout> | undefined,
      fire: () => {
        if (fired) return; // DataLoader dispatches a batch once per callback call
        fired = true;
        clearTimeout(deadline);
        clearTimeout(batch.quiet);
        if (this.current === batch) this.current = undefined;
        callback();
      },
    };
    this.current = batch;
  };

  noteCall(): void {
    const batch = this.current;
    if (batch === undefined) return;
    batch.count++;
    clearTimeout(batch.quiet);
    if (batch.count >= this.maxBatchSize) {
      batch.fire();
      return;
    }
    batch.quiet = setTimeout(batch.fire, this.windowMs);
  }
}
