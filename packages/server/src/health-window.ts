// A sliding window of recent request outcomes and latencies, for the health endpoint's targets.
//
// The window is a ring of equal time slots (12 of 5 s for the default minute). A slot is reused once its
// time has passed, so a minute-old burst of errors leaves the window in whole slots: the report always
// covers between `windowMs - slotMs` and `windowMs` of history, and memory stays fixed whatever the load.
// The clock is injected so tests move time instead of sleeping.

// Latency buckets grow by 5% from 0.1 ms (p95 within 5%, enough to tell 190 ms from 210 ms);
// 300 buckets reach past 3 hours, and longer values land in the last one.
const BASE_MS = 0.1;
const GROWTH = 1.05;
const LOG_GROWTH = Math.log(GROWTH);
const BUCKETS = 300;

/** Options of {@link HealthWindow}. */
export interface HealthWindowOptions {
  /** Length of the window in milliseconds. */
  readonly windowMs: number;
  /** Number of slots the window is cut into (more slots: a smoother slide, a costlier report). */
  readonly slots: number;
  /** Milliseconds on a monotonic clock. */
  readonly now: () => number;
}

/** What the window holds now. */
export interface HealthWindowSummary {
  /** Outcomes recorded in the window (requests and batch calls). */
  readonly requests: number;
  /** Outcomes that failed on the server's side (5xx, timeouts). */
  readonly failed: number;
  /** Latency samples in the window. */
  readonly samples: number;
  /** 95th percentile latency in ms over the window's samples (0 without samples). */
  readonly p95Ms: number;
}

interface Slot {
  /** Which slot of time (`floor(now / slotMs)`) this slot holds. */
  epoch: number;
  requests: number;
  failed: number;
  samples: number;
  max: number;
  readonly buckets: Float64Array;
}

/** A fixed-memory sliding window of outcomes and latencies. */
export class HealthWindow {
  /** Length of one slot in milliseconds: the window slides by this much. */
  readonly slotMs: number;
  private readonly ring: Slot[];
  private readonly now: () => number;
  private readonly merged = new Float64Array(BUCKETS);

  constructor(options: HealthWindowOptions) {
    const { windowMs, slots } = options;
    if (!(Number.isFinite(windowMs) && windowMs > 0)) {
      throw new TypeError(
        `[wirepack/server] health windowMs must be a positive number, got ${String(windowMs)}`,
      );
    }
    if (!(Number.isInteger(slots) && slots >= 1 && slots <= 1000)) {
      throw new TypeError(
        `[wirepack/server] health slots must be an integer from 1 to 1000, got ${String(slots)}`,
      );
    }
    this.slotMs = windowMs / slots;
    this.now = options.now;
    this.ring = Array.from({ length: slots }, () => ({
      epoch: -1,
      requests: 0,
      failed: 0,
      samples: 0,
      max: 0,
      buckets: new Float64Array(BUCKETS),
    }));
  }

  /** Counts one finished request or call; `failed` when it failed on the server's side. */
  outcome(failed: boolean): void {
    const slot = this.current();
    slot.requests++;
    if (failed) slot.failed++;
  }

  /** Records one latency in milliseconds. */
  latency(ms: number): void {
    const value = Number.isFinite(ms) && ms > 0 ? ms : 0;
    const slot = this.current();
    const index =
      value <= BASE_MS ? 0 : Math.min(BUCKETS - 1, Math.ceil(Math.log(value / BASE_MS) / LOG_GROWTH));
    slot.buckets[index] = (slot.buckets[index] as number) + 1;
    slot.samples++;
    if (value > slot.max) slot.max = value;
  }

  /** The window's counts and p95 as of now. */
  summary(): HealthWindowSummary {
    const epoch = Math.floor(this.now() / this.slotMs);
    const oldest = epoch - this.ring.length + 1;
    let requests = 0;
    let failed = 0;
    let samples = 0;
    let max = 0;
    this.merged.fill(0);
    for (const slot of this.ring) {
      if (slot.epoch < oldest || slot.epoch > epoch) continue;
      requests += slot.requests;
      failed += slot.failed;
      samples += slot.samples;
      if (slot.max > max) max = slot.max;
      for (let i = 0; i < BUCKETS; i++)
        this.merged[i] = (this.merged[i] as number) + (slot.buckets[i] as number);
    }
    return { requests, failed, samples, p95Ms: quantile(this.merged, samples, max, 0.95) };
  }

  /** The slot for now, emptied first when it still holds an older slot of time. */
  private current(): Slot {
    const epoch = Math.floor(this.now() / this.slotMs);
    const slot = this.ring[epoch % this.ring.length] as Slot;
    if (slot.epoch !== epoch) {
      slot.epoch = epoch;
      slot.requests = 0;
      slot.failed = 0;
      slot.samples = 0;
      slot.max = 0;
      slot.buckets.fill(0);
    }
    return slot;
  }
}

/** The bucket upper bound where the q-th sample falls, capped by the largest value seen. */
function quantile(buckets: Float64Array, count: number, max: number, q: number): number {
  if (count === 0) return 0;
  const rank = Math.ceil(q * count);
  let seen = 0;
  for (let i = 0; i < BUCKETS; i++) {
    seen += buckets[i] as number;
    if (seen >= rank) return Math.round(Math.min(max, BASE_MS * GROWTH ** i) * 1000) / 1000;
  }
  return max;
}
