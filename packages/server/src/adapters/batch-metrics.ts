import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { BatchHandler } from '../create-batch-handler.ts';
import type { HealthWindow } from '../health-window.ts';
import type { MetricsObserver, MetricsSnapshot } from '../metrics.ts';
import { STATUS_CLASS_LABELS, statusClassIndex } from './request-labels.ts';

/** Calls per batch: the client caps a batch at 1,000 calls by default (maxCalls). */
const CALL_BUCKETS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000];
/** Batch body bytes, by powers of four from 256 B to the 8 MiB default `maxBodyBytes`. */
const BYTE_BUCKETS = [256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 8388608];

/** The snapshot fields exported as counters or gauges at each scrape. */
type Totals = Pick<
  MetricsSnapshot,
  'cancels' | 'disconnects' | 'bytesOut' | 'activeBatches' | 'pendingCalls'
>;

/**
 * Batch metrics, from a batch handler's {@link MetricsObserver} as things happen (histograms, per-call
 * outcomes) and from its `metrics()` snapshot at each scrape (running totals and gauges, which cost
 * nothing per call).
 */
export class BatchMetrics {
  private readonly window: HealthWindow;
  private readonly batches: Counter;
  private readonly calls: Histogram;
  private readonly bytesIn: Histogram;
  private readonly batchDuration: Histogram;
  private readonly callDuration: Histogram;
  private readonly queueWait: Histogram;
  private readonly callsByStatus: { inc(): void }[];
  private readonly callStatus: Counter<'status_class'>;
  private readonly callErrors: Counter<'code'>;
  private readonly refused: Counter<'code'>;
  private readonly handlers = new Set<BatchHandler>();
  // What handlers no longer observed had counted, so totals never go down (Prometheus reads that as a reset).
  private readonly retired = { cancels: 0, disconnects: 0, bytesOut: 0 };

  constructor(registry: Registry, buckets: readonly number[], window: HealthWindow) {
    this.window = window;
    const registers = [registry];
    this.batches = new Counter({
      name: 'wirepack_batches_total',
      help: 'Batches admitted and streamed.',
      registers,
    });
    this.calls = new Histogram({
      name: 'wirepack_batch_calls',
      help: 'Calls per admitted batch.',
      buckets: CALL_BUCKETS,
      registers,
    });
    this.bytesIn = new Histogram({
      name: 'wirepack_batch_request_bytes',
      help: 'Batch body bytes as received (before decompression).',
      buckets: BYTE_BUCKETS,
      registers,
    });
    this.batchDuration = new Histogram({
      name: 'wirepack_batch_duration_seconds',
      help: "Time from a batch's arrival to its end frame.",
      buckets: [...buckets],
      registers,
    });
    this.callDuration = new Histogram({
      name: 'wirepack_batch_call_duration_seconds',
      help: 'Time a batched call ran (the app plus reading its body), same buckets as wirepack_http_request_duration_seconds.',
      buckets: [...buckets],
      registers,
    });
    this.queueWait = new Histogram({
      name: 'wirepack_batch_queue_wait_seconds',
      help: "Time a batched call waited for a slot of its batch's concurrency limit.",
      buckets: [...buckets],
      registers,
    });
    this.callStatus = new Counter({
      name: 'wirepack_batch_calls_total',
      help: "Batched calls finished, by status class (an error frame counts with its code's status: TIMEOUT 504, CANCELED 499).",
      labelNames: ['status_class'],
      registers,
    });
    this.callsByStatus = STATUS_CLASS_LABELS.map((label) => this.callStatus.labels(label));
    this.callErrors = new Counter({
      name: 'wirepack_batch_call_errors_total',
      help: 'Batched calls that ended in an error frame, by error code.',
      labelNames: ['code'],
      registers,
    });
    this.refused = new Counter({
      name: 'wirepack_batch_refused_total',
      help: 'Batches refused before streaming, by error code (OVERLOADED, BODY_TOO_LARGE, MALFORMED, ...).',
      labelNames: ['code'],
      registers,
    });
    const totals = (): Totals => this.totals();
    const counter = (name: string, help: string, field: 'cancels' | 'disconnects' | 'bytesOut'): void => {
      new Counter({
        name,
        help,
        registers,
        collect() {
          this.reset();
          this.inc(totals()[field]);
        },
      });
    };
    counter('wirepack_batch_cancels_total', 'Cancel messages received.', 'cancels');
    counter(
      'wirepack_batch_disconnects_total',
      'Batches whose client went away before the end frame.',
      'disconnects',
    );
    counter(
      'wirepack_batch_response_bytes_total',
      'Frame bytes written, before response compression.',
      'bytesOut',
    );
    const gauge = (name: string, help: string, field: 'activeBatches' | 'pendingCalls'): void => {
      new Gauge({
        name,
        help,
        registers,
        collect() {
          this.set(totals()[field]);
        },
      });
    };
    gauge('wirepack_batches_active', 'Batches running now.', 'activeBatches');
    gauge('wirepack_batch_calls_pending', 'Calls of running batches not finished yet.', 'pendingCalls');
  }

  /** A fresh observer for one batch handler. */
  observer(): MetricsObserver {
    return {
      batch: (calls, bytesIn) => {
        this.batches.inc();
        this.calls.observe(calls);
        this.bytesIn.observe(bytesIn);
      },
      call: (status, code) => {
        (this.callsByStatus[statusClassIndex(status)] as { inc(): void }).inc();
        if (code !== undefined) this.callErrors.inc({ code });
        this.window.outcome(status >= 500);
      },
      refuse: (code) => this.refused.inc({ code }),
      callMs: (ms) => {
        this.callDuration.observe(ms / 1000);
        this.window.latency(ms);
      },
      queueMs: (ms) => this.queueWait.observe(ms / 1000),
      batchMs: (ms) => this.batchDuration.observe(ms / 1000),
    };
  }

  /** Reads the handler's snapshot at each scrape until the returned function is called. */
  track(handler: BatchHandler): () => void {
    this.handlers.add(handler);
    return () => {
      if (!this.handlers.delete(handler)) return;
      const last = handler.metrics();
      this.retired.cancels += last.cancels;
      this.retired.disconnects += last.disconnects;
      this.retired.bytesOut += last.bytesOut;
    };
  }

  private totals(): Totals {
    const sum = { ...this.retired, activeBatches: 0, pendingCalls: 0 };
    for (const handler of this.handlers) {
      const snapshot = handler.metrics();
      sum.cancels += snapshot.cancels;
      sum.disconnects += snapshot.disconnects;
      sum.bytesOut += snapshot.bytesOut;
      sum.activeBatches += snapshot.activeBatches;
      sum.pendingCalls += snapshot.pendingCalls;
    }
    return sum;
  }
}
