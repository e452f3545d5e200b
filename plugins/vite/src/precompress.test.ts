// precompressFiles without Vite: real files in a temporary directory, real worker threads, a real cache.
// (build.test.ts drives it through real Vite builds; these pin its own contract.)

import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import type { CodecSpec } from './codecs.js';
import { isWirepackPluginError } from './errors.js';
import { fingerprint } from './fingerprint.js';
import { type PrecompressSettings, precompressFiles } from './precompress.js';
import { temporaryDirectory } from './test-support/build-fixture.js';
import { walkOutDir } from './walk-out-dir.js';

const workerEntry = new URL('./compress-worker.ts', import.meta.url);
const gzip: CodecSpec = { encoding: 'gzip', level: 6 };
const temporary = temporaryDirectory('precompress');
afterAll(() => temporary.remove());

let dirs = 0;
/** An output directory holding these files. */
async function outDir(files: Record<string, string | Uint8Array>) {
  const dir = join(temporary.path, `out-${dirs++}`);
  for (const [name, content] of Object.entries(files)) {
    const path = join(dir, name);
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, content);
  }
  return { dir, files: await walkOutDir(dir, new Set()) };
}

function settings(overrides: Partial<PrecompressSettings> = {}): PrecompressSettings {
  return {
    codecs: [gzip],
    threshold: 100,
    ratio: 0.9,
    filter: undefined,
    cacheDir: null,
    hashed: new Set(),
    concurrency: 2,
    workerEntry,
    ...overrides,
  };
}

const text = (n: number): string => 'const answer = 42; // a compressible line\n'.repeat(n);

describe('precompressFiles', () => {
  it('fingerprints every file, writes the siblings worth keeping, and reports what it did', async () => {
    const { dir, files } = await outDir({
      'index.html': `<!doctype html>${text(50)}`,
      'assets/app-abc123.js': text(200),
      'assets/tiny.css': 'a{}',
      'logo.png': new Uint8Array(500).fill(7),
      'random.txt': randomBytes(400),
    });
    const progress: Array<[number, number]> = [];
    const outcome = await precompressFiles(
      files,
      settings({ hashed: new Set(['assets/app-abc123.js']), onProgress: (d, t) => progress.push([d, t]) }),
    );
    const byFile = new Map(outcome.records.map((record) => [record.file, record]));
    expect(outcome.records.map((record) => record.file)).toEqual(files.map((file) => file.file));
    for (const record of outcome.records) {
      const bytes = readFileSync(join(dir, record.file));
      expect(record.size).toBe(bytes.byteLength);
      expect(record.integrity).toBe(fingerprint(bytes).integrity);
    }
    // Siblings decompress to the file, and the manifest entry describes them.
    const app = byFile.get('assets/app-abc123.js')!;
    expect(app.immutable).toBe(true);
    expect(app.contentType).toBe('text/javascript; charset=utf-8');
    const sibling = readFileSync(join(dir, 'assets/app-abc123.js.gz'));
    expect(gunzipSync(sibling).equals(readFileSync(join(dir, 'assets/app-abc123.js')))).toBe(true);
    expect(app.encodings.gzip).toMatchObject({ path: 'assets/app-abc123.js.gz', size: sibling.byteLength });
    expect(byFile.get('index.html')!.immutable).toBe(false);
    // Below the threshold, not compressible, or not small enough: no sibling, each counted once.
    expect(existsSync(join(dir, 'assets/tiny.css.gz'))).toBe(false);
    expect(existsSync(join(dir, 'logo.png.gz'))).toBe(false);
    expect(existsSync(join(dir, 'random.txt.gz'))).toBe(false);
    expect(outcome.skipped).toEqual({ notCompressible: 1, belowThreshold: 1, filtered: 0, notSmaller: 1 });
    expect(outcome.compressible.files).toBe(3);
    expect(outcome.encodings.gzip?.files).toBe(2);
    expect(outcome.compressed.map((c) => c.file)).toEqual([
      'assets/app-abc123.js',
      'index.html',
      'random.txt',
    ]);
    expect(outcome.cache).toEqual({ hits: 0, misses: 0, corrupt: 0, writeErrors: 0 });
    expect(outcome.workers).toBeGreaterThan(0);
    expect(progress.at(-1)).toEqual([3, 3]);
  });

  it('a warm run takes every sibling from the cache and starts no worker', async () => {
    const cacheDir = join(temporary.path, 'cache');
    const first = await outDir({ 'a.js': text(100), 'b.css': text(80) });
    const cold = await precompressFiles(first.files, settings({ cacheDir }));
    expect(cold.cache).toMatchObject({ hits: 0, misses: 2 });
    const second = await outDir({ 'a.js': text(100), 'b.css': text(80) });
    const warm = await precompressFiles(second.files, settings({ cacheDir }));
    expect(warm.cache).toMatchObject({ hits: 2, misses: 0 });
    expect(warm.workers).toBe(0);
    expect(warm.compressed).toEqual([]);
    expect(readFileSync(join(second.dir, 'a.js.gz')).equals(readFileSync(join(first.dir, 'a.js.gz')))).toBe(
      true,
    );
    expect(warm.records.map((r) => r.encodings)).toEqual(cold.records.map((r) => r.encodings));
  });

  it('filter has the last word and sees the verdict; include/exclude count as filtered', async () => {
    const { files } = await outDir({ 'keep.js': text(100), 'drop.js': text(100), 'forced.svg': text(1) });
    const seen: string[] = [];
    const outcome = await precompressFiles(
      files,
      settings({
        select: (file) => file !== 'drop.js',
        filter: ({ file, compress }) => {
          seen.push(`${file}:${compress}`);
          return file === 'forced.svg' ? true : compress;
        },
      }),
    );
    expect(seen.sort()).toEqual(['drop.js:false', 'forced.svg:false', 'keep.js:true']);
    expect(outcome.skipped.filtered).toBe(1);
    expect(outcome.compressed.map((c) => c.file).sort()).toEqual(['forced.svg', 'keep.js']);
  });

  it('a filter that returns a non-boolean is a TypeError naming the file', async () => {
    const { files } = await outDir({ 'a.js': text(100) });
    await expect(
      precompressFiles(files, settings({ filter: (() => 'yes') as unknown as () => boolean })),
    ).rejects.toThrow(/`filter` must return a boolean, got string for a\.js/);
  });

  it('a file gone before it is read is a coded plugin error naming it', async () => {
    const { dir, files } = await outDir({ 'a.js': text(100), 'gone.js': text(100) });
    rmSync(join(dir, 'gone.js'));
    const failure = await precompressFiles(files, settings()).catch((error: unknown) => error);
    expect(isWirepackPluginError(failure, 'OUTPUT_FILE_FAILED')).toBe(true);
    expect(failure).toMatchObject({ file: 'gone.js', errno: 'ENOENT', status: 500 });
    expect((failure as Error).message).toMatch(/^\[wirepack\/vite-plugin\] gone\.js disappeared/);
  });

  it('with no encoding configured, fingerprints only', async () => {
    const { dir, files } = await outDir({ 'a.js': text(100) });
    const outcome = await precompressFiles(files, settings({ codecs: [] }));
    expect(outcome.records[0]!.encodings).toEqual({});
    expect(outcome.compressible).toEqual({ files: 0, bytes: 0 });
    expect(statSync(dir).isDirectory()).toBe(true);
    expect(existsSync(join(dir, 'a.js.gz'))).toBe(false);
  });
});
