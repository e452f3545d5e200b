/** Bounds of {@link EarlyCancels}. */
export interface EarlyCancelsOptions {
  /** Most batch ids remembered, for held cancels and for finished batches each. */
  readonly maxBatches: number;
  /** How long a held cancel or a finished batch is remembered, in milliseconds. */
  readonly ttlMs: number;
  /** Most call ids held for one batch; more are dropped (cancel is best-effort). */
  readonly maxIdsPerBatch: number;
  /** The clock, in milliseconds. */
  readonly now: () => number;
}

/** The defaults: 1,000 batches for 10 s, 256 call ids each (at most a few MB however it is flooded). */
export const DEFAULT_EARLY_CANCEL_OPTIONS: Readonly<EarlyCancelsOptions> = Object.freeze({
  maxBatches: 1000,
  ttlMs: 10_000,
  maxIdsPerBatch: 256,
  now: () => performance.now(),
});

interface Held {
  readonly ids: Set<number>;
  readonly expires: number;
}

/**
 * Cancel messages that arrive before their batch, and the batches that have just ended.
 *
 * The client sends a cancel with `keepalive` on whatever connection is free, so it can overtake the
 * batch it names: the server may still be reading or decoding that batch's body. Such a cancel is held
 * here, keyed by batch id, and applied when the batch registers, before any of its calls starts. A
 * cancel for a batch that ended a moment ago (the usual race: the result was already on its way) is
 * told apart by the `finished` record, so it is not held for nothing. Both records are bounded in count
 * and time: the oldest entry goes first, and nothing outlives `ttlMs`. The batch id (128 random bits)
 * is the capability to cancel, so a held cancel cannot be aimed at somebody else's batch.
 */
export class EarlyCancels {
  private readonly options: EarlyCancelsOptions;
  // Maps iterate in insertion order and every entry lives equally long, so the oldest is always first.
  private readonly held = new Map<string, Held>();
  private readonly finished = new Map<string, number>();

  constructor(options: Partial<EarlyCancelsOptions> = {}) {
    this.options = { ...DEFAULT_EARLY_CANCEL_OPTIONS, ...options };
  }

  /** Holds call ids to cancel once a batch with this id registers. A repeated id changes nothing. */
  hold(batchId: string, ids: readonly number[]): void {
    const now = this.options.now();
    this.sweep(now);
    let entry = this.held.get(batchId);
    if (entry === undefined) {
      if (this.held.size >= this.options.maxBatches)
        this.held.delete(this.held.keys().next().value as string);
      entry = { ids: new Set(), expires: now + this.options.ttlMs };
      this.held.set(batchId, entry);
    }
    for (const id of ids) {
      if (entry.ids.size >= this.options.maxIdsPerBatch) break;
      entry.ids.add(id);
    }
  }

  /** Takes (and forgets) the call ids held for a batch that is registering now. */
  take(batchId: string): ReadonlySet<number> | undefined {
    if (this.held.size === 0) return undefined;
    this.sweep(this.options.now());
    const entry = this.held.get(batchId);
    if (entry === undefined) return undefined;
    this.held.delete(batchId);
    return entry.ids;
  }

  /** Records that a batch ended (finished or abandoned): a later cancel for it has nothing to do. */
  finish(batchId: string): void {
    const now = this.options.now();
    this.sweep(now);
    if (this.finished.size >= this.options.maxBatches) {
      this.finished.delete(this.finished.keys().next().value as string);
    }
    this.finished.delete(batchId); // re-inserted at the end, so the oldest stays first
    this.finished.set(batchId, now + this.options.ttlMs);
  }

  /** Whether a batch with this id ended within the last `ttlMs`. */
  hasFinished(batchId: string): boolean {
    this.sweep(this.options.now());
    return this.finished.has(batchId);
  }

  /** Drops what has expired, from the oldest. */
  private sweep(now: number): void {
    for (const [batchId, entry] of this.held) {
      if (entry.expires > now) break;
      this.held.delete(batchId);
    }
    for (const [batchId, expires] of this.finished) {
      if (expires > now) break;
      this.finished.delete(batchId);
    }
  }
}
