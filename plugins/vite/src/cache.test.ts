import { createHash } from 'node:crypto';
import {
  existsSync,
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
import { cacheKey, evictCache, findCacheEntry, readCacheEntry, writeCacheEntry } from './cache.ts';

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

describe('on disk', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'wirepack-cache-test-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('misses, then hits what was written, then reports a damaged entry as corrupt', () => {
    expect(readCacheEntry(dir, key, 1 << 20).status).toBe('miss');
    writeCacheEntry(dir, key, payload);
    const hit = readCacheEntry(dir, key, 1 << 20);
    expect(hit.status === 'hit' && hit.payload.equals(payload)).toBe(true);
    expect(hit.status === 'hit' && hit.hash).toBe(
      `sha256-${createHash('sha256').update(payload).digest('base64')}`,
    );
    const path = findCacheEntry(dir, key)!;
    expect(hit.status === 'hit' && hit.path).toBe(path);
    expect(readFileSync(path).equals(payload)).toBe(true);
    writeFileSync(path, readFileSync(path).subarray(0, 10));
    expect(readCacheEntry(dir, key, 1 << 20).status).toBe('corrupt');
    // A damaged entry is removed, so the next lookup misses and the recomputed one takes its place.
    expect(readCacheEntry(dir, key, 1 << 20).status).toBe('miss');
    writeCacheEntry(dir, key, payload);
    const flipped = Buffer.from(payload);
    flipped[3]! ^= 0x01;
    writeFileSync(findCacheEntry(dir, key)!, flipped);
    expect(readCacheEntry(dir, key, 1 << 20).status).toBe('corrupt');
  });

  it('leaves no temporary files behind', () => {
    writeCacheEntry(dir, key, payload);
    const checksum = createHash('sha256').update(payload).digest('hex');
    expect(readdirSync(join(dir, key.slice(0, 2)))).toEqual([`${key.slice(2)}-${checksum}`]);
  });

  it('evicts least recently used entries beyond the bound and touches nothing else', () => {
    const keys = ['a', 'b', 'c', 'd'].map((name) => cacheKey(name.repeat(64), 'tag'));
    keys.forEach((entryKey, index) => {
      writeCacheEntry(dir, entryKey, Buffer.alloc(1000, index));
      const time = new Date(Date.UTC(2020, 0, 1 + index));
      utimesSync(findCacheEntry(dir, entryKey)!, time, time);
    });
    // A hit refreshes the oldest entry: it must survive and the second oldest go first.
    expect(readCacheEntry(dir, keys[0]!, 1 << 20).status).toBe('hit');
    mkdirSync(join(dir, 'zz'));
    writeFileSync(join(dir, 'zz', 'keep-me'), 'x'.repeat(10_000));
    writeFileSync(join(dir, 'README'), 'not ours');
    // An entry of the earlier format (a header inside the file) is removed: nothing reads it any more.
    const formatOne = join(dir, 'ab', 'cd'.repeat(31));
    mkdirSync(join(dir, 'ab'), { recursive: true });
    writeFileSync(formatOne, 'WPC1...');
    const entrySize = 1000;
    const result = evictCache(dir, entrySize * 2);
    expect(result).toEqual({ entries: 2, bytes: entrySize * 2, evicted: 2 });
    const left = keys.map((entryKey) => readCacheEntry(dir, entryKey, 1 << 20).status);
    expect(left).toEqual(['hit', 'miss', 'miss', 'hit']);
    expect(readFileSync(join(dir, 'zz', 'keep-me'), 'utf8')).toHaveLength(10_000);
    expect(readFileSync(join(dir, 'README'), 'utf8')).toBe('not ours');
    expect(existsSync(formatOne)).toBe(false);
  });

  it('treats a missing directory as empty', () => {
    expect(evictCache(join(dir, 'nope'), 0)).toEqual({ entries: 0, bytes: 0, evicted: 0 });
  });
});
