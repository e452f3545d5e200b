/**
 * What Vite users expect of a plugin, on real builds of fixtures/small-app: `include` / `exclude`
 * with Vite's `createFilter` semantics, Vite's `build.reportCompressedSize` turned off unless the
 * user set it (the plugin's report lists the sizes it measured), warnings through the plugin
 * context (so `onwarn` sees them, named after the step), and a manifest outside the output folder.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { WirepackManifest } from '@wirepack/manifest';
import type { Plugin, ResolvedConfig } from 'vite';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveOptions } from './options.js';
import { createWirepackState } from './plugins/state.js';
import { buildFixture, SMALL_APP, temporaryDirectory } from './test-support/build-fixture.js';

const temporary = temporaryDirectory('conventions');
const cacheDir = join(temporary.path, 'cache');
afterAll(() => temporary.remove());

/** A plugin that keeps the resolved config, to read what Vite ended up with. */
function captureConfig(): { plugin: Plugin; resolved: () => ResolvedConfig } {
  let config: ResolvedConfig | undefined;
  return {
    plugin: {
      name: 'test:capture-config',
      configResolved(resolved) {
        config = resolved;
      },
    },
    resolved: () => config!,
  };
}

const readManifest = (path: string): WirepackManifest =>
  JSON.parse(readFileSync(path, 'utf8')) as WirepackManifest;

describe('include / exclude', () => {
  it('give siblings only to files include keeps and exclude does not drop, and list every file anyway', async () => {
    const outDir = join(temporary.path, 'include');
    const { reports } = await buildFixture(outDir, cacheDir, {
      include: ['**/*.txt', /\.html$/],
      exclude: 'docs/**',
    });
    const manifest = readManifest(join(outDir, '.wirepack/manifest.json'));
    const withSiblings = Object.values(manifest.files)
      .filter((file) => Object.keys(file.encodings).length > 0)
      .map((file) => file.path)
      .sort();
    expect(withSiblings).toEqual(['index.html', 'notes.txt', 'pages/about.html', 'robots.txt']);
    // Left out by the patterns, though compressible: counted as filtered, still fingerprinted.
    expect(manifest.files['/docs/read%20me.txt']?.encodings).toEqual({});
    expect(manifest.files['/data/catalog.json']?.encodings).toEqual({});
    expect(existsSync(join(outDir, 'docs/read me.txt.br'))).toBe(false);
    expect(reports[0]!.skipped.filtered).toBeGreaterThanOrEqual(6);
  });

  it('leave `filter` the last word, told the verdict include / exclude gave', async () => {
    const seen: Record<string, boolean> = {};
    await buildFixture(join(temporary.path, 'include-filter'), cacheDir, {
      exclude: '**/*.json',
      filter: ({ file, compress }) => {
        seen[file] = compress;
        return file === 'data/catalog.json' ? true : compress;
      },
    });
    expect(seen['data/catalog.json']).toBe(false);
    expect(seen['notes.txt']).toBe(true);
    expect(existsSync(join(temporary.path, 'include-filter/data/catalog.json.br'))).toBe(true);
  });
});

describe("Vite's build.reportCompressedSize", () => {
  it('is off when the plugin is active and the user left it unset; the report lists measured sizes', async () => {
    const capture = captureConfig();
    const outDir = join(temporary.path, 'report-off');
    const { reports } = await buildFixture(outDir, cacheDir, {}, { plugins: [capture.plugin] });
    expect(capture.resolved().build.reportCompressedSize).toBe(false);
    expect(capture.resolved().environments.client!.build.reportCompressedSize).toBe(false);

    const report = reports[0]!;
    const manifest = readManifest(join(outDir, '.wirepack/manifest.json'));
    expect(report.largest.length).toBeGreaterThan(3);
    expect(report.largest.length).toBeLessThanOrEqual(10);
    const sizes = report.largest.map((entry) => entry.size);
    expect(sizes).toEqual([...sizes].sort((a, b) => b - a));
    for (const entry of report.largest) {
      const file = Object.values(manifest.files).find((candidate) => candidate.path === entry.file)!;
      expect(entry.size).toBe(file.size);
      expect(entry.encodings).toEqual({ br: file.encodings.br?.size, gzip: file.encodings.gzip?.size });
    }
  });

  it('keeps a value the user set, at the top level or for an environment', async () => {
    const top = captureConfig();
    await buildFixture(
      join(temporary.path, 'report-on'),
      cacheDir,
      {},
      {
        plugins: [top.plugin],
        build: { reportCompressedSize: true },
      },
    );
    expect(top.resolved().build.reportCompressedSize).toBe(true);

    const perEnvironment = captureConfig();
    await buildFixture(
      join(temporary.path, 'report-env'),
      cacheDir,
      {},
      {
        plugins: [perEnvironment.plugin],
        environments: { client: { build: { reportCompressedSize: true } } },
      },
    );
    expect(perEnvironment.resolved().environments.client!.build.reportCompressedSize).toBe(true);
  });
});

describe('warnings', () => {
  it("go through the plugin context: the build's onwarn gets them, named after the step", async () => {
    const blocker = join(temporary.path, 'blocker');
    writeFileSync(blocker, 'not a directory');
    const logged: { plugin: string | undefined; message: string }[] = [];
    const result = await buildFixture(
      join(temporary.path, 'warn'),
      cacheDir,
      { cache: { dir: join(blocker, 'cache') } },
      {
        build: {
          rolldownOptions: {
            onwarn(warning) {
              logged.push({ plugin: warning.plugin, message: warning.message });
            },
          },
        },
      },
    );
    expect(result.reports[0]!.cache.enabled).toBe(false);
    const cacheWarning = logged.find((log) => log.message.includes('compression cache'));
    expect(cacheWarning?.plugin).toMatch(/^wirepack:/);
    expect(cacheWarning?.message).toMatch(/^\[wirepack\/vite-plugin\] compression cache: cannot create/);
  });
});

describe('manifest.outFile', () => {
  it('writes the manifest outside the output directory, resolved from root, and nothing under .wirepack/', async () => {
    const outDir = join(temporary.path, 'outfile-dist');
    const target = join(temporary.path, 'deploy', 'wirepack-manifest.json');
    const { reports } = await buildFixture(outDir, cacheDir, {
      manifest: { outFile: relative(SMALL_APP, target) },
    });
    expect(existsSync(join(outDir, '.wirepack'))).toBe(false);
    expect(reports[0]!.manifest).toBe(target);
    const manifest = readManifest(target);
    expect(manifest.generator).toBe('@wirepack/vite-plugin');
    // Same content as a manifest written in the default place.
    const inside = join(temporary.path, 'outfile-default');
    await buildFixture(inside, cacheDir);
    expect(readFileSync(target, 'utf8')).toBe(readFileSync(join(inside, '.wirepack/manifest.json'), 'utf8'));
  });
});

describe('manifest.outFile shared by two environments', () => {
  it('fails the second one instead of letting it overwrite the first manifest', () => {
    const state = createWirepackState(
      resolveOptions({ manifest: { outFile: '/deploy/manifest.json' } }, true),
    );
    expect(state.claimManifestPath({ environment: 'client', outDir: '/app/dist' })).toBe(
      '/deploy/manifest.json',
    );
    // The same environment again (a watch rebuild) may write it.
    expect(state.claimManifestPath({ environment: 'client', outDir: '/app/dist' })).toBe(
      '/deploy/manifest.json',
    );
    expect(() => state.claimManifestPath({ environment: 'ssr', outDir: '/app/dist-ssr' })).toThrow(
      /environments client and ssr both write their manifest to \/deploy\/manifest\.json/,
    );
  });
});
