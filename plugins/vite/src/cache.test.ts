import { createHash } from 'node:crypto';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  cacheEntryPath,
  cacheKey,
  decodeCacheEntry,
  encodeCacheEntry,
  evictCache,
  readCacheEntry,
  writeCacheEntry,
} from './cache.js';

const key = cacheKey('ab'.repeat(32), 'br:level=11:br-1.1.0-node-20');
const payload = Buffer.from('compressed bytes, or so we pretend');

describe('cache keys', () => {
  it('differ by content, codec tag and encoder version', () => {
    const keys = new Set([
      cacheKey('ab'.repeat(32), 'br:level=11:br-1.1.0'),
      cacheKey('cd'.repeat(32), 'br:level=11:br-1.1.0'),
      cacheKey('ab'.repeat(32), 'br:level=10:br-1.1.0'),
      cacheKey('ab'.repeat(32), 'br:level=11:br-1.2.0'),
      cacheKey('ab'.repeat(32), 'gzip:level=11:br-1.1.0'),
    ]);
    expect(keys.size).toBe(5);
    for (const value of keys) expect(value).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('entry format', () => {
  it('round-trips a payload', () => {
    expect(decodeCacheEntry(key, encodeCacheEntry(key, payload))?.equals(payload)).toBe(true);
    expect(decodeCacheEntry(key, encodeCacheEntry(key, new Uint8Array()))?.byteLength).toBe(0);
  });

  it('detects truncation, corruption, a foreign key and garbage', () => {
    const entry = encodeCacheEntry(key, payload);
    expect(decodeCacheEntry(key, entry.subarray(0, entry.length - 1))).toBeUndefined();
    const flipped = Buffer.from(entry);
    flipped[flipped.length - 3]! ^= 0x01;
    expect(decodeCacheEntry(key, flipped)).toBeUndefined();
    expect(decodeCacheEntry(cacheKey('00'.repeat(32), 'x'), entry)).toBeUndefined();
    expect(decodeCacheEntry(key, Buffer.from('WPC1 but nothing else'))).toBeUndefined();
    expect(decodeCacheEntry(key, Buffer.alloc(0))).toBeUndefined();
  });
});

describe('on disk', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'wirepack-cache-test-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('misses, then hits what was written, then reports a damaged entry as corrupt', () => {
    expect(readCacheEntry(dir, key).status).toBe('miss');
    writeCacheEntry(dir, key, payload);
    const hit = readCacheEntry(dir, key);
    expect(hit.status === 'hit' && hit.payload.equals(payload)).toBe(true);
    expect(hit.status === 'hit' && hit.hash).toBe(
      `sha256-${createHash('sha256').update(payload).digest('base64')}`,
    );
    const path = cacheEntryPath(dir, key);
    writeFileSync(path, readFileSync(path).subarray(0, 50));
    expect(readCacheEntry(dir, key).status).toBe('corrupt');
  });

  it('leaves no temporary files behind', () => {
    writeCacheEntry(dir, key, payload);
    expect(readdirSync(join(dir, key.slice(0, 2)))).toEqual([key.slice(2)]);
  });

  it('evicts least recently used entries beyond the bound and touches nothing else', () => {
    const keys = ['a', 'b', 'c', 'd'].map((name) => cacheKey(name.repeat(64), 'tag'));
    keys.forEach((entryKey, index) => {
      writeCacheEntry(dir, entryKey, Buffer.alloc(1000, index));
      const time = new Date(Date.UTC(2020, 0, 1 + index));
      utimesSync(cacheEntryPath(dir, entryKey), time, time);
    });
    // A hit refreshes the oldest entry: it must survive and the second oldest go first.
    expect(readCacheEntry(dir, keys[0]!).status).toBe('hit');
    mkdirSync(join(dir, 'zz'));
    writeFileSync(join(dir, 'zz', 'keep-me'), 'x'.repeat(10_000));
    writeFileSync(join(dir, 'README'), 'not ours');
    const entrySize = encodeCacheEntry(keys[0]!, Buffer.alloc(1000)).length;
    const result = evictCache(dir, entrySize * 2);
    expect(result).toEqual({ entries: 2, bytes: entrySize * 2, evicted: 2 });
    const left = keys.map((entryKey) => readCacheEntry(dir, entryKey).status);
    expect(left).toEqual(['hit', 'miss', 'miss', 'hit']);
    expect(readFileSync(join(dir, 'zz', 'keep-me'), 'utf8')).toHaveLength(10_000);
    expect(readFileSync(join(dir, 'README'), 'utf8')).toBe('not ours');
  });

  it('treats a missing directory as empty', () => {
    expect(evictCache(join(dir, 'nope'), 0)).toEqual({ entries: 0, bytes: 0, evicted: 0 });
  });
});
