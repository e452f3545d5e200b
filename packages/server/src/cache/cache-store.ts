/**
 * Where the response cache keeps its entries: bytes under a string key, each with a time to live.
 * The cache encodes entries itself (see cache-entry.ts), so a store only moves bytes; every method
 * may reject (a network store that is down), and the cache then serves from the origin and reports
 * the error to `onError` (it fails open).
 *
 * Two stores ship: {@link createMemoryStore} (one process, an LRU bounded by bytes) and
 * `createRedisStore` from `@wirepack/server/node` (shared by every instance behind a load balancer).
 */
export interface CacheStore {
  /** The bytes stored under `key`, or `undefined` when there are none (or they expired). */
  get(key: string): Promise<Uint8Array | undefined>;
  /** Stores `value` under `key` for `ttlMs` milliseconds (a positive integer), replacing what was there. */
  set(key: string, value: Uint8Array, ttlMs: number): Promise<void>;
  /** Removes `key`; removing a missing key is not an error. */
  delete(key: string): Promise<void>;
}
