import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cacheKey, readCacheEntry } from './cache.js';
import { type CodecSpec, codecTag } from './codecs.js';
import { type CompressionJob, runCompressionJob, worthKeeping } from './compress-job.js';
import { temporaryDirectory } from './test-support/build-fixture.js';

const codecs: CodecSpec[] = [
  { encoding: 'br', level: 4 },
  { encoding: 'gzip', level: 6 },
];

describe('runCompressionJob', () => {
  let dir: { path: string; remove: () => void };
  beforeEach(() => {
    dir = temporaryDirectory('job');
  });
  afterEach(() => dir.remove());

  const jobFor = (path: string, extra: Partial<CompressionJob> = {}): CompressionJob => ({
    id: 7,
    path,
    sha256Hex: createHash('sha256').update(readFileSync(path)).digest('hex'),
    codecs: codecs.map((spec) => ({ spec, tag: codecTag(spec) })),
    cacheDir: join(dir.path, 'cache'),
    ratio: 0.9,
    ...extra,
  });

  it('writes siblings that decompress to the input and stores them in the cache', async () => {
    const path = join(dir.path, 'app.js');
    writeFileSync(path, 'export const answer = 42;\n'.repeat(200));
    const job = jobFor(path);
    const result = runCompressionJob(job);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.encodings.map((outcome) => [outcome.encoding, outcome.kept])).toEqual([
      ['br', true],
      ['gzip', true],
    ]);
    const input = readFileSync(path);
    expect(brotliDecompressSync(readFileSync(`${path}.br`)).equals(input)).toBe(true);
    expect(gunzipSync(readFileSync(`${path}.gz`)).equals(input)).toBe(true);
    for (const { spec, tag } of job.codecs) {
      const lookup = readCacheEntry(job.cacheDir!, cacheKey(job.sha256Hex, tag), 1 << 20);
      const sibling = readFileSync(`${path}${spec.encoding === 'br' ? '.br' : '.gz'}`);
      expect(lookup.status === 'hit' && lookup.payload.equals(sibling)).toBe(true);
    }
    expect(readdirSync(dir.path).sort()).toEqual(['app.js', 'app.js.br', 'app.js.gz', 'cache']);
  });

  it('drops siblings that are not small enough, including stale ones from an earlier build', () => {
    const path = join(dir.path, 'noise.bin');
    writeFileSync(path, createHash('sha512').update('seed').digest().toString('base64').repeat(2));
    writeFileSync(`${path}.br`, 'stale sibling from an earlier build');
    const result = runCompressionJob(jobFor(path, { ratio: 0.1 }));
    expect(result.ok && result.encodings.every((outcome) => !outcome.kept)).toBe(true);
    expect(existsSync(`${path}.br`)).toBe(false);
    expect(existsSync(`${path}.gz`)).toBe(false);
  });

  it('reports a file that disappeared or changed, by code', () => {
    const path = join(dir.path, 'gone.css');
    writeFileSync(path, 'a{}'.repeat(100));
    const job = jobFor(path);
    writeFileSync(path, 'b{}'.repeat(100));
    expect(runCompressionJob(job)).toMatchObject({ id: 7, ok: false, code: 'ECHANGED' });
    expect(runCompressionJob({ ...job, path: join(dir.path, 'missing.css') })).toMatchObject({
      ok: false,
      code: 'ENOENT',
    });
  });

  it('goes on without the cache when it cannot be written', () => {
    const path = join(dir.path, 'app.css');
    writeFileSync(path, 'body { color: red }\n'.repeat(50));
    writeFileSync(join(dir.path, 'blocker'), '');
    const result = runCompressionJob(jobFor(path, { cacheDir: join(dir.path, 'blocker', 'cache') }));
    expect(result.ok).toBe(true);
    expect(result.ok && result.cacheWriteError).toMatch(/ENOTDIR|EEXIST/);
    expect(existsSync(`${path}.br`)).toBe(true);
  });
});

describe('worthKeeping', () => {
  it('keeps only strictly smaller outputs within the ratio', () => {
    expect(worthKeeping(90, 100, 0.9)).toBe(true);
    expect(worthKeeping(91, 100, 0.9)).toBe(false);
    expect(worthKeeping(100, 100, 1)).toBe(false);
    expect(worthKeeping(99, 100, 1)).toBe(true);
  });
});
