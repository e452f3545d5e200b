import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomicSync } from './atomic-write.js';
import type { ReadBuffer } from './read-buffer.js';

/**
 * A content-addressed store of compressed outputs on disk, shared by every build that points at it.
 *
 * Key: SHA-256 over (format version, SHA-256 of the input, codec tag), where the codec tag names
 * the encoding, its level and the encoder's version (see `codecTag`): the same bytes compressed
 * the same way by the same library always map to the same entry, whatever the file is called.
 *
 * Entry layout: the file holds the compressed bytes and nothing else, and its name carries what
 * a lookup checks them against:
 *
 *     <dir>/<k0k1>/<rest of key>-<SHA-256 (hex) of the content>
 *
 * A hit reads the entry and compares its SHA-256 with the name's, so a truncated or corrupted
 * entry is detected, removed and recomputed instead of shipped. Because the entry is exactly the
 * sibling's bytes, a hit places the sibling as a hard link to it (see `placeFileAtomicSync`):
 * creating a file costs far more than linking one on some systems (on the machine the benchmark
 * runs on, ~0.7 ms against ~0.02 ms), and no byte is copied. A later write through the link (a
 * tool editing `.br` files in place) would change the entry too; the checksum catches that.
 *
 * Entries are written atomically (temporary file + rename). A hit refreshes the entry's mtime,
 * which `evictCache` uses to drop the least recently used first, unless it is already recent
 * (`REFRESH_AFTER_MS`): eviction only needs to tell old from recent, and a warm rebuild then
 * spends no `utimes` call per hit.
 *
 * All I/O here is synchronous. Entries are small and in the page cache on a rebuild, where a
 * synchronous call costs a few microseconds, while each asynchronous step is a round trip through
 * libuv's thread pool. The caller yields to the event loop between files (see `precompressFiles`).
 */

const KEY_FORMAT = 'wirepack-cache-2';
const ENTRY_NAME = /^[0-9a-f]{62}-[0-9a-f]{64}$/;
const SHARD_NAME = /^[0-9a-f]{2}$/;
const TEMPORARY_NAME = /^[0-9a-f]{62}-[0-9a-f]{64}\.\d+-\d+-[0-9a-f]{8}\.tmp$/;
/** Entries and temporary files of format 1 (a header inside the file), never read again. */
const FORMAT_1_NAME = /^[0-9a-f]{62}(\.\d+-\d+-[0-9a-f]{8}\.tmp)?$/;
/** Temporary files older than this are leftovers of a killed build. */
const STALE_TEMPORARY_MS = 60 * 60 * 1000;
/** A hit on an entry last used longer ago than this refreshes its mtime (its LRU position). */
const REFRESH_AFTER_MS = 60 * 60 * 1000;

/** The cache key (64 hex digits) of an input's SHA-256 (hex) compressed with a codec tag. */
export function cacheKey(contentSha256Hex: string, codecTag: string): string {
  return createHash('sha256').update(`${KEY_FORMAT}\0${contentSha256Hex}\0${codecTag}`).digest('hex');
}

/** The path of the entry for `key`, if there is one (its name also holds its content's checksum). */
export function findCacheEntry(dir: string, key: string): string | undefined {
  const prefix = `${key.slice(2)}-`;
  let names: string[];
  try {
    names = readdirSync(join(dir, key.slice(0, 2)));
  } catch {
    // No shard yet (or unreadable): no entry.
    return undefined;
  }
  const name = names.find((entry) => entry.startsWith(prefix) && ENTRY_NAME.test(entry));
  return name === undefined ? undefined : join(dir, key.slice(0, 2), name);
}

/** Outcome of a cache lookup. `corrupt` means an entry existed but failed its check (it is removed). */
export type CacheLookup =
  | {
      readonly status: 'hit';
      readonly payload: Buffer;
      /** `sha256-<base64>` of the payload, verified. */
      readonly hash: string;
      /** The entry's path: the sibling can be a hard link to it. */
      readonly path: string;
    }
  | { readonly status: 'miss' }
  | { readonly status: 'corrupt' };

/**
 * Looks an entry up; a hit refreshes its mtime (when older than an hour) so eviction keeps what
 * builds still use. With `into`, the entry is read into that buffer and the payload is a view valid
 * until its next read.
 */
export function readCacheEntry(dir: string, key: string, into?: ReadBuffer): CacheLookup {
  const path = findCacheEntry(dir, key);
  if (path === undefined) return { status: 'miss' };
  let payload: Buffer;
  let mtimeMs: number;
  try {
    if (into === undefined) {
      payload = readFileSync(path);
      mtimeMs = statSync(path).mtimeMs;
    } else {
      payload = into.readFileSync(path);
      mtimeMs = into.lastMtimeMs;
    }
  } catch {
    // Vanished (another build evicting) or unreadable: nothing to reuse, compressing again is correct.
    return { status: 'miss' };
  }
  const digest = createHash('sha256').update(payload).digest();
  if (digest.toString('hex') !== path.slice(-64)) {
    // Best effort: the recomputed entry gets the same name and replaces it anyway.
    rmSync(path, { force: true });
    return { status: 'corrupt' };
  }
  const now = Date.now();
  if (now - mtimeMs > REFRESH_AFTER_MS) {
    try {
      utimesSync(path, now / 1000, now / 1000);
    } catch {
      // A read-only cache still serves hits; only its eviction order goes stale.
    }
  }
  return { status: 'hit', payload, hash: `sha256-${digest.toString('base64')}`, path };
}

/**
 * Stores an entry atomically and returns its path. Throws on I/O failure (the caller decides
 * whether that matters).
 */
export function writeCacheEntry(dir: string, key: string, payload: Uint8Array): string {
  const checksum = createHash('sha256').update(payload).digest('hex');
  const path = join(dir, key.slice(0, 2), `${key.slice(2)}-${checksum}`);
  mkdirSync(join(dir, key.slice(0, 2)), { recursive: true });
  writeFileAtomicSync(path, payload);
  return path;
}

/** What an eviction pass found and removed. */
export interface EvictionResult {
  /** Entries left in the cache. */
  readonly entries: number;
  /** Bytes left in the cache. */
  readonly bytes: number;
  /** Entries removed to get under the size limit. */
  readonly evicted: number;
}

/**
 * Bounds the cache to `maxBytes`: removes least recently used entries (oldest mtime first) until
 * the rest fits, temporary files older than an hour, and entries of the earlier format. Only names this module creates are
 * touched, so a cache directory pointed at the wrong place loses nothing else. Synchronous: a
 * directory listing and one `stat` per entry, a few milliseconds for a thousand entries.
 */
export function evictCache(dir: string, maxBytes: number): EvictionResult {
  const entries: { path: string; size: number; mtimeMs: number }[] = [];
  const now = Date.now();
  let shards: string[];
  try {
    shards = readdirSync(dir).filter((name) => SHARD_NAME.test(name));
  } catch {
    // No cache directory yet: nothing to bound.
    return { entries: 0, bytes: 0, evicted: 0 };
  }
  for (const shard of shards) {
    let names: string[];
    try {
      names = readdirSync(join(dir, shard));
    } catch {
      // A shard that vanished (another build evicting) or is not a directory holds nothing of ours.
      continue;
    }
    for (const name of names) {
      const path = join(dir, shard, name);
      const info = statSync(path, { throwIfNoEntry: false });
      if (info === undefined || !info.isFile()) continue;
      if (TEMPORARY_NAME.test(name)) {
        if (now - info.mtimeMs > STALE_TEMPORARY_MS) rmSync(path, { force: true });
      } else if (FORMAT_1_NAME.test(name)) {
        rmSync(path, { force: true });
      } else if (ENTRY_NAME.test(name)) {
        entries.push({ path, size: info.size, mtimeMs: info.mtimeMs });
      }
    }
  }
  let bytes = entries.reduce((sum, entry) => sum + entry.size, 0);
  let evicted = 0;
  if (bytes > maxBytes) {
    entries.sort((a, b) => a.mtimeMs - b.mtimeMs || (a.path < b.path ? -1 : 1));
    for (const entry of entries) {
      if (bytes <= maxBytes) break;
      rmSync(entry.path, { force: true });
      bytes -= entry.size;
      evicted += 1;
    }
  }
  return { entries: entries.length - evicted, bytes, evicted };
}
