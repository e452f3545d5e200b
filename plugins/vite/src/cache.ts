import { createHash } from 'node:crypto';
import {
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  rmSync,
  type Stats,
  utimesSync,
} from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomicSync } from './atomic-write.ts';
import { ReadBuffer } from './read-buffer.ts';

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
 * An entry must be a regular file no larger than any compression of its input can be
 * (`maxEntryBytes`): it is opened with `O_NOFOLLOW | O_NONBLOCK` after an `lstat`, and the open
 * descriptor's `fstat` must name the same regular file. Anything else under an entry's name (a
 * symlink, which a hard link would copy into `dist/` as a symlink; a FIFO, on which a plain `open`
 * blocks the build forever; a directory, a device, a file that grew) is `bad`: removed when it can
 * be, and the file compressed again.
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

/**
 * The largest entry an input of `inputBytes` can have: brotli, gzip and zstd add at most a few bytes
 * per block to incompressible input (RFC 7932 section 9.2 uncompressed meta-blocks, RFC 1951
 * stored blocks of 64 KiB, zstd raw blocks of 128 KiB), far below 1/64 plus 1 KiB of headers.
 */
export function maxEntryBytes(inputBytes: number): number {
  return inputBytes + Math.ceil(inputBytes / 64) + 1024;
}

/** The file identity (`dev`, `ino`) of a verified entry, to check that a hard link points at it. */
export interface FileIdentity {
  readonly dev: number;
  readonly ino: number;
}

/**
 * Outcome of a cache lookup. `corrupt`: an entry existed but failed its checksum; `bad`: something
 * that is not a usable entry sat under its name (`reason` says what). Both are removed if possible.
 */
export type CacheLookup =
  | {
      readonly status: 'hit';
      readonly payload: Buffer;
      /** `sha256-<base64>` of the payload, verified. */
      readonly hash: string;
      /** The entry's path: the sibling can be a hard link to it. */
      readonly path: string;
      /** The verified file, which a hard link to `path` must still be. */
      readonly identity: FileIdentity;
    }
  | { readonly status: 'miss' }
  | { readonly status: 'corrupt' }
  | { readonly status: 'bad'; readonly path: string; readonly reason: string };

/**
 * Looks an entry up; a hit refreshes its mtime (when older than an hour) so eviction keeps what
 * builds still use. An entry over `maxBytes` (see `maxEntryBytes`) or not a regular file is `bad`.
 * With `into`, the entry is read into that buffer and the payload is a view valid until its next read.
 */
export function readCacheEntry(dir: string, key: string, maxBytes: number, into?: ReadBuffer): CacheLookup {
  const path = findCacheEntry(dir, key);
  if (path === undefined) return { status: 'miss' };
  const bad = (reason: string): CacheLookup => {
    // A symlink or FIFO is unlinked itself, never what it points at; a directory is left (rm without
    // `recursive` refuses it) and the rewritten entry's rename then fails, counted as a write error.
    try {
      rmSync(path, { force: true });
    } catch {
      // Left in place: every later lookup reports it again, and nothing of it is used.
    }
    return { status: 'bad', path, reason };
  };
  let payload: Buffer;
  let info: Stats;
  try {
    const link = lstatSync(path);
    if (!link.isFile()) return bad(`not a regular file (${fileKind(link)})`);
    if (link.size > maxBytes)
      return bad(`${link.size} bytes, more than the ${maxBytes} its input can compress to`);
    // O_NOFOLLOW: a symlink swapped in after the lstat fails with ELOOP; O_NONBLOCK: so does a FIFO
    // (it opens at once instead of waiting for a writer, and fstat below refuses it).
    const fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    try {
      info = fstatSync(fd);
      if (!info.isFile() || info.dev !== link.dev || info.ino !== link.ino) {
        return bad('replaced while it was opened');
      }
      payload = (into ?? new ReadBuffer()).readFd(fd, info.size, maxBytes);
    } finally {
      closeSync(fd);
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ELOOP') return bad('a symbolic link');
    // Vanished (another build evicting) or unreadable: nothing to reuse, compressing again is correct.
    return { status: 'miss' };
  }
  if (payload.byteLength > maxBytes) return bad(`more than the ${maxBytes} bytes its input can compress to`);
  const digest = createHash('sha256').update(payload).digest();
  if (digest.toString('hex') !== path.slice(-64)) {
    // Best effort: the recomputed entry gets the same name and replaces it anyway.
    rmSync(path, { force: true });
    return { status: 'corrupt' };
  }
  const now = Date.now();
  if (now - info.mtimeMs > REFRESH_AFTER_MS) {
    try {
      utimesSync(path, now / 1000, now / 1000);
    } catch {
      // A read-only cache still serves hits; only its eviction order goes stale.
    }
  }
  return {
    status: 'hit',
    payload,
    hash: `sha256-${digest.toString('base64')}`,
    path,
    identity: { dev: info.dev, ino: info.ino },
  };
}

const fileKind = (info: Stats): string =>
  info.isSymbolicLink()
    ? 'a symbolic link'
    : info.isFIFO()
      ? 'a FIFO'
      : info.isDirectory()
        ? 'a directory'
        : info.isSocket()
          ? 'a socket'
          : 'a device';

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
      // lstat: a symlink under an entry's name is not an entry (nor is its target's size ours).
      const info = lstatSync(path, { throwIfNoEntry: false });
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
