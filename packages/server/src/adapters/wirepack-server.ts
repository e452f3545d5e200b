import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Gauge } from 'prom-client';
import { type AdmissionController, createAdmissionController } from '../admission/admission-controller.ts';
import { withAdmission } from '../admission/with-admission.ts';
import { createResponseCache, type ResponseCache } from '../cache/create-response-cache.ts';
import { routesFetch } from '../calls/routes-fetch.ts';
import { compose, isPassResponse } from '../compose.ts';
import { type BatchHandler, createBatchHandler } from '../create-batch-handler.ts';
import { createMsgpackHandler } from '../msgpack/create-msgpack-handler.ts';
import type { FetchHandler } from '../options.ts';
import { eventLoopPressure } from './event-loop-pressure.ts';
import { nodeCompression } from './node-compression.ts';
import { toNodeListener } from './node-http.ts';
import { createServerMetrics, type ServerMetrics } from './prometheus.ts';
import { type StaticHandler, serveStatic } from './serve-static.ts';
import {
  checkServerOptions,
  DEFAULT_WIREPACK_SERVER_OPTIONS,
  type WirepackServerOptions,
} from './wirepack-server-options.ts';

/** Where {@link WirepackServer.listen} binds. */
export interface ListenOptions {
  /**
   * TCP port; 0 picks a free one (read it back from the result).
   * @default 3000
   */
  readonly port?: number;
  /**
   * Interface address. Loopback by default: a server behind a proxy or load balancer on the same host
   * needs no more, and exposing it is a decision (`'0.0.0.0'`, `'::'`).
   * @default '127.0.0.1'
   */
  readonly host?: string;
}

/** What {@link WirepackServer.listen} resolves to. */
export interface Listening {
  readonly server: Server;
  readonly port: number;
  /** `http://host:port`, IPv6 hosts bracketed. */
  readonly url: string;
}

/** What `createWirepackServer` returns. */
export interface WirepackServer {
  /**
   * The whole server as a Web-standard handler: metrics and health, static files, then admission, cache,
   * msgpack and the app. Compression is not in it: it is the Node listener's stage.
   */
  readonly fetch: (request: Request) => Promise<Response>;
  /** `fetch` on `node:http`, with the compression stage: `createServer(server.listener)`. */
  readonly listener: (req: IncomingMessage, res: ServerResponse) => void;
  /** The Prometheus metrics and health report, when on. */
  readonly metrics: ServerMetrics | undefined;
  /** The server-wide admission controller, when on: share it with other handlers of the process. */
  readonly admission: AdmissionController | undefined;
  /** The response cache (`purge(url)`), when on. */
  readonly cache: ResponseCache | undefined;
  /** The batch handler (`metrics()`, `endpoint`), when on. */
  readonly batch: BatchHandler | undefined;
  /** The static file handler (`find(pathname)`), when on. */
  readonly static: StaticHandler | undefined;
  /** Starts a `node:http` server on the listener. */
  listen(options?: ListenOptions): Promise<Listening>;
  /**
   * Stops the servers `listen` started (open requests get `closeTimeoutMs` to finish, then their
   * connections are cut) and the metrics' sampling timer.
   */
  close(): Promise<void>;
}

/**
 * The production server as one piece: every wirepack layer composed in the order that keeps it
 * observable and fair under load, with every metric hook wired.
 *
 * 1. `/metrics` and `/healthz` first: never admitted, never cached, so an overloaded server still
 *    reports (the admission README's advice).
 * 2. Static files from the manifest (`serveStatic`): answered from memory or disk, outside admission.
 * 3. The batch endpoint and plain app requests through admission (one controller for calls and
 *    requests), then the response cache (plain GETs and batched GETs share it), then msgpack, then the app.
 * 4. The Node listener's compression stage for every response not already encoded.
 *
 * Metrics wired: cache hit/revalidated/miss, shed by priority, queue length and in-flight permits,
 * compression bytes in/out per coding, static bytes by coding, batches and calls (observed).
 *
 * @example
 * ```ts
 * import { createWirepackServer } from '@wirepack/server/production';
 *
 * const server = createWirepackServer({
 *   app: app.fetch,
 *   static: { root: 'dist', spaFallback: '/index.html' },
 *   admission: { concurrency: 64, maxQueue: 1024 },
 * });
 * const { url } = await server.listen({ port: 3000, host: '0.0.0.0' });
 * process.on('SIGTERM', () => void server.close());
 * ```
 */
export function createWirepackServer<TContext = unknown>(
  options: WirepackServerOptions<TContext>,
): WirepackServer {
  checkServerOptions(options as WirepackServerOptions<unknown>);
  const defaults = DEFAULT_WIREPACK_SERVER_OPTIONS;
  const onError = options.onError ?? ((error: unknown) => console.error('[wirepack/server]', error));
  const metricsOptions = options.metrics ?? defaults.metrics;
  const staticOptions = options.static ?? defaults.static;
  const assets = staticOptions === false ? undefined : serveStatic(staticOptions);
  const metrics =
    metricsOptions === false
      ? undefined
      : createServerMetrics({
          routeClass: (_request, pathname) => (assets?.find(pathname) !== undefined ? 'static' : 'api'),
          ...metricsOptions,
        });

  const stops: (() => void)[] = [];
  const admission = makeAdmission(options, metrics, stops);
  const batchOption = options.batch ?? defaults.batch;
  // Light routes (batch.routes) serve plain requests too, and are what the response cache fetches
  // from: a routed GET then gets the same cached answer batched or not.
  const routes = batchOption === false ? undefined : batchOption.routes;
  let inner: FetchHandler =
    routes === undefined ? options.app : (routesFetch(routes, options.app) as FetchHandler);
  const msgpack = options.msgpack ?? defaults.msgpack;
  if (msgpack !== false) inner = createMsgpackHandler({ ...(msgpack === true ? {} : msgpack), fetch: inner });
  const cacheOption = options.cache ?? defaults.cache;
  const cache = cacheOption === false ? undefined : makeCache(cacheOption, inner, metrics);
  if (cache !== undefined) inner = cache;

  const batch =
    batchOption === false
      ? undefined
      : createBatchHandler<TContext>({
          ...nodeCompression(),
          // Routed calls respect the cache: GETs are answered through it, unsafe calls purge it.
          ...(cache === undefined || routes === undefined ? {} : { responseCache: cache }),
          ...batchOption,
          fetch: inner,
          ...(admission === undefined ? {} : { admission }),
          ...(options.priorityOf === undefined ? {} : { priorityOf: options.priorityOf }),
        });
  // Without a batch endpoint plain requests still take their permit.
  let dynamic: FetchHandler = batch ?? inner;
  if (batch === undefined && admission !== undefined) {
    dynamic = withAdmission(inner, admission, options.priorityOf ? { priorityOf: options.priorityOf } : {});
  }
  const handler =
    assets === undefined
      ? dynamic
      : compose(metrics === undefined ? assets : countStatic(assets, metrics), dynamic);
  const fetch =
    metrics === undefined
      ? async (request: Request) => handler(request)
      : metrics.instrument(handler, batch === undefined ? {} : { batch });

  const compressionOption = options.compression ?? defaults.compression;
  const listener = toNodeListener(fetch, {
    onError,
    compression: compressionOption === false ? false : withCompressionMetrics(compressionOption, metrics),
  });
  const servers = new Set<Server>();
  const closeTimeoutMs = options.closeTimeoutMs ?? defaults.closeTimeoutMs;

  return {
    fetch,
    listener,
    metrics,
    admission,
    cache,
    batch,
    static: assets,
    listen: (listenOptions = {}) => listen(listener, servers, listenOptions),
    async close() {
      for (const stop of stops) stop();
      metrics?.close();
      await Promise.all([...servers].map((server) => closeServer(server, closeTimeoutMs)));
      servers.clear();
    },
  };
}

function makeAdmission(
  options: WirepackServerOptions<unknown>,
  metrics: ServerMetrics | undefined,
  stops: (() => void)[],
): AdmissionController | undefined {
  const admissionOptions = options.admission ?? DEFAULT_WIREPACK_SERVER_OPTIONS.admission;
  if (admissionOptions === false) return undefined;
  const { onShed: userOnShed, maxEventLoopDelayMs = 200, ...controllerOptions } = admissionOptions;
  if (maxEventLoopDelayMs !== false && !(Number.isFinite(maxEventLoopDelayMs) && maxEventLoopDelayMs > 0)) {
    throw new TypeError(
      `[wirepack/server] admission.maxEventLoopDelayMs must be a positive number or false, got ${String(maxEventLoopDelayMs)}`,
    );
  }
  const pressure = maxEventLoopDelayMs === false ? undefined : eventLoopPressure(maxEventLoopDelayMs);
  if (pressure !== undefined) stops.push(() => pressure.stop());
  const admission = createAdmissionController({
    ...controllerOptions,
    ...(pressure === undefined || controllerOptions.underPressure !== undefined
      ? {}
      : { underPressure: pressure.underPressure }),
    onShed: (priority, reason) => {
      metrics?.recordShed(priority);
      userOnShed?.(priority, reason);
    },
  });
  if (metrics !== undefined) {
    metrics.queueLength(() => admission.stats().queued);
    new Gauge({
      name: 'wirepack_admission_in_flight',
      help: 'Requests and calls holding an admission permit now (running).',
      registers: [metrics.registry],
      collect() {
        this.set(admission.stats().inFlight);
      },
    });
  }
  return admission;
}

function makeCache(
  option: true | Exclude<WirepackServerOptions<unknown>['cache'], boolean | undefined>,
  fetch: FetchHandler,
  metrics: ServerMetrics | undefined,
): ResponseCache {
  const cacheOptions = option === true ? {} : option;
  const { onHit, onMiss } = cacheOptions;
  return createResponseCache({
    ...cacheOptions,
    fetch,
    onHit: (event) => {
      metrics?.recordCacheHit(event.outcome === 'REVALIDATED' ? 'revalidated' : 'hit');
      onHit?.(event);
    },
    onMiss: (event) => {
      metrics?.recordCacheMiss();
      onMiss?.(event);
    },
  });
}

function withCompressionMetrics(
  option: Exclude<WirepackServerOptions<unknown>['compression'], false | undefined>,
  metrics: ServerMetrics | undefined,
): typeof option {
  const user = option.onCompressed;
  if (metrics === undefined) return option;
  return {
    ...option,
    onCompressed: (coding, bytesIn, bytesOut) => {
      metrics.recordCompression(coding, bytesIn, bytesOut);
      user?.(coding, bytesIn, bytesOut);
    },
  };
}

const STATIC_CODINGS: ReadonlySet<string> = new Set(['identity', 'br', 'gzip', 'zstd']);

/**
 * Counts the bytes of the files the static handler sends, by coding (`Content-Length` is the manifest's
 * size of the representation sent, so no body is read to count it). HEAD and 304 send no body.
 */
function countStatic(assets: StaticHandler, metrics: ServerMetrics): FetchHandler {
  const bytes = new Counter({
    name: 'wirepack_static_bytes_total',
    help: 'Body bytes of static files sent (as sent: precompressed siblings count their compressed size), by coding.',
    labelNames: ['encoding'],
    registers: [metrics.registry],
  });
  const responses = new Counter({
    name: 'wirepack_static_responses_total',
    help: 'Static file responses by status class.',
    labelNames: ['status_class'],
    registers: [metrics.registry],
  });
  return async (request) => {
    const response = await assets(request);
    if (isPassResponse(response)) return response;
    responses.inc({ status_class: `${Math.floor(response.status / 100)}xx` });
    const length = Number(response.headers.get('content-length'));
    if (request.method === 'GET' && response.body !== null && Number.isFinite(length) && length > 0) {
      const coding = response.headers.get('content-encoding') ?? 'identity';
      bytes.inc({ encoding: STATIC_CODINGS.has(coding) ? coding : 'other' }, length);
    }
    return response;
  };
}

async function listen(
  listener: WirepackServer['listener'],
  servers: Set<Server>,
  options: ListenOptions,
): Promise<Listening> {
  const port = options.port ?? 3000;
  const host = options.host ?? '127.0.0.1';
  if (!(Number.isInteger(port) && port >= 0 && port <= 65535)) {
    throw new TypeError(
      `[wirepack/server] listen: port must be an integer from 0 to 65535, got ${String(port)}`,
    );
  }
  const server = createServer(listener);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  servers.add(server);
  const address = server.address() as AddressInfo;
  const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return { server, port: address.port, url: `http://${shown}:${address.port}` };
}

/** Stops accepting, closes idle keep-alive sockets, and cuts what is still open after the grace period. */
function closeServer(server: Server, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => server.closeAllConnections(), graceMs);
    timer.unref();
    server.close(() => {
      clearTimeout(timer);
      resolve();
    });
    server.closeIdleConnections();
  });
}
