import { parseCacheControl } from './cache-control.ts';
import {
  type CacheEntry,
  decodeEntry,
  encodeEntry,
  entryDecodeLimits,
  type StoredResponse,
} from './cache-entry.ts';
import { primaryKey, secondaryKey } from './cache-keys.ts';
import { currentAge, freshnessLifetime, type ResponseFacts, varyNames, varyValue } from './cache-policy.ts';
import type { CacheStoreGuard } from './store-guard.ts';

/**
 * The cache's entries in its store: finding the one a request may use (through the `Vary` index
 * when the response varies), writing one for as long as it stays useful, and dropping a URL's.
 * Keys are `primaryKey(url)` and, for a varying response, `secondaryKey(url, names, values)`
 * (cache-keys.ts); entries are encoded by cache-entry.ts.
 */
export class CacheEntries {
  readonly #store: CacheStoreGuard;
  readonly #limits: ReturnType<typeof entryDecodeLimits>;
  readonly #keepStaleMs: number;
  readonly #now: () => number;

  constructor(store: CacheStoreGuard, maxEntryBytes: number, keepStaleMs: number, now: () => number) {
    this.#store = store;
    this.#limits = entryDecodeLimits(maxEntryBytes);
    this.#keepStaleMs = keepStaleMs;
    this.#now = now;
  }

  /** The stored response for the request's URL whose `Vary` headers match the request, if any. */
  async lookup(request: Request, key: string): Promise<StoredResponse | undefined> {
    const first = await this.#read(key, request.url);
    if (first === undefined || first.kind === 'response') {
      return first !== undefined && first.vary.length === 0 ? first : undefined;
    }
    const values = first.vary.map((name) => varyValue(request, name));
    const variant = await this.#read(secondaryKey(request.url, first.vary, values), request.url);
    return variant?.kind === 'response' && matchesVary(request, variant) ? variant : undefined;
  }

  /**
   * Writes an entry (and the Vary index it needs), kept while fresh plus `keepStaleMs` when it has a
   * validator; false when the store failed or the entry is already too old to keep.
   */
  async write(key: string, entry: StoredResponse): Promise<boolean> {
    const directives = parseCacheControl(entry.headers.get('cache-control'));
    const freshMs = ((freshnessLifetime(directives, entry) ?? 0) - currentAge(entry, this.#now())) * 1000;
    const hasValidator = entry.headers.has('etag') || entry.headers.has('last-modified');
    const ttlMs = Math.max(0, freshMs) + (hasValidator ? this.#keepStaleMs : 0);
    if (ttlMs < 1) return false;
    if (entry.vary.length === 0) return this.#store.set(key, encodeEntry(entry), ttlMs);
    const index = encodeEntry({ kind: 'vary', url: entry.url, vary: entry.vary });
    const variantKey = secondaryKey(entry.url, entry.vary, entry.varyValues);
    const [indexed, stored] = await Promise.all([
      this.#store.set(key, index, ttlMs),
      this.#store.set(variantKey, encodeEntry(entry), ttlMs),
    ]);
    return indexed && stored;
  }

  /** Drops the entry (or Vary index) under `key`. */
  async delete(key: string): Promise<void> {
    await this.#store.delete(key);
  }

  /** Drops a URL's entries: its Vary index goes, so no variant is found again. */
  async purge(url: string): Promise<void> {
    await this.#store.delete(primaryKey(url));
  }

  /**
   * RFC 9111 §4.4: after a successful unsafe request, drops the target's entries and those of a
   * same-origin `Location` or `Content-Location` it answered with.
   */
  async invalidate(url: string, headers: Headers): Promise<void> {
    const targets = new Set([url]);
    for (const name of ['location', 'content-location']) {
      const value = headers.get(name);
      if (value === null) continue;
      try {
        const target = new URL(value, url);
        if (target.origin === new URL(url).origin) targets.add(target.href);
      } catch {
        // Not a URL: nothing to invalidate there.
      }
    }
    await Promise.all([...targets].map(async (target) => this.purge(target)));
  }

  async #read(key: string, url: string): Promise<CacheEntry | undefined> {
    const bytes = await this.#store.get(key);
    if (bytes === undefined) return undefined;
    const entry = decodeEntry(bytes, this.#limits);
    // Another format, corrupt bytes, or (astronomically unlikely) another URL with the same hash.
    if (entry === undefined || entry.url !== url) return undefined;
    return entry;
  }
}

/** Whether the request's headers named by the entry's Vary have the values stored with it (RFC 9111 §4.1). */
export function matchesVary(request: Request, stored: StoredResponse): boolean {
  return stored.vary.every((name, index) => varyValue(request, name) === stored.varyValues[index]);
}

/** The entry to store for a request from a response's facts and body, with the request's Vary values. */
export function toEntry(request: Request, facts: ResponseFacts, body: Uint8Array): StoredResponse {
  const vary = varyNames(facts.headers);
  const names = vary === '*' ? [] : vary;
  return {
    kind: 'response',
    url: request.url,
    ...facts,
    body,
    vary: names,
    varyValues: names.map((name) => varyValue(request, name)),
  };
}
