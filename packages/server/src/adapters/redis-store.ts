import type { CacheStore } from '../cache/cache-store.ts';

/**
 * The few commands the Redis store needs, typed by shape so that any client fits: node-redis v4-v6
 * as it is, ioredis through three lines (see the README). `get` must resolve to bytes (a Buffer);
 * a node-redis client is switched to Buffer replies with `withTypeMapping` by the store itself.
 */
export interface RedisStoreClient {
  get(key: string): Promise<unknown>;
  set(key: string, value: Buffer, options: { PX: number }): Promise<unknown>;
  del(key: string): Promise<unknown>;
  /** node-redis's reply type mapping (a copy of the client that returns Buffers for strings). */
  withTypeMapping?: (mapping: { [type: number]: unknown }) => RedisStoreClient;
}

/** Options of {@link createRedisStore}. */
export interface RedisStoreOptions {
  /** A connected client the application created (and closes). Required. */
  readonly client: RedisStoreClient;
  /**
   * Put before every key, so the cache shares a Redis database with other data safely.
   * @default 'wirepack:cache:'
   */
  readonly prefix?: string;
  /**
   * Put after the prefix: instances with the same namespace share entries; a new one (say, the
   * app's version at deploy) starts an empty cache without deleting anything (old keys expire).
   * @default 'default'
   */
  readonly namespace?: string;
  /**
   * Longest wait for one command; past it the command counts as failed and the cache answers from
   * the origin. A client that lost its connection queues commands until it reconnects, so without
   * this a Redis outage would hold every request.
   * @default 250
   */
  readonly timeoutMs?: number;
}

/** The defaults of {@link RedisStoreOptions}. */
export const DEFAULT_REDIS_STORE_OPTIONS: Readonly<{ prefix: string; namespace: string; timeoutMs: number }> =
  Object.freeze({ prefix: 'wirepack:cache:', namespace: 'default', timeoutMs: 250 });

// node-redis's RESP type code for bulk strings ('$'): mapped to Buffer so bodies stay bytes.
const BLOB_STRING = 36;

/**
 * A {@link CacheStore} in Redis, shared by every server instance that uses the same Redis, prefix
 * and namespace. Values are the cache's binary entries as Buffers, with their time to live set by
 * `SET ... PX` (Redis evicts them itself; bound total memory with Redis's `maxmemory` and an
 * `allkeys-lru` or `volatile-ttl` policy). Every failure rejects, and the cache fails open.
 *
 * @example
 * ```ts
 * import { createClient } from 'redis';
 * const redis = await createClient({ url: 'redis://127.0.0.1:6379' }).connect();
 * const cached = createResponseCache({ fetch: app.fetch, store: createRedisStore({ client: redis }) });
 * ```
 */
export function createRedisStore(options: RedisStoreOptions): CacheStore {
  const given = options?.client;
  if (given === null || typeof given !== 'object' || typeof given.get !== 'function') {
    throw new TypeError(
      `[wirepack/server] createRedisStore needs options.client, a Redis client; got ${typeof given}`,
    );
  }
  const defaults = DEFAULT_REDIS_STORE_OPTIONS;
  const timeoutMs = options.timeoutMs ?? defaults.timeoutMs;
  if (!Number.isSafeInteger(timeoutMs) || timeoutMs < 1) {
    throw new TypeError(`[wirepack/server] timeoutMs must be a positive integer, got ${String(timeoutMs)}`);
  }
  const client =
    typeof given.withTypeMapping === 'function' ? given.withTypeMapping({ [BLOB_STRING]: Buffer }) : given;
  const prefix = `${options.prefix ?? defaults.prefix}${options.namespace ?? defaults.namespace}:`;

  return {
    async get(key) {
      const value = await bounded(client.get(prefix + key), timeoutMs, 'GET');
      if (value === null || value === undefined) return undefined;
      if (!(value instanceof Uint8Array)) {
        throw new TypeError('[wirepack/server] the Redis client returned a string: it must return Buffers');
      }
      return value;
    },
    async set(key, value, ttlMs) {
      const buffer = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
      await bounded(client.set(prefix + key, buffer, { PX: ttlMs }), timeoutMs, 'SET');
    },
    async delete(key) {
      await bounded(client.del(prefix + key), timeoutMs, 'DEL');
    },
  };
}

function bounded<TValue>(promise: Promise<TValue>, timeoutMs: number, command: string): Promise<TValue> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`[wirepack/server] Redis ${command} took longer than ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  // A command that fails after its timeout has nobody waiting: its rejection is expected, not lost.
  promise.catch(() => {});
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
