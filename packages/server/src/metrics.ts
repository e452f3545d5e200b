import { ERROR_STATUS } from '@wirepack/protocol';

/** A latency distribution in milliseconds. Quantiles come from log-spaced buckets (within ~5%). */
export interface HistogramSnapshot {
  readonly count: number;
  readonly sum: number;
  readonly max: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
}

/** What {@link BatchHandler.metrics} returns: counters since the handler was created. */
export interface MetricsSnapshot {
  /** Batches accepted (a 200 frame stream was started). */
  readonly batches: number;
  /** Batches refused before streaming, by error code (OVERLOADED, BODY_TOO_LARGE, MALFORMED ...). */
  readonly refused: Readonly<Record<string, number>>;
  /** Cancel messages received. */
  readonly cancels: number;
  /** Batches whose client went away before the end frame. */
  readonly disconnects: number;
  /** Sub-requests finished (a result or an error frame, or dropped by a disconnect). */
  readonly calls: number;
  /** Result frames by status class: `2xx`, `3xx`, `4xx`, `5xx`. */
  readonly statuses: Readonly<Record<string, number>>;
  /** Error frames by code (TIMEOUT, CANCELED, INVALID_PATH ...). */
  readonly errors: Readonly<Record<string, number>>;
  /**
   * Share of finished calls that failed on the server's side: 5xx results plus error frames other than
   * CANCELED (a caller's choice), over all finished calls. 0 when nothing ran yet.
   */
  readonly errorRate: number;
  /** Time sub-requests waited for a concurrency slot. */
  readonly queueMs: HistogramSnapshot;
  /** Time from a sub-request's start to its frame (the app's work plus reading its body). */
  readonly callMs: HistogramSnapshot;
  /** Time from a batch's arrival to its end frame. */
  readonly batchMs: HistogramSnapshot;
  /** Batch body bytes as received. */
  readonly bytesIn: number;
  /** Frame bytes written, before response compression. */
  readonly bytesOut: number;
  /** Batches running now. */
  readonly activeBatches: number;
  /** Sub-requests of running batches not finished yet. */
  readonly pendingCalls: number;
}

// Buckets grow by 10% from 10 microseconds: 200 buckets reach ~30 minutes.
const BASE = 0.01;
const GROWTH = 1.1;
const LOG_GROWTH = Math.log(GROWTH);
const BUCKETS = 200;

/**
 * What an exporter (the Prometheus adapter, `@wirepack/server/metrics`) sees of a batch handler's work as it
 * happens, installed with {@link BatchHandler.observe}. Every method runs on the hot path: keep it cheap.
 */
export interface MetricsObserver {
  /** A batch was admitted: its number of calls and its body bytes as received. */
  batch(calls: number, bytesIn: number): void;
  /** A sub-request finished: `status` for a result frame, `code` (and its HTTP status) for an error frame. */
  call(status: number, code: string | undefined): void;
  /** A batch was refused before streaming, with its error code. */
  refuse(code: string): void;
  /** Milliseconds a sub-request ran (only calls that started). */
  callMs(ms: number): void;
  /** Milliseconds a sub-request waited for a concurrency slot. */
  queueMs(ms: number): void;
  /** Milliseconds from a batch's arrival to its end frame, and the frame bytes it wrote. */
  batchMs(ms: number): void;
}

/** A fixed-memory histogram: log-spaced bucket counts, so p95 stays computable after billions of samples. */
export class Histogram {
  /** Sees every recorded value (an exporter's hook); undefined by default, which costs one check. */
  onRecord: ((ms: number) => void) | undefined = undefined;
  private readonly counts = new Float64Array(BUCKETS);
  private count = 0;
  private sum = 0;
  private max = 0;

  record(ms: number): void {
    const value = Number.isFinite(ms) && ms > 0 ? ms : 0;
    const index = value <= BASE ? 0 : Math.min(BUCKETS - 1, Math.ceil(Math.log(value / BASE) / LOG_GROWTH));
    this.counts[index] = (this.counts[index] as number) + 1;
    this.count++;
    this.sum += value;
    if (value > this.max) this.max = value;
    if (this.onRecord !== undefined) this.onRecord(value);
  }

  snapshot(): HistogramSnapshot {
    return {
      count: this.count,
      sum: round(this.sum),
      max: round(this.max),
      p50: this.quantile(0.5),
      p95: this.quantile(0.95),
      p99: this.quantile(0.99),
    };
  }

  private quantile(q: number): number {
    if (this.count === 0) return 0;
    const rank = q * this.count;
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i] as number;
      // The bucket's upper bound, capped by the largest value seen (exact for the top quantiles).
      if (seen >= rank) return round(Math.min(this.max, BASE * GROWTH ** i));
    }
    return round(this.max);
  }
}

/** Status class names, made once rather than per call. */
const STATUS_CLASSES: readonly string[] = ['0xx', '1xx', '2xx', '3xx', '4xx', '5xx'];

/** The HTTP status of an error frame's code (ERROR_STATUS), 500 for a code outside the closed set. */
function statusOf(code: string): number {
  return Object.hasOwn(ERROR_STATUS, code) ? ERROR_STATUS[code as keyof typeof ERROR_STATUS] : 500;
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}

function bump(counts: Record<string, number>, key: string, by = 1): void {
  counts[key] = (counts[key] ?? 0) + by;
}

/** The handler's counters; updated by batches, read by `metrics()`. */
export class Metrics {
  batches = 0;
  cancels = 0;
  disconnects = 0;
  calls = 0;
  bytesIn = 0;
  bytesOut = 0;
  activeBatches = 0;
  pendingCalls = 0;
  private failed = 0;
  private readonly refused: Record<string, number> = Object.create(null);
  private readonly statuses: Record<string, number> = Object.create(null);
  private readonly errors: Record<string, number> = Object.create(null);
  readonly queueMs: Histogram = new Histogram();
  readonly callMs: Histogram = new Histogram();
  readonly batchMs: Histogram = new Histogram();
  private observer: MetricsObserver | undefined = undefined;

  /** Installs the one observer of these counters; returns a function that removes it. */
  observe(observer: MetricsObserver): () => void {
    if (this.observer !== undefined) {
      throw new TypeError('[wirepack/server] this batch handler already has a metrics observer');
    }
    this.observer = observer;
    this.callMs.onRecord = (ms) => observer.callMs(ms);
    this.queueMs.onRecord = (ms) => observer.queueMs(ms);
    this.batchMs.onRecord = (ms) => observer.batchMs(ms);
    return () => {
      if (this.observer !== observer) return;
      this.observer = undefined;
      this.callMs.onRecord = undefined;
      this.queueMs.onRecord = undefined;
      this.batchMs.onRecord = undefined;
    };
  }

  /** A batch was admitted (decoded, within limits, about to run). */
  admit(calls: number, bytesIn: number): void {
    this.batches++;
    this.bytesIn += bytesIn;
    if (this.observer !== undefined) this.observer.batch(calls, bytesIn);
  }

  refuse(code: string): void {
    bump(this.refused, code);
    if (this.observer !== undefined) this.observer.refuse(code);
  }

  result(status: number): void {
    this.calls++;
    bump(this.statuses, STATUS_CLASSES[Math.floor(status / 100)] ?? `${Math.floor(status / 100)}xx`);
    if (status >= 500) this.failed++;
    if (this.observer !== undefined) this.observer.call(status, undefined);
  }

  error(code: string): void {
    this.calls++;
    bump(this.errors, code);
    if (code !== 'CANCELED') this.failed++;
    if (this.observer !== undefined) this.observer.call(statusOf(code), code);
  }

  snapshot(): MetricsSnapshot {
    return {
      batches: this.batches,
      refused: { ...this.refused },
      cancels: this.cancels,
      disconnects: this.disconnects,
      calls: this.calls,
      statuses: { ...this.statuses },
      errors: { ...this.errors },
      errorRate: this.calls === 0 ? 0 : this.failed / this.calls,
      queueMs: this.queueMs.snapshot(),
      callMs: this.callMs.snapshot(),
      batchMs: this.batchMs.snapshot(),
      bytesIn: this.bytesIn,
      bytesOut: this.bytesOut,
      activeBatches: this.activeBatches,
      pendingCalls: this.pendingCalls,
    };
  }
}
