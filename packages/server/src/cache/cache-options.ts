import type { FetchHandler } from '../options.ts';
import type { CacheStore } from './cache-store.ts';

/** How a request was answered, as the `X-Cache` header (see `statusHeader`) and the callbacks say. */
export type CacheOutcome = 'HIT' | 'MISS' | 'REVALIDATED' | 'BYPASS';

/** What `onHit` and `onMiss` receive. */
export interface CacheEvent {
  /** `HIT` or `REVALIDATED` for `onHit`, `MISS` for `onMiss`. */
  readonly outcome: CacheOutcome;
  /** The request's method. */
  readonly method: string;
  /** Whether the origin's response was stored (always false for a hit). */
  readonly stored: boolean;
}

/** Where a store failure reported to `onError` happened. The URL is left out: it may hold tokens. */
export interface CacheErrorInfo {
  readonly operation: 'get' | 'set' | 'delete';
}

/** Options of `createResponseCache`. */
export interface ResponseCacheOptions {
  /**
   * The app's handler, called on misses and revalidations, with whatever the runtime passed after the
   * request (`env`, `ctx`); any bindings type fits. Required.
   */
  readonly fetch: FetchHandler<never, never>;
  /**
   * Where entries live.
   * @default createMemoryStore() (64 MiB in this process)
   */
  readonly store?: CacheStore;
  /**
   * Largest response body stored; a larger one is streamed to the client and not stored.
   * @default 1_048_576 (1 MiB)
   */
  readonly maxEntryBytes?: number;
  /**
   * How long an entry with a validator (`ETag`, `Last-Modified`) stays in the store after it goes
   * stale, so that the origin can confirm it with a 304 instead of sending the body again.
   * @default 300_000 (5 minutes)
   */
  readonly keepStaleMs?: number;
  /**
   * Longest request URL looked up; longer ones bypass the cache.
   * @default 8192
   */
  readonly maxUrlLength?: number;
  /**
   * The response header that says `HIT`, `MISS`, `REVALIDATED` or `BYPASS`; `false` for none.
   * @default 'x-cache'
   */
  readonly statusHeader?: string | false;
  /**
   * Whether concurrent misses for one URL in this process wait for the first one's response
   * instead of all going to the origin (a response that turns out not storable, or whose `Vary`
   * does not match, still sends each waiting request to the origin itself).
   * @default true
   */
  readonly coalesce?: boolean;
  /**
   * The clock, in milliseconds since the epoch (tests pass a fake one).
   * @default Date.now
   */
  readonly now?: () => number;
  /** Called for every hit (`HIT`, `REVALIDATED`). @default none */
  readonly onHit?: (event: CacheEvent) => void;
  /** Called for every miss (`MISS`). @default none */
  readonly onMiss?: (event: CacheEvent) => void;
  /**
   * Receives store failures; the request is then answered from the origin (the cache fails open).
   * @default logs `[wirepack/server] response cache: <operation> failed: <message>` with console.error
   */
  readonly onError?: (error: unknown, info: CacheErrorInfo) => void;
}

/** The defaults of {@link ResponseCacheOptions} that are plain values. */
export const DEFAULT_RESPONSE_CACHE_OPTIONS: Readonly<{
  maxEntryBytes: number;
  keepStaleMs: number;
  maxUrlLength: number;
  statusHeader: string;
  coalesce: boolean;
}> = Object.freeze({
  maxEntryBytes: 1024 * 1024,
  keepStaleMs: 300_000,
  maxUrlLength: 8192,
  statusHeader: 'x-cache',
  coalesce: true,
});

/** Checks a size or time option: a non-negative safe integer. */
export function checkCount(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new TypeError(`[wirepack/server] ${name} must be a non-negative integer, got ${String(value)}`);
  }
  return value;
}
