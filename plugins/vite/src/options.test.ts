import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { DEFAULT_OPTIONS, resolveOptions, type WirepackOptions } from './options.ts';

describe('resolveOptions', () => {
  it('fills in the documented defaults', () => {
    const options = resolveOptions(undefined, false);
    expect(options.codecs).toEqual([
      { encoding: 'br', level: 11 },
      { encoding: 'gzip', level: 9 },
    ]);
    expect(options).toMatchObject({
      zstdUnavailable: false,
      threshold: 256,
      ratio: 0.9,
      sri: true,
      early: true,
      manifest: { inOutDir: '.wirepack/manifest.json' },
      cache: { dir: undefined, maxSize: 512 * 1024 * 1024 },
      environments: undefined,
      concurrency: availableParallelism(),
      preview: true,
      report: true,
    });
    expect(Object.isFrozen(DEFAULT_OPTIONS)).toBe(true);
  });

  it('adds zstd only when asked and available, and says when it is not', () => {
    expect(resolveOptions({ zstd: true }, true).codecs.map((codec) => codec.encoding)).toEqual([
      'br',
      'zstd',
      'gzip',
    ]);
    expect(resolveOptions({ zstd: { level: 3 } }, true).codecs[1]).toEqual({ encoding: 'zstd', level: 3 });
    const without = resolveOptions({ zstd: true }, false);
    expect(without.codecs.map((codec) => codec.encoding)).toEqual(['br', 'gzip']);
    expect(without.zstdUnavailable).toBe(true);
  });

  it('turns codecs and the cache off', () => {
    const options = resolveOptions(
      { brotli: false, gzip: { level: 6 }, cache: false, manifest: false },
      false,
    );
    expect(options.codecs).toEqual([{ encoding: 'gzip', level: 6 }]);
    expect(options.cache).toBe(false);
    expect(options.manifest).toBe(false);
  });

  it.each<[string, unknown]>([
    ['brotli.quality', { brotli: { quality: 12 } }],
    ['brotli.quality', { brotli: { quality: 4.5 } }],
    ['brotli.level', { brotli: { level: 5 } }],
    ['brotli', { brotli: 'max' }],
    ['gzip.level', { gzip: { level: 0 } }],
    ['zstd.level', { zstd: { level: 23 } }],
    ['threshold', { threshold: -1 }],
    ['threshold', { threshold: '1kb' }],
    ['ratio', { ratio: 0 }],
    ['ratio', { ratio: 1.5 }],
    ['ratio', { ratio: Number.NaN }],
    ['filter', { filter: 'js' }],
    ['sri', { sri: 'yes' }],
    ['early', { early: 'soon' }],
    ['manifest', { manifest: '/abs/manifest.json' }],
    ['manifest', { manifest: '../outside.json' }],
    ['manifest', { manifest: 'C:/x.json' }],
    ['manifest', { manifest: '' }],
    ['manifest', { manifest: true }],
    ['manifest.outFile', { manifest: { outFile: '' } }],
    ['manifest.outFile', { manifest: { outFile: 'build/' } }],
    ['manifest.outFile', { manifest: {} }],
    ['manifest.outfile', { manifest: { outfile: 'x.json' } }],
    ['include', { include: 42 }],
    ['include', { include: [''] }],
    ['exclude', { exclude: [/x/, {}] }],
    ['cache', { cache: 'yes' }],
    ['cache.dir', { cache: { dir: 42 } }],
    ['cache.maxSize', { cache: { maxSize: -5 } }],
    ['cache.max', { cache: { max: 5 } }],
    ['environments', { environments: 'client' }],
    ['environments', { environments: [] }],
    ['concurrency', { concurrency: 0 }],
    ['concurrency', { concurrency: 2.5 }],
    ['preview', { preview: 1 }],
    ['report', { report: null }],
    ['onReport', { onReport: {} }],
    ['treshold', { treshold: 100 }],
    ['options', 'fast'],
    ['options', null],
  ])('throws a TypeError naming `%s`', (name, options) => {
    expect(() => resolveOptions(options as WirepackOptions, true)).toThrow(TypeError);
    expect(() => resolveOptions(options as WirepackOptions, true)).toThrow(`\`${name}\``);
  });
});

describe('include / exclude', () => {
  it("match output paths with Vite's createFilter, relative to the output directory, exclude winning", () => {
    const select = resolveOptions({ include: ['assets/**', /\.html$/], exclude: '**/*.map' }, true).select!;
    expect(
      ['assets/index-x.js', 'assets/index-x.js.map', 'index.html', 'pages/about.html', 'robots.txt'].map(
        select,
      ),
    ).toEqual([true, false, true, true, false]);
    expect(resolveOptions({}, true).select).toBeUndefined();
    // Not resolved against process.cwd(): a relative glob means a path in the output directory.
    expect(resolveOptions({ exclude: 'docs/*' }, true).select!('docs/read me.txt')).toBe(false);
  });

  it('keeps a manifest outFile as given, to be resolved from Vite root', () => {
    expect(resolveOptions({ manifest: { outFile: '../deploy/manifest.json' } }, true).manifest).toEqual({
      outFile: '../deploy/manifest.json',
    });
    expect(resolveOptions({ manifest: './meta/m.json' }, true).manifest).toEqual({ inOutDir: 'meta/m.json' });
  });
});
