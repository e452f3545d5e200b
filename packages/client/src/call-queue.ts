import type { Priority } from '@wirepack/protocol';
import { BATCH_OVERHEAD_BYTES } from './batch-encoding.ts';

/** What the queue needs to know about a call: its size, and whether anyone still waits for it. */
export interface Queueable {
  /** Upper bound of the call's encoded bytes (see batch-encoding.ts). */
  readonly size: number;
  /** Someone still waits for the call; a call nobody waits for is dropped before sending. */
  readonly live: boolean;
  /** The call has not left with a batch yet. */
  readonly queued: boolean;
  /** Its lane. */
  readonly priority: Priority;
}

/** Scheduling options of a {@link CallQueue} (see BatchFetchOptions for each). */
export interface CallQueueOptions {
  readonly windowMs: number;
  readonly maxWaitMs: number;
  readonly lowPriorityWindowMs: number;
  readonly maxBatchSize: number;
  readonly maxBatchBytes: number;
}

/**
 * The client's whole schedule, and nothing else (no HTTP, no wire format): which calls travel
 * together, when their batch leaves, how big it may be, and which calls share one.
 *
 * When: each priority is a lane with its own open batch.
 * - `high` never waits: its batch leaves at the end of the current microtask, on its own.
 * - `auto`, by default, leaves at the end of the current tick, after pending promise jobs
 *   ({@link endOfTick}; no latency floor, graphql/dataloader#58). With `windowMs`, a batch leaves
 *   `windowMs` after its latest call, at most `maxWaitMs` after its first.
 * - `low` waits `lowPriorityWindowMs` (or `windowMs` if longer) to gather company.
 *
 * How big: a batch holds at most `maxBatchSize` calls (the next call opens the next batch; with a
 * window, a full batch leaves at once) and is split on leaving so that its estimated body stays
 * within `maxBatchBytes` (an oversized call travels alone). Nothing is ever refused.
 *
 * In what order: batches leave in the order their time comes; the server runs higher priorities
 * first within a batch.
 *
 * Dedupe: an identical call (same key) shares a call that already left, or one queued in its own
 * lane; a `high` call never shares a queued `low` one, which would make it wait for `low`'s window.
 *
 * Calls whose callers all left before their batch leaves are dropped; a batch of only such calls
 * is never sent. `dispatch` must not throw (the batch dispatcher settles its calls instead).
 */
export class CallQueue<TCall extends Queueable> {
  private readonly lanes: Readonly<Record<Priority, Lane<TCall>>>;
  /** The call each dedupe key shares, until it settles or everyone leaves it. */
  private readonly shareable = new Map<string, TCall>();

  constructor(
    dispatch: (calls: TCall[], priority: Priority) => void,
    options: CallQueueOptions,
    /** How the end of the current tick is awaited; tests and odd runtimes may give their own. */
    tick: (callback: () => void) => void = endOfTick,
  ) {
    const { windowMs, maxWaitMs, lowPriorityWindowMs } = options;
    this.lanes = {
      high: new Lane('high', { kind: 'microtask' }, dispatch, options),
      auto: new Lane(
        'auto',
        windowMs > 0
          ? { kind: 'window', windowMs, maxWaitMs: maxWaitMs || windowMs }
          : { kind: 'tick', tick },
        dispatch,
        options,
      ),
      low: new Lane(
        'low',
        Math.max(lowPriorityWindowMs, windowMs) > 0
          ? {
              kind: 'window',
              windowMs: Math.max(lowPriorityWindowMs, windowMs),
              maxWaitMs: Math.max(lowPriorityWindowMs, maxWaitMs),
            }
          : { kind: 'tick', tick },
        dispatch,
        options,
      ),
    };
  }

  /** Adds a call to the open batch of its lane; with `key`, identical calls may share it until {@link forget}. */
  enqueue(call: TCall, key?: string): void {
    if (key !== undefined) this.shareable.set(key, call);
    this.lanes[call.priority].enqueue(call);
  }

  /** The call an identical call of `priority` should share, if any (see the class comment). */
  shared(key: string, priority: Priority): TCall | undefined {
    const call = this.shareable.get(key);
    if (call === undefined) return undefined;
    return !call.queued || call.priority === priority ? call : undefined;
  }

  /** Stops sharing a call (it settled, or everyone left it). */
  forget(key: string, call: TCall): void {
    if (this.shareable.get(key) === call) this.shareable.delete(key);
  }
}

/** When a lane's batch leaves. */
type Departure =
  | { readonly kind: 'microtask' }
  | { readonly kind: 'tick'; readonly tick: (callback: () => void) => void }
  | { readonly kind: 'window'; readonly windowMs: number; readonly maxWaitMs: number };

interface OpenBatch<TCall> {
  readonly calls: TCall[];
  left: boolean;
  /** Window lanes: the maxWaitMs deadline and the windowMs quiet timer. */
  deadline: ReturnType<typeof setTimeout> | undefined;
  quiet: ReturnType<typeof setTimeout> | undefined;
}

class Lane<TCall extends Queueable> {
  private open: OpenBatch<TCall> | undefined;

  constructor(
    private readonly priority: Priority,
    private readonly departure: Departure,
    private readonly dispatch: (calls: TCall[], priority: Priority) => void,
    private readonly options: CallQueueOptions,
  ) {}

  enqueue(call: TCall): void {
    let batch = this.open;
    if (batch === undefined || batch.calls.length >= this.options.maxBatchSize) batch = this.start();
    batch.calls.push(call);
    const departure = this.departure;
    if (departure.kind !== 'window') return;
    clearTimeout(batch.quiet);
    if (batch.calls.length >= this.options.maxBatchSize) this.leave(batch);
    else batch.quiet = setTimeout(() => this.leave(batch), departure.windowMs);
  }

  private start(): OpenBatch<TCall> {
    const batch: OpenBatch<TCall> = { calls: [], left: false, deadline: undefined, quiet: undefined };
    this.open = batch;
    const leave = (): void => this.leave(batch);
    const departure = this.departure;
    if (departure.kind === 'microtask') queueMicrotask(leave);
    else if (departure.kind === 'tick') departure.tick(leave);
    else batch.deadline = setTimeout(leave, departure.maxWaitMs);
    return batch;
  }

  private leave(batch: OpenBatch<TCall>): void {
    if (batch.left) return;
    batch.left = true;
    clearTimeout(batch.deadline);
    clearTimeout(batch.quiet);
    if (this.open === batch) this.open = undefined;
    for (const calls of splitBySize(batch.calls, this.options.maxBatchBytes))
      this.dispatch(calls, this.priority);
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

let resolved: Promise<void> | undefined;

/**
 * Runs `callback` at the end of the current tick, after the promise jobs already queued, so calls
 * made across a few `await`s of one tick still travel together. This is graphql/dataloader's
 * `enqueuePostPromiseJob` (src/index.js), which the client used before it had its own queue, kept
 * exactly: in Node a `process.nextTick` queued from a promise job (it runs after the promise jobs
 * of this tick, before any timer or I/O); elsewhere `setImmediate` where it exists, else
 * `setTimeout(callback)`.
 */
export function endOfTick(callback: () => void): void {
  const node = (globalThis as { process?: { nextTick?: (callback: () => void) => void } }).process;
  if (typeof node?.nextTick === 'function') {
    resolved ??= Promise.resolve();
    void resolved.then(() => node.nextTick?.(callback));
    return;
  }
  const setImmediate = (globalThis as { setImmediate?: (callback: () => void) => void }).setImmediate;
  if (typeof setImmediate === 'function') setImmediate(callback);
  else setTimeout(callback);
}
