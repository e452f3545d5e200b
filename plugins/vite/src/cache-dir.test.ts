import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cacheWarning, ensureCacheDir, resolveCacheDir } from './cache-dir.js';
import { temporaryDirectory } from './test-support/build-fixture.js';

describe('resolveCacheDir', () => {
  const config = { root: '/app', cacheDir: '/app/node_modules/.vite' };
  it("defaults under Vite's cacheDir, resolves cache.dir from the root, and is null with the cache off", () => {
    expect(resolveCacheDir({ dir: undefined, maxSize: 1 }, config)).toBe('/app/node_modules/.vite/wirepack');
    expect(resolveCacheDir({ dir: '.cache/wp', maxSize: 1 }, config)).toBe('/app/.cache/wp');
    expect(resolveCacheDir({ dir: '/var/cache/wp', maxSize: 1 }, config)).toBe('/var/cache/wp');
    expect(resolveCacheDir(false, config)).toBeNull();
  });
});

describe('ensureCacheDir', () => {
  const temporary = temporaryDirectory('cache-dir');
  afterAll(() => temporary.remove());

  it('creates the directory, or says why it cannot', () => {
    expect(ensureCacheDir(join(temporary.path, 'a/b'))).toEqual({ ok: true });
    const file = join(temporary.path, 'a-file');
    writeFileSync(file, '');
    const result = ensureCacheDir(join(file, 'below'));
    expect(result.ok).toBe(false);
    expect(!result.ok && result.problem).toMatch(/^cannot create the cache directory .*a-file\/below \(/);
    expect(cacheWarning('x')).toMatch(
      /^\[wirepack\/vite-plugin\] compression cache: x\. Building without it/,
    );
  });
});
