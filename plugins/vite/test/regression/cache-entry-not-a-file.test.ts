// Regression (issue 9, item 8): cache entries were opened following symlinks, with no file-type or size
// check. A FIFO under an entry's name blocked the build forever; a symlink whose target held the right
// bytes passed the checksum and was hard-linked into dist/ as a symlink. Real FIFOs (mkfifo) and
// symlinks, and real Vite builds of the small fixture app.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import {
  copyFileSync,
  lstatSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { placeFileAtomicSync } from '../../src/atomic-write.js';
import { cacheKey, maxEntryBytes, readCacheEntry, writeCacheEntry } from '../../src/cache.js';
import { buildFixture, temporaryDirectory } from '../../src/test-support/build-fixture.js';

const temporary = temporaryDirectory('cache-entry-types');
afterAll(() => temporary.remove());

/**
 * A safety net for the unfixed code, not a timing assertion: a plain open(2) of a FIFO waits for a
 * writer, so a child opens and closes the FIFO's write end after a while, and the test fails instead
 * of hanging the suite. With the fix nothing waits on the FIFO, and the child is killed unused.
 */
let guards: ChildProcess[] = [];
function unblockLater(fifo: string): void {
  const script = `setTimeout(() => require('node:fs').closeSync(require('node:fs').openSync(${JSON.stringify(fifo)}, 'w')), 3000)`;
  guards.push(spawn(process.execPath, ['-e', script], { stdio: 'ignore' }));
}
afterEach(() => {
  for (const guard of guards) guard.kill();
  guards = [];
});

function* walk(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(path);
    else yield path;
  }
}

describe('cache entries that are not regular files', () => {
  const dir = join(temporary.path, 'unit');
  const key = cacheKey('ab'.repeat(32), 'br:test');
  const payload = Buffer.from('compressed bytes, or so we pretend');

  it('a FIFO is a bad entry, reported at once and removed', () => {
    const path = writeCacheEntry(dir, key, payload);
    rmSync(path);
    execFileSync('mkfifo', [path]);
    unblockLater(path);
    const lookup = readCacheEntry(dir, key, maxEntryBytes(payload.byteLength));
    expect(lookup).toMatchObject({ status: 'bad', reason: 'not a regular file (a FIFO)' });
    expect(() => lstatSync(path)).toThrow(/ENOENT/);
  });

  it('a symlink to the right bytes is a bad entry; its target is left alone', () => {
    const path = writeCacheEntry(dir, key, payload);
    const outside = join(temporary.path, 'outside.bin');
    copyFileSync(path, outside);
    rmSync(path);
    symlinkSync(outside, path);
    expect(readCacheEntry(dir, key, maxEntryBytes(payload.byteLength))).toMatchObject({
      status: 'bad',
      reason: 'not a regular file (a symbolic link)',
    });
    expect(readFileSync(outside).equals(payload)).toBe(true);
  });

  it('an entry larger than any compression of its input is a bad entry', () => {
    writeCacheEntry(dir, key, payload);
    expect(readCacheEntry(dir, key, payload.byteLength - 1)).toMatchObject({ status: 'bad' });
    writeCacheEntry(dir, key, payload);
    expect(readCacheEntry(dir, key, payload.byteLength).status).toBe('hit');
  });

  it('a hard link to a symlink is never left in the output: the bytes are written instead', () => {
    const target = join(temporary.path, 'target.bin');
    writeFileSync(target, payload);
    const link = join(temporary.path, 'entry-link');
    symlinkSync(target, link);
    const placed = join(temporary.path, 'placed.br');
    placeFileAtomicSync(placed, payload, link);
    expect(lstatSync(placed).isFile()).toBe(true);
    expect(readFileSync(placed).equals(payload)).toBe(true);
  });
});

describe('a real Vite build over a cache holding a FIFO and a symlink', () => {
  it('compresses those files again, warns, and ships only regular files', async () => {
    const cacheDir = join(temporary.path, 'vite-cache');
    const cold = await buildFixture(join(temporary.path, 'cold'), cacheDir);
    expect(cold.reports[0]!.cache.misses).toBeGreaterThan(2);
    const entries = [...walk(join(cacheDir, 'wirepack'))].sort();
    const [asFifo, asSymlink] = entries;
    const outside = join(temporary.path, 'outside-entry');
    copyFileSync(asSymlink!, outside);
    rmSync(asSymlink!);
    symlinkSync(outside, asSymlink!);
    rmSync(asFifo!);
    execFileSync('mkfifo', [asFifo!]);
    unblockLater(asFifo!);

    const warm = await buildFixture(join(temporary.path, 'warm'), cacheDir);
    const report = warm.reports[0]!;
    expect(report.cache.corrupt).toBe(2);
    expect(report.cache.hits).toBe(cold.reports[0]!.cache.misses - 2);
    expect(warm.warnings.join('\n')).toMatch(
      /compression cache: 2 entries were not usable \(.*not a regular file/,
    );
    for (const path of walk(warm.outDir)) expect(lstatSync(path).isFile()).toBe(true);
    // The recomputed entries replaced the FIFO and the symlink; the symlink's target is untouched.
    for (const path of [asFifo!, asSymlink!]) expect(lstatSync(path).isFile()).toBe(true);
    expect(readFileSync(outside).equals(readFileSync(asSymlink!))).toBe(true);
    // Same bytes as the cold build's siblings.
    for (const path of walk(cold.outDir)) {
      if (!/\.(br|gz|zst)$/.test(path)) continue;
      const twin = join(warm.outDir, path.slice(cold.outDir.length));
      expect(readFileSync(twin).equals(readFileSync(path))).toBe(true);
    }
  }, 60_000);
});
