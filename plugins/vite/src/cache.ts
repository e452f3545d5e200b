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
 * Entry layout, so that a truncated, corrupted or misplaced entry is detected and recomputed
 * instead of shipped:
 *
 *     magic "WPC1" (4) | key digest (32) | payload length, uint64 BE (8) | payload SHA-256 (32) | payload
 *
 * Entries are written atomically (temporary file + rename) and live at `<dir>/<k0k1>/<rest of key>`.
 * A hit refreshes the entry's mtime, which `evictCache` uses to drop the least recently used first,
 * unless it is already recent (`REFRESH_AFTER_MS`): eviction only needs to tell old from recent,
 * and a warm rebuild then spends no `utimes` call per hit.
 *
 * All I/O here is synchronous. Entries are small and in the page cache on a rebuild, where a
 * synchronous read costs a few microseconds, while each asynchronous step is a round trip through
 * libuv's thread pool: measured on the realistic fixture (1,152 hits), the asynchronous lookups and
 * sibling writes took ~0.9 s, the synchronous ones a fraction of that. The caller yields to the
 * event loop between files (see `precompressFiles`).
 */

const MAGIC = Buffer.from('WPC1', 'latin1');
const HEADER_BYTES = 4 + 32 + 8 + 32;
const KEY_FORMAT = 'wirepack-cache-1';
const ENTRY_NAME = /^[0-9a-f]{62}$/;
const SHARD_NAME = /^[0-9a-f]{2}$/;
const TEMPORARY_NAME = /^[0-9a-f]{62}\.\d+-\d+-[0-9a-f]{8}\.tmp$/;
/** Temporary files older than this are leftovers of a killed build. */
const STALE_TEMPORARY_MS = 60 * 60 * 1000;
/** A hit on an entry last used longer ago than this refreshes its mtime (its LRU position). */
const REFRESH_AFTER_MS = 60 * 60 * 1000;

/** The cache key (64 hex digits) of an input's SHA-256 (hex) compressed with a codec tag. */
export function cacheKey(contentSha256Hex: string, codecTag: string): string {
  return createHash('sha256').update(`${KEY_FORMAT}\0${contentSha256Hex}\0${codecTag}`).digest('hex');
}

/** Where an entry lives: two hex digits of sharding keep directories small. */
export function cacheEntryPath(dir: string, key: string): string {
  return join(dir, key.slice(0, 2), key.slice(2));
}

/** The header of an entry: magic, key digest, payload length, payload digest. */
export function cacheEntryHeader(key: string, payload: Uint8Array): Buffer {
  const header = Buffer.alloc(HEADER_BYTES);
  MAGIC.copy(header, 0);
  Buffer.from(key, 'hex').copy(header, 4);
  header.writeBigUInt64BE(BigInt(payload.byteLength), 36);
  createHash('sha256').update(payload).digest().copy(header, 44);
  return header;
}

/** Serialises an entry: the header, then the payload. */
export function encodeCacheEntry(key: string, payload: Uint8Array): Buffer {
  return Buffer.concat([cacheEntryHeader(key, payload), payload]);
}

/** The payload of a well-formed entry for `key`, or `undefined` if anything does not check out. */
export function decodeCacheEntry(key: string, entry: Buffer): Buffer | undefined {
  if (entry.byteLength < HEADER_BYTES || !entry.subarray(0, 4).equals(MAGIC)) return undefined;
  if (!entry.subarray(4, 36).equals(Buffer.from(key, 'hex'))) return undefined;
  if (entry.readBigUInt64BE(36) !== BigInt(entry.byteLength - HEADER_BYTES)) return undefined;
  const payload = entry.subarray(HEADER_BYTES);
  if (!createHash('sha256').update(payload).digest().equals(entry.subarray(44, 76))) return undefined;
  return payload;
}

/** Outcome of a cache lookup. `corrupt` means an entry existed but failed its checks. */
export type CacheLookup =
  | {
      readonly status: 'hit';
      readonly payload: Buffer;
      /** `sha256-<base64>` of the payload, verified against the entry's header. */
      readonly hash: string;
    }
  | { readonly status: 'miss' }
  | { readonly status: 'corrupt' };

/**
 * Looks an entry up; a hit refreshes its mtime (when older than an hour) so eviction keeps what
 * builds still use. With `into`, the entry is read into that buffer and the payload is a view valid
 * until its next read.
 */
export function readCacheEntry(dir: string, key: string, into?: ReadBuffer): CacheLookup {
  const path = cacheEntryPath(dir, key);
  let entry: Buffer;
  let mtimeMs: number;
  try {
    if (into === undefined) {
      entry = readFileSync(path);
      mtimeMs = statSync(path).mtimeMs;
    } else {
      entry = into.readFileSync(path);
      mtimeMs = into.lastMtimeMs;
    }
  } catch {
    // Missing or unreadable: either way there is nothing to reuse, and compressing again is correct.
    return { status: 'miss' };
  }
  const payload = decodeCacheEntry(key, entry);
  if (payload === undefined) return { status: 'corrupt' };
  const now = Date.now();
  if (now - mtimeMs > REFRESH_AFTER_MS) {
    try {
      utimesSync(path, now / 1000, now / 1000);
    } catch {
      // A read-only cache still serves hits; only its eviction order goes stale.
    }
  }
  return { status: 'hit', payload, hash: `sha256-${entry.subarray(44, 76).toString('base64')}` };
}

/** Stores an entry atomically. Throws on I/O failure (the caller decides whether that matters). */
export function writeCacheEntry(dir: string, key: string, payload: Uint8Array): void {
  const path = cacheEntryPath(dir, key);
  mkdirSync(join(dir, key.slice(0, 2)), { recursive: true });
  writeFileAtomicSync(path, [cacheEntryHeader(key, payload), payload]);
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
 * the rest fits, and temporary files older than an hour. Only names this module creates are
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
