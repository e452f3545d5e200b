import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { BatchHandler } from '../create-batch-handler.ts';
import {
  HealthMonitor,
  type HealthReport,
  type HealthThresholds,
  type ResourceSample,
  resolveThresholds,
} from '../health.ts';
import { pathnameOf } from '../pathname-of.ts';
import { BatchMetrics } from './batch-metrics.ts';
import { HttpMetrics } from './http-metrics.ts';
import { healthResponse, metricsResponse, notAllowed } from './metrics-responses.ts';
import { createResourceSampler, readResourceLimits } from './resource-sampler.ts';

/** Options of the health report of {@link createServerMetrics}. */
export interface HealthOptions {
  /**
   * Length of the sliding window the targets are judged over, in milliseconds.
   * @default 60000
   */
  readonly windowMs?: number;
  /**
   * Slots the window is cut into: it slides by `windowMs / slots`.
   * @default 12
   */
  readonly slots?: number;
  /**
   * Fewer finished requests and calls than this in the window leave the latency and error targets met.
   * @default 20
   */
  readonly minRequests?: number;
  /** Overrides of {@link DEFAULT_HEALTH_THRESHOLDS}. */
  readonly thresholds?: Partial<HealthThresholds>;
  /**
   * The monotonic clock in milliseconds, for the window and for timing plain requests (tests move it
   * instead of sleeping).
   * @default performance.now
   */
  readonly now?: () => number;
  /**
   * Reads process CPU and memory (tests inject load).
   * @default process.cpuUsage and RSS against the cgroup's limits, else the host's
   */
  readonly sample?: () => ResourceSample;
}

/** Options of {@link createServerMetrics}. */
export interface ServerMetricsOptions {
  /**
   * Path of the Prometheus text endpoint the instrumented handler answers; `false` for none (serve
   * `metrics.registry.metrics()` yourself, say on an internal port).
   * @default '/metrics'
   */
  readonly path?: string | false;
  /**
   * Path of the health endpoint (JSON, 200 when all four targets are met, 503 when one is missed).
   * @default '/healthz'
   */
  readonly healthPath?: string | false;
  /**
   * Names the route class of a plain request, a label value such as `'api'` or `'static'`; never return
   * the raw path. Requests to an observed batch handler's endpoint are `'batch'`.
   * @default every other request is `'other'`
   */
  readonly routeClass?: (request: Request, pathname: string) => string;
  /**
   * Distinct route classes kept as labels; further ones, and names that are not short tokens, are `'other'`.
   * @default 20
   */
  readonly maxRouteClasses?: number;
  /**
   * Latency histogram buckets in seconds, for plain requests and batched calls alike.
   * @default DEFAULT_LATENCY_BUCKETS (dense around the 200 ms target)
   */
  readonly buckets?: readonly number[];
  /**
   * Also collect prom-client's default metrics into the registry: `process_cpu_seconds_total`,
   * `process_resident_memory_bytes`, `nodejs_eventloop_lag_*` (monitorEventLoopDelay), heap and GC.
   * The shipped CPU and memory alerts read the first two.
   * @default true
   */
  readonly defaultMetrics?: boolean;
  /** The health report's window and thresholds. */
  readonly health?: HealthOptions;
}

/** Options of {@link ServerMetrics.instrument}. */
export interface InstrumentOptions {
  /**
   * The batch handler inside a composed handler (static files in front of it, say): observed, and
   * requests to its endpoint labelled `'batch'`. Found by itself when the handler is the batch handler.
   * @default the handler, when it is a batch handler
   */
  readonly batch?: BatchHandler;
}

/** Latency buckets in seconds: dense from 50 to 500 ms, so the p95 against the 200 ms target is sharp. */
export const DEFAULT_LATENCY_BUCKETS: readonly number[] = Object.freeze([
  0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 1, 2.5, 5, 10,
]);

/** The defaults of {@link ServerMetricsOptions} and {@link HealthOptions}. */
export const DEFAULT_SERVER_METRICS_OPTIONS: {
  readonly path: string;
  readonly healthPath: string;
  readonly maxRouteClasses: number;
  readonly defaultMetrics: boolean;
  readonly health: { readonly windowMs: number; readonly slots: number; readonly minRequests: number };
} = Object.freeze({
  path: '/metrics',
  healthPath: '/healthz',
  maxRouteClasses: 20,
  defaultMetrics: true,
  health: Object.freeze({ windowMs: 60_000, slots: 12, minRequests: 20 }),
});

/** What {@link createServerMetrics} returns: the registry, the handler wrapper, and hooks for other layers. */
export interface ServerMetrics {
  /** This instance's own registry (never prom-client's global one, so two servers in a process do not collide). */
  readonly registry: Registry;
  /**
   * Wraps any `(Request) => Promise<Response>` handler: counts and times every request (time to the
   * response head) by method, route class and status class, answers the metrics and health paths, and
   * observes the handler when it is a batch handler. A handler that throws counts as a 5xx, and the error
   * is re-thrown.
   */
  instrument(
    handler: (request: Request) => Response | Promise<Response>,
    options?: InstrumentOptions,
  ): (request: Request) => Promise<Response>;
  /** Observes a batch handler's batches and calls (done by {@link instrument} for the handler it wraps). */
  observe(handler: BatchHandler): () => void;
  /** The four targets over the sliding window, as the health endpoint answers them. */
  health(): HealthReport;
  /**
   * For a response cache: a request answered from the cache (`wirepack_cache_requests_total{result="hit"}`),
   * or with a stored body the origin confirmed with a 304 (`'revalidated'`).
   */
  recordCacheHit(result?: 'hit' | 'revalidated'): void;
  /** For a response cache: a cacheable request the cache could not answer. */
  recordCacheMiss(): void;
  /** For admission control: a request or call answered 503 without running, by its priority. */
  recordShed(priority?: 'high' | 'auto' | 'low'): void;
  /** For a compression stage: one response's bytes before and after encoding (`br`, `gzip`, `zstd`, `deflate`). */
  recordCompression(encoding: string, bytesIn: number, bytesOut: number): void;
  /** For admission control: a reader of the queue's length, summed into `wirepack_queue_length` at each scrape. */
  queueLength(read: () => number): () => void;
  /** Stops the health sampling timer. The registry stays readable. */
  close(): void;
}

/**
 * Prometheus metrics and a health endpoint for a wirepack server, on a registry of its own.
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http';
 * import { createBatchHandler } from '@wirepack/server';
 * import { toNodeListener } from '@wirepack/server/node';
 * import { createServerMetrics } from '@wirepack/server/metrics';
 *
 * const metrics = createServerMetrics({ routeClass: (_, path) => (path.startsWith('/api/') ? 'api' : 'static') });
 * const handler = createBatchHandler({ fetch: app.fetch });
 * createServer(toNodeListener(metrics.instrument(handler))).listen(3000); // GET /metrics, GET /healthz
 * ```
 */
export function createServerMetrics(options: ServerMetricsOptions = {}): ServerMetrics {
  const defaults = DEFAULT_SERVER_METRICS_OPTIONS;
  const path = resolvePath(options.path, defaults.path, 'path');
  const healthPath = resolvePath(options.healthPath, defaults.healthPath, 'healthPath');
  const buckets = resolveBuckets(options.buckets ?? DEFAULT_LATENCY_BUCKETS);
  const maxRouteClasses = options.maxRouteClasses ?? defaults.maxRouteClasses;
  if (!(Number.isInteger(maxRouteClasses) && maxRouteClasses >= 0 && maxRouteClasses <= 1000)) {
    throw new TypeError(
      `[wirepack/server] maxRouteClasses must be an integer from 0 to 1000, got ${String(maxRouteClasses)}`,
    );
  }
  const healthOptions = options.health ?? {};
  const limits = healthOptions.sample === undefined ? readResourceLimits() : undefined;
  const sample = healthOptions.sample ?? createResourceSampler(limits);
  const now = healthOptions.now ?? (() => performance.now());
  const monitor = new HealthMonitor({
    windowMs: healthOptions.windowMs ?? defaults.health.windowMs,
    slots: healthOptions.slots ?? defaults.health.slots,
    minRequests: healthOptions.minRequests ?? defaults.health.minRequests,
    thresholds: resolveThresholds(healthOptions.thresholds),
    now,
    sample,
  });

  const registry = new Registry();
  if (options.defaultMetrics ?? defaults.defaultMetrics) collectDefaultMetrics({ register: registry });
  const http = new HttpMetrics(registry, buckets, maxRouteClasses, options.routeClass, monitor.window);
  const batches = new BatchMetrics(registry, buckets, monitor.window);
  const extras = registerExtras(registry, sample, () => monitor.report());
  const slotMs = monitor.window.slotMs;
  // Samples CPU once a slot even when nobody asks for health, so the CPU figure spans the window.
  const timer = setInterval(() => monitor.tick(), slotMs);
  timer.unref();
  const observed = new WeakSet<BatchHandler>();

  function observe(handler: BatchHandler): () => void {
    observed.add(handler);
    const stop = handler.observe(batches.observer());
    const untrack = batches.track(handler);
    return () => {
      stop();
      untrack();
      observed.delete(handler);
    };
  }

  function instrument(
    handler: (request: Request) => Response | Promise<Response>,
    instrumentOptions: InstrumentOptions = {},
  ): (request: Request) => Promise<Response> {
    if (typeof handler !== 'function') {
      throw new TypeError(
        `[wirepack/server] instrument() takes a (request) => Response handler, got ${typeof handler}`,
      );
    }
    const given = instrumentOptions.batch;
    if (given !== undefined && !isBatchHandler(given)) {
      throw new TypeError(
        '[wirepack/server] instrument(): options.batch must be a createBatchHandler() handler',
      );
    }
    const batch = given ?? (isBatchHandler(handler) ? handler : undefined);
    if (batch !== undefined && !observed.has(batch)) observe(batch);
    const endpoint = batch?.endpoint;
    return async (request: Request): Promise<Response> => {
      const pathname = pathnameOf(request.url);
      if (pathname === path) {
        return isRead(request) ? metricsResponse(registry, request.method) : notAllowed();
      }
      if (pathname === healthPath) {
        return isRead(request) ? healthResponse(monitor.report(), request.method) : notAllowed();
      }
      const start = now();
      const isBatch = pathname === endpoint;
      let response: Response;
      try {
        response = await handler(request);
      } catch (error) {
        // The client went away and the app gave up on it: the client's doing (499, as nginx logs it),
        // not a failure on the server's side that the health window should count against the error rate.
        const status = request.signal.aborted ? CLIENT_CLOSED_REQUEST : 500;
        http.record(request, pathname, isBatch, status, now() - start);
        throw error;
      }
      http.record(request, pathname, isBatch, response.status, now() - start);
      return response;
    };
  }

  return {
    registry,
    instrument,
    observe,
    health: () => monitor.report(),
    recordCacheHit: (result = 'hit') =>
      extras.cache.inc({ result: result === 'revalidated' ? 'revalidated' : 'hit' }),
    recordCacheMiss: () => extras.cache.inc({ result: 'miss' }),
    recordShed: (priority = 'auto') =>
      extras.shed.inc({ priority: PRIORITIES.has(priority) ? priority : 'auto' }),
    recordCompression: (encoding, bytesIn, bytesOut) => extras.compression(encoding, bytesIn, bytesOut),
    queueLength: (read) => extras.queueLength(read),
    close: () => clearInterval(timer),
  };
}

/** nginx's status for a request whose client closed the connection before the answer. */
const CLIENT_CLOSED_REQUEST = 499;

const PRIORITIES: ReadonlySet<string> = new Set(['high', 'auto', 'low']);
const ENCODINGS: ReadonlySet<string> = new Set(['br', 'gzip', 'zstd', 'deflate']);

/** The metrics other layers feed through the hooks, and the resource and health gauges. */
function registerExtras(registry: Registry, sample: () => ResourceSample, report: () => HealthReport) {
  const registers = [registry];
  const cache = new Counter({
    name: 'wirepack_cache_requests_total',
    help: 'Cacheable requests by cache result (hit: answered from the cache; revalidated: its stored body confirmed by a 304).',
    labelNames: ['result'],
    registers,
  });
  const shed = new Counter({
    name: 'wirepack_shed_total',
    help: 'Requests and calls answered 503 with Retry-After without running (load shedding), by priority.',
    labelNames: ['priority'],
    registers,
  });
  const compressionIn = new Counter({
    name: 'wirepack_compression_in_bytes_total',
    help: 'Response bytes before compression, by content coding.',
    labelNames: ['encoding'],
    registers,
  });
  const compressionOut = new Counter({
    name: 'wirepack_compression_out_bytes_total',
    help: 'Response bytes after compression, by content coding.',
    labelNames: ['encoding'],
    registers,
  });
  const compressionSaved = new Counter({
    name: 'wirepack_compression_saved_bytes_total',
    help: 'Response bytes saved by compression (before minus after, never negative), by content coding.',
    labelNames: ['encoding'],
    registers,
  });
  const readers = new Set<() => number>();
  new Gauge({
    name: 'wirepack_queue_length',
    help: 'Requests and calls waiting for admission now.',
    registers,
    collect() {
      let total = 0;
      for (const read of readers) total += read();
      this.set(total);
    },
  });
  new Gauge({
    name: 'wirepack_process_cpu_cores',
    help: 'CPU cores available to the process (cgroup quota, else the host); the CPU target divides by it.',
    registers,
    collect() {
      this.set(sample().cpuCores);
    },
  });
  new Gauge({
    name: 'wirepack_process_memory_limit_bytes',
    help: 'Memory the process may use (cgroup limit, else the host); the memory target divides RSS by it.',
    registers,
    collect() {
      this.set(sample().memoryLimitBytes);
    },
  });
  new Gauge({
    name: 'wirepack_health_target_met',
    help: 'Whether a target of the health endpoint is met over its window (1) or missed (0).',
    labelNames: ['target'],
    registers,
    collect() {
      const { targets } = report();
      for (const [name, target] of Object.entries(targets)) this.set({ target: name }, target.met ? 1 : 0);
    },
  });
  return {
    cache,
    shed,
    compression(encoding: string, bytesIn: number, bytesOut: number): void {
      if (!(bytesIn >= 0 && bytesOut >= 0 && Number.isFinite(bytesIn) && Number.isFinite(bytesOut))) return;
      const labels = { encoding: ENCODINGS.has(encoding) ? encoding : 'other' };
      compressionIn.inc(labels, bytesIn);
      compressionOut.inc(labels, bytesOut);
      compressionSaved.inc(labels, Math.max(0, bytesIn - bytesOut));
    },
    queueLength(read: () => number): () => void {
      readers.add(read);
      return () => readers.delete(read);
    },
  };
}

function isBatchHandler(handler: unknown): handler is BatchHandler {
  return (
    typeof handler === 'function' &&
    typeof (handler as BatchHandler).observe === 'function' &&
    typeof (handler as BatchHandler).endpoint === 'string'
  );
}

function isRead(request: Request): boolean {
  return request.method === 'GET' || request.method === 'HEAD';
}

function resolvePath(value: string | false | undefined, fallback: string, name: string): string | undefined {
  if (value === false) return undefined;
  const path = value ?? fallback;
  if (typeof path !== 'string' || !path.startsWith('/') || path.includes('?') || path.includes('#')) {
    throw new TypeError(
      `[wirepack/server] ${name} must be a path such as '${fallback}' or false, got ${String(value)}`,
    );
  }
  return path;
}

function resolveBuckets(buckets: readonly number[]): number[] {
  const sorted = [...buckets];
  const valid =
    sorted.length > 0 &&
    sorted.every(
      (value, i) => Number.isFinite(value) && value > 0 && (i === 0 || value > (sorted[i - 1] as number)),
    );
  if (!valid) throw new TypeError('[wirepack/server] buckets must be increasing positive numbers of seconds');
  return sorted;
}
