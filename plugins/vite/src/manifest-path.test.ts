import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isWirepackPluginError } from './errors.js';
import { manifestFileInOutDir, manifestPathFor } from './manifest-path.js';
import { outputExclusions } from './output-exclusions.js';
import { temporaryDirectory } from './test-support/build-fixture.js';

describe('manifestPathFor', () => {
  it('places the manifest inside the output directory, or at outFile from the root, or nowhere', () => {
    expect(manifestPathFor({ inOutDir: '.wirepack/manifest.json' }, '/app/dist', '/app')).toBe(
      '/app/dist/.wirepack/manifest.json',
    );
    expect(manifestPathFor({ outFile: 'deploy/m.json' }, '/app/dist', '/app')).toBe('/app/deploy/m.json');
    expect(manifestPathFor({ outFile: '/abs/m.json' }, '/app/dist', '/app')).toBe('/abs/m.json');
    expect(manifestPathFor(false, '/app/dist', '/app')).toBeUndefined();
  });
});

describe('manifestFileInOutDir', () => {
  it('names the manifest relative to the output directory only when it lies inside it', () => {
    expect(manifestFileInOutDir('/app/dist', '/app/dist/.wirepack/manifest.json')).toBe(
      '.wirepack/manifest.json',
    );
    expect(manifestFileInOutDir('/app/dist', '/app/deploy/manifest.json')).toBeUndefined();
    expect(manifestFileInOutDir('/app/dist', '/app/dist')).toBeUndefined();
    // A sibling directory whose name starts like the output directory's is outside it.
    expect(manifestFileInOutDir('/app/dist', '/app/dist-2/manifest.json')).toBeUndefined();
  });
});

describe('outputExclusions', () => {
  const temporary = temporaryDirectory('exclusions');
  afterAll(() => temporary.remove());

  it('leaves out a manifest path that is free or holds an earlier manifest', async () => {
    const out = temporary.path;
    expect(await outputExclusions(out, join(out, 'm.json'))).toEqual(new Set(['m.json']));
    writeFileSync(
      join(out, 'earlier.json'),
      '{\n  "version": 1,\n  "generator": "@wirepack/vite-plugin",\n}',
    );
    expect(await outputExclusions(out, join(out, 'earlier.json'))).toEqual(new Set(['earlier.json']));
    expect(await outputExclusions(out, undefined)).toEqual(new Set());
    expect(await outputExclusions(out, '/elsewhere/m.json')).toEqual(new Set());
  });

  it('refuses a manifest path that holds an output file, with a coded error naming it', async () => {
    writeFileSync(join(temporary.path, 'robots.txt'), 'User-agent: *\n');
    const failure = await outputExclusions(temporary.path, join(temporary.path, 'robots.txt')).catch(
      (error: unknown) => error,
    );
    expect(isWirepackPluginError(failure, 'MANIFEST_PATH_CONFLICT')).toBe(true);
    expect((failure as Error).message).toMatch(/option `manifest` points at robots\.txt/);
  });
});
