import type { CacheErrorInfo } from './cache-options.ts';
import type { CacheStore } from './cache-store.ts';

/**
 * The store as the cache uses it: every failure (a rejected promise, a throw, a value that is not
 * bytes) becomes "nothing stored" and a call to `onError`, so a store that is down never turns a
 * request into a 500. The cache then answers from the origin: it fails open.
 */
export class CacheStoreGuard {
  readonly #store: CacheStore;
  readonly #onError: (error: unknown, info: CacheErrorInfo) => void;

  constructor(store: CacheStore, onError: ((error: unknown, info: CacheErrorInfo) => void) | undefined) {
    this.#store = store;
    this.#onError = onError ?? logStoreError;
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    try {
      const value = await this.#store.get(key);
      if (value === undefined || value === null) return undefined;
      if (!(value instanceof Uint8Array))
        throw new TypeError('the store returned something other than bytes');
      return value;
    } catch (error) {
      this.#report(error, 'get');
      return undefined;
    }
  }

  /** Whether the value was stored. */
  async set(key: string, value: Uint8Array, ttlMs: number): Promise<boolean> {
    try {
      await this.#store.set(key, value, Math.max(1, Math.ceil(ttlMs)));
      return true;
    } catch (error) {
      this.#report(error, 'set');
      return false;
    }
  }

  async delete(key: string): Promise<void> {
    try {
      await this.#store.delete(key);
    } catch (error) {
      this.#report(error, 'delete');
    }
  }

  #report(error: unknown, operation: CacheErrorInfo['operation']): void {
    try {
      this.#onError(error, { operation });
    } catch {
      // A failing error callback must not fail the request the cache is answering from the origin.
    }
  }
}

function logStoreError(error: unknown, info: CacheErrorInfo): void {
  const message = error instanceof Error ? error.message : String(error);
  console.error(`[wirepack/server] response cache: ${info.operation} failed: ${message}`);
}
