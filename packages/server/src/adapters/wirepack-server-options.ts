import type { AdmissionOptions, AdmissionPriority } from '../admission/admission-options.ts';

/** Admission options of the production server: the controller's, plus shedding on a late event loop. */
export interface WirepackAdmissionOptions extends AdmissionOptions {
  /**
   * Shed new `auto` and `low` work (503 with `Retry-After`, reason `pressure`) while the event loop's
   * p99 delay over the last 250 ms passes this many milliseconds: the process is saturated, and work
   * waits before admission can see it. `false` to shed on the queue alone.
   * @default 200 (the p95 target: a loop that late misses it anyway)
   */
  readonly maxEventLoopDelayMs?: number | false;
}

import type { ResponseCacheOptions } from '../cache/cache-options.ts';
import type { MsgpackHandlerOptions } from '../msgpack/create-msgpack-handler.ts';
import type { BatchHandlerOptions, FetchHandler } from '../options.ts';
import type { NodeCompressionOptions } from './node-compression.ts';
import type { ServerMetricsOptions } from './prometheus.ts';
import type { ServeStaticOptions } from './serve-static.ts';

/** Batch endpoint options of {@link WirepackServerOptions}: `createBatchHandler`'s, minus what the server wires. */
export type WirepackBatchOptions<TContext = unknown> = Omit<
  BatchHandlerOptions<TContext>,
  'fetch' | 'admission' | 'priorityOf'
>;

/** Options of `createWirepackServer` (`@wirepack/server/production`). */
export interface WirepackServerOptions<TContext = unknown> {
  /** The app's Web-standard handler: plain requests that are not static files, and every batched call. */
  readonly app: FetchHandler;
  /**
   * Static files from `@wirepack/vite-plugin`'s manifest (`serveStatic`), served before the app and
   * outside admission (they are answered from memory or disk without the app). `false` for none.
   * @default false
   */
  readonly static?: ServeStaticOptions | false;
  /**
   * The batch endpoint (`createBatchHandler`); brotli (and zstd) request bodies are read unless
   * `decoders` is given. `false` for none: plain requests still pass admission, cache and msgpack.
   * With `routes` (the light path), the routes also serve plain requests (`routesFetch`), and the
   * response cache applies to routed calls (`responseCache` is set to the server's cache).
   * @default {} (endpoint '/__wirepack', the default limits)
   */
  readonly batch?: WirepackBatchOptions<TContext> | false;
  /**
   * Server-wide admission control for plain app requests and batched calls alike: options of the
   * `createAdmissionController` the server makes (its `onShed` is called after the metrics count the
   * shed). Other handlers of the process share it through the server's `admission`. `false` for no
   * server-wide limit.
   * @default {} (DEFAULT_ADMISSION_OPTIONS)
   */
  readonly admission?: WirepackAdmissionOptions | false;
  /**
   * The admission priority of a plain request (a batched call carries its own).
   * @default the RFC 9218 `Priority` header: `u=0`-`u=2` high, none or `u=3` auto, `u=4`-`u=7` low
   */
  readonly priorityOf?: (request: Request) => AdmissionPriority;
  /**
   * The shared response cache in front of the app (`createResponseCache`): `true` for an in-memory
   * store, options (a `store` such as `createRedisStore(...)` for several instances), or `false`. It
   * stores only GET responses that say they may be (explicit freshness, not `private`).
   * @default true (createMemoryStore() with its defaults)
   */
  readonly cache?: Omit<ResponseCacheOptions, 'fetch'> | boolean;
  /**
   * MessagePack for plain JSON endpoints (`createMsgpackHandler`), between the cache and the app, so the
   * cache keeps both representations apart through `Vary: Accept`. `true` for its defaults.
   * @default false
   */
  readonly msgpack?: Omit<MsgpackHandlerOptions, 'fetch'> | boolean;
  /**
   * Prometheus metrics and the health endpoint (`createServerMetrics`), answered before anything else
   * (never admitted, never cached) so an overloaded server still reports. `false` for none.
   * @default {} (GET /metrics, GET /healthz, route classes 'static', 'api' and 'batch')
   */
  readonly metrics?: ServerMetricsOptions | false;
  /**
   * The Node adapter's response compression stage, for every response that is not already encoded
   * (static files come precompressed). Its `onCompressed` is chained after the metrics'. `false` for none.
   * @default {} (DEFAULT_NODE_COMPRESSION)
   */
  readonly compression?: NodeCompressionOptions | false;
  /**
   * Receives what a handler threw and failures of the parts (the client gets a bare 500).
   * @default logs to console.error
   */
  readonly onError?: (error: unknown) => void;
  /**
   * How long `close()` lets open requests finish before it cuts the remaining connections, in ms.
   * @default 10000
   */
  readonly closeTimeoutMs?: number;
}

/** The defaults of {@link WirepackServerOptions}. */
export const DEFAULT_WIREPACK_SERVER_OPTIONS: {
  readonly static: false;
  readonly batch: Readonly<Record<string, never>>;
  readonly admission: Readonly<Record<string, never>>;
  readonly cache: true;
  readonly msgpack: false;
  readonly metrics: Readonly<Record<string, never>>;
  readonly compression: Readonly<Record<string, never>>;
  readonly closeTimeoutMs: number;
} = Object.freeze({
  static: false,
  batch: Object.freeze({}),
  admission: Object.freeze({}),
  cache: true,
  msgpack: false,
  metrics: Object.freeze({}),
  compression: Object.freeze({}),
  closeTimeoutMs: 10_000,
});

const KNOWN_OPTIONS: readonly string[] = Object.freeze([
  'app',
  'static',
  'batch',
  'admission',
  'priorityOf',
  'cache',
  'msgpack',
  'metrics',
  'compression',
  'onError',
  'closeTimeoutMs',
]);

/**
 * @internal Rejects what cannot work at once (house style: programmer misuse is a TypeError when the
 * server is made, not a surprise under load). Unknown keys are named with the valid ones, since a typo
 * such as `caches: false` would otherwise silently leave the cache on.
 */
export function checkServerOptions(options: WirepackServerOptions<unknown>): void {
  if (options === null || typeof options !== 'object') {
    throw new TypeError(
      `[wirepack/server] createWirepackServer expects an options object, got ${typeof options}`,
    );
  }
  for (const key of Object.keys(options)) {
    if (!KNOWN_OPTIONS.includes(key)) {
      throw new TypeError(
        `[wirepack/server] createWirepackServer: unknown option \`${key}\` (valid: ${KNOWN_OPTIONS.join(', ')})`,
      );
    }
  }
  if (typeof options.app !== 'function') {
    throw new TypeError(
      `[wirepack/server] createWirepackServer: app must be a (request: Request) => Response handler, got ${typeof options.app}`,
    );
  }
  for (const name of ['static', 'batch', 'admission', 'metrics', 'compression'] as const) {
    const value = options[name];
    if (value !== undefined && value !== false && (value === null || typeof value !== 'object')) {
      throw new TypeError(
        `[wirepack/server] createWirepackServer: ${name} must be an options object or false, got ${String(value)}`,
      );
    }
  }
  for (const name of ['cache', 'msgpack'] as const) {
    const value = options[name];
    if (value !== undefined && typeof value !== 'boolean' && (value === null || typeof value !== 'object')) {
      throw new TypeError(
        `[wirepack/server] createWirepackServer: ${name} must be true, false or an options object, got ${String(value)}`,
      );
    }
  }
  for (const name of ['priorityOf', 'onError'] as const) {
    const value = options[name];
    if (value !== undefined && typeof value !== 'function') {
      throw new TypeError(
        `[wirepack/server] createWirepackServer: ${name} must be a function, got ${typeof value}`,
      );
    }
  }
  const timeout = options.closeTimeoutMs;
  if (timeout !== undefined && !(Number.isSafeInteger(timeout) && timeout >= 0)) {
    throw new TypeError(
      `[wirepack/server] createWirepackServer: closeTimeoutMs must be a non-negative integer, got ${String(timeout)}`,
    );
  }
}
