import { LRUCache } from 'lru-cache';
import type { CacheStore } from './cache-store.ts';

/** Options of {@link createMemoryStore}. */
export interface MemoryStoreOptions {
  /**
   * Most bytes held in total (values plus keys); the least recently used entries go first.
   * @default 67_108_864 (64 MiB)
   */
  readonly maxBytes?: number;
}

/** The defaults of {@link MemoryStoreOptions}. */
export const DEFAULT_MEMORY_STORE_OPTIONS: Readonly<Required<MemoryStoreOptions>> = Object.freeze({
  maxBytes: 64 * 1024 * 1024,
});

/**
 * Bookkeeping per entry on top of its bytes (the LRU's node, the Map slot, the Uint8Array object),
 * so that a flood of tiny entries cannot hold far more memory than `maxBytes` says.
 */
const ENTRY_OVERHEAD_BYTES = 128;

/**
 * A {@link CacheStore} in this process's memory: an LRU (`lru-cache`, the one npm itself uses)
 * bounded by bytes, with a time to live per entry. Entries expire lazily on read and are evicted,
 * least recently used first, when a new one would pass `maxBytes`; an entry larger than `maxBytes`
 * is not stored.
 *
 * @example
 * ```ts
 * const cache = createResponseCache({ fetch: app.fetch, store: createMemoryStore({ maxBytes: 32 * 1024 * 1024 }) });
 * ```
 */
export function createMemoryStore(options: MemoryStoreOptions = {}): CacheStore {
  const maxBytes = options.maxBytes ?? DEFAULT_MEMORY_STORE_OPTIONS.maxBytes;
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 1) {
    throw new TypeError(`[wirepack/server] maxBytes must be a positive integer, got ${String(maxBytes)}`);
  }
  const lru = new LRUCache<string, Uint8Array>({
    maxSize: maxBytes,
    maxEntrySize: maxBytes,
    sizeCalculation: (value, key) => value.byteLength + key.length * 2 + ENTRY_OVERHEAD_BYTES,
  });
  return {
    get: (key) => Promise.resolve(lru.get(key)),
    set(key, value, ttlMs) {
      // lru-cache silently refuses an entry past maxEntrySize; then an older copy must not linger.
      if (!lru.set(key, value, { ttl: ttlMs }).has(key)) lru.delete(key);
      return Promise.resolve();
    },
    delete(key) {
      lru.delete(key);
      return Promise.resolve();
    },
  };
}
