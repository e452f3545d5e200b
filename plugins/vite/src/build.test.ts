import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import * as zlib from 'node:zlib';
import { parseManifest, type WirepackManifest } from '@wirepack/manifest';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { Plugin } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cacheKey, findCacheEntry } from './cache.js';
import { codecTag, zstdSupported } from './codecs.js';
import { wirepack } from './index.js';
import { buildFixture, type FixtureBuild, temporaryDirectory } from './test-support/build-fixture.js';

// The schema the plugin publishes is the one @wirepack/manifest owns, copied byte for byte (an export
// map cannot point into another package); the test below keeps the copy honest.
const schemaText = readFileSync(new URL('../manifest.schema.json', import.meta.url), 'utf8');
const schema = JSON.parse(schemaText) as object;
const validateManifest = new Ajv2020({ allErrors: true, strict: true }).compile(schema);

/** Every file under a directory, relative, `/`-separated. */
function listFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)).split('\\').join('/'))
    .sort();
}

/** The manifest as written, through the contract's validating reader (which throws on any deviation). */
function readManifest(outDir: string): WirepackManifest {
  const text = readFileSync(join(outDir, '.wirepack/manifest.json'), 'utf8');
  parseManifest(text, { source: outDir });
  return JSON.parse(text) as WirepackManifest;
}

const digest = (algorithm: string, bytes: Buffer): string =>
  `${algorithm}-${createHash(algorithm).update(bytes).digest('base64')}`;

/** The files the small app's build must give siblings to, and the ones it must not. */
const COMPRESSED = [
  'LICENSE',
  'data/catalog.json',
  'docs/read me.txt',
  'favicon.ico',
  'fonts/glyphs.ttf',
  'icon.svg',
  'index.html',
  'manifest.webmanifest',
  'notes.txt',
  'pages/about.html',
  'robots.txt',
];
const NOT_COMPRESSED = ['fonts/text.woff2', 'photo.png', 'tiny.txt'];

const temporary = temporaryDirectory('build');
const cacheDir = join(temporary.path, 'cache');
let cold: FixtureBuild;
let manifest: WirepackManifest;

beforeAll(async () => {
  cold = await buildFixture(join(temporary.path, 'cold'), cacheDir);
  manifest = readManifest(cold.outDir);
});
afterAll(() => temporary.remove());

describe('a cold build of the small app', () => {
  it('gives every compressible file br and gzip siblings that decompress to its exact bytes', () => {
    const withSiblings = Object.values(manifest.files)
      .filter((file) => Object.keys(file.encodings).length > 0)
      .map((file) => file.path);
    for (const file of COMPRESSED) expect(withSiblings).toContain(file);
    // Every emitted JS, CSS and SVG asset over the threshold too, whatever its hash.
    const assets = listFiles(cold.outDir).filter(
      (file) => /^assets\/.*\.(js|css|svg)$/.test(file) && statSync(join(cold.outDir, file)).size >= 256,
    );
    expect(assets.length).toBeGreaterThanOrEqual(5);
    for (const file of assets) expect(withSiblings).toContain(file);

    for (const file of Object.values(manifest.files)) {
      const original = readFileSync(join(cold.outDir, file.path));
      if (withSiblings.includes(file.path)) expect(Object.keys(file.encodings)).toEqual(['br', 'gzip']);
      if (file.encodings.br !== undefined) {
        const sibling = readFileSync(join(cold.outDir, file.encodings.br.path));
        expect(file.encodings.br).toEqual({
          path: `${file.path}.br`,
          size: sibling.length,
          hash: digest('sha256', sibling),
        });
        expect(zlib.brotliDecompressSync(sibling).equals(original)).toBe(true);
      }
      if (file.encodings.gzip !== undefined) {
        const sibling = readFileSync(join(cold.outDir, file.encodings.gzip.path));
        expect(file.encodings.gzip.size).toBe(sibling.length);
        expect(zlib.gunzipSync(sibling).equals(original)).toBe(true);
      }
    }
  });

  it('writes no sibling for already-compressed types or files under the threshold', () => {
    const onDisk = listFiles(cold.outDir);
    for (const file of NOT_COMPRESSED) {
      expect(onDisk).toContain(file);
      expect(onDisk).not.toContain(`${file}.br`);
      expect(onDisk).not.toContain(`${file}.gz`);
    }
    // Nothing else on disk: every sibling is accounted for in the manifest, and no temporary file is left.
    const listed = new Set(['.wirepack/manifest.json']);
    for (const file of Object.values(manifest.files)) {
      listed.add(file.path);
      for (const sibling of Object.values(file.encodings)) listed.add(sibling.path);
    }
    expect(onDisk).toEqual([...listed].sort());
  });

  it('publishes the JSON Schema of @wirepack/manifest unchanged', () => {
    const owned = readFileSync(
      new URL('../../../packages/manifest/manifest.schema.json', import.meta.url),
      'utf8',
    );
    expect(schemaText).toBe(owned);
  });

  it('writes a manifest that validates against the shipped JSON Schema', () => {
    const valid = validateManifest(manifest);
    expect(validateManifest.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
    expect(manifest.version).toBe(1);
    expect(manifest.base).toBe('/');
    expect(manifest.files['/docs/read%20me.txt']?.path).toBe('docs/read me.txt');
  });

  it('fingerprints the bytes on disk: re-hashing every file matches the manifest', () => {
    for (const [url, file] of Object.entries(manifest.files)) {
      const bytes = readFileSync(join(cold.outDir, file.path));
      expect(url).toBe(`/${encodeURI(file.path)}`);
      expect(file.size).toBe(bytes.length);
      expect(file.hash).toBe(digest('sha256', bytes));
      expect(file.integrity).toBe(digest('sha384', bytes));
    }
  });

  it('marks only names the bundler hashed as immutable', () => {
    for (const file of Object.values(manifest.files)) {
      const hashed = file.path.startsWith('assets/');
      expect([file.path, file.immutable]).toEqual([file.path, hashed]);
      expect(file.cacheControl).toBe(
        hashed ? 'public, max-age=31536000, immutable' : 'public, max-age=0, must-revalidate',
      );
    }
    expect(manifest.files['/assets/' + 'x']).toBeUndefined();
    expect(manifest.files['/favicon.ico']?.contentType).toBe('image/x-icon');
    expect(manifest.files['/LICENSE']?.contentType).toBe('text/plain; charset=utf-8');
  });

  it('adds SRI to script, stylesheet and modulepreload tags, verifiable against the files', () => {
    let tags = 0;
    const kinds = new Set<string>();
    for (const page of ['index.html', 'pages/about.html']) {
      const html = readFileSync(join(cold.outDir, page), 'utf8');
      const pattern = /<(script|link)\b([^>]*)>/g;
      for (const [, name, attributes] of html.matchAll(pattern)) {
        const url = /\b(?:src|href)="([^"]+)"/.exec(attributes!)?.[1];
        const rel = /\brel="([^"]+)"/.exec(attributes!)?.[1];
        const eligible = name === 'script' || rel === 'stylesheet' || rel === 'modulepreload';
        if (url === undefined || !eligible || !url.startsWith('/assets/')) continue;
        const integrity = /\bintegrity="([^"]+)"/.exec(attributes!)?.[1];
        expect(integrity, `${page}: ${url}`).toBe(digest('sha384', readFileSync(join(cold.outDir, url))));
        kinds.add(name === 'script' ? 'script' : rel!);
        tags += 1;
      }
      // The HTML's own fingerprint and siblings are of the rewritten document.
      expect(manifest.files[`/${page}`]?.hash).toBe(digest('sha256', readFileSync(join(cold.outDir, page))));
    }
    expect([...kinds].sort()).toEqual(['modulepreload', 'script', 'stylesheet']);
    expect(cold.reports[0]!.sri).toEqual({ htmlFiles: 2, tags, skipped: 0 });
    // A tag inside an HTML comment is not touched.
    expect(readFileSync(join(cold.outDir, 'index.html'), 'utf8')).toContain(
      '<!-- <script src="/commented-out.js"></script> must stay untouched -->',
    );
  });

  it('reports the work done', () => {
    expect(cold.reports).toHaveLength(1);
    const report = cold.reports[0]!;
    const compressible = Object.values(manifest.files).filter(
      (file) => Object.keys(file.encodings).length > 0,
    );
    expect(report.environment).toBe('client');
    expect(report.files).toBe(Object.keys(manifest.files).length);
    expect(report.compressible.files).toBe(compressible.length);
    expect(report.encodings.br?.files).toBe(compressible.length);
    expect(report.encodings.gzip?.files).toBe(compressible.length);
    // png and woff2 are not compressible; tiny.txt and the about page's 0.2 kB entry chunk are under 256 B.
    expect(report.skipped).toEqual({ notCompressible: 2, belowThreshold: 2, filtered: 0, notSmaller: 0 });
    expect(report.cache).toMatchObject({
      enabled: true,
      hits: 0,
      misses: 2 * compressible.length,
      corrupt: 0,
    });
    expect(report.compressed).toHaveLength(2 * compressible.length);
    expect(report.manifest).toBe(join(cold.outDir, '.wirepack/manifest.json'));
    expect(cold.warnings).toEqual([]);
  });
});

describe('ordering with other plugins', () => {
  it('fingerprints and compresses what later plugins wrote in their own closeBundle', async () => {
    const outDir = join(temporary.path, 'late');
    const prerender: Plugin = {
      name: 'test:prerender',
      // Listed after wirepack and with a plain hook: it still runs before wirepack's post hooks.
      closeBundle() {
        const page = join(outDir, 'index.html');
        writeFileSync(
          page,
          readFileSync(page, 'utf8').replace(
            '<ul id="list"></ul>',
            `<ul id="list">${'<li>prerendered</li>'.repeat(40)}</ul>`,
          ),
        );
        writeFileSync(
          join(outDir, 'sitemap.xml'),
          `<urlset>${'<url><loc>https://example.com/</loc></url>'.repeat(30)}</urlset>\n`,
        );
      },
    };
    const result = await buildFixture(outDir, cacheDir, {}, { plugins: [prerender] });
    const late = readManifest(result.outDir);
    const page = readFileSync(join(outDir, 'index.html'));
    expect(page.toString()).toContain('<li>prerendered</li>');
    expect(page.toString()).toMatch(/<script type="module" crossorigin src="[^"]+" integrity="sha384-/);
    expect(late.files['/index.html']?.hash).toBe(digest('sha256', page));
    expect(zlib.brotliDecompressSync(readFileSync(join(outDir, 'index.html.br'))).equals(page)).toBe(true);
    expect(late.files['/sitemap.xml']?.contentType).toBe('application/xml; charset=utf-8');
    expect(
      zlib
        .gunzipSync(readFileSync(join(outDir, 'sitemap.xml.gz')))
        .equals(readFileSync(join(outDir, 'sitemap.xml'))),
    ).toBe(true);
  });
});

describe('the early pass over public/', () => {
  /** Holds the build until the early pass has stored `count` cache entries (bounded wait). */
  const waitForEarlyEntries = (dir: string, count: number, outDir: string): Plugin => ({
    name: 'test:slow-bundle',
    async writeBundle() {
      for (let attempt = 0; attempt < 300; attempt++) {
        if (existsSync(dir) && listFiles(dir).length >= count) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      // A plugin rewrites a public/ copy after the early pass compressed the original.
      writeFileSync(join(outDir, 'notes.txt'), `${readFileSync(join(outDir, 'notes.txt'), 'utf8')}changed\n`);
    },
  });

  it('compresses public/ files while bundling, and the final pass only reuses unchanged bytes', async () => {
    const earlyCache = join(temporary.path, 'early-cache');
    const outDir = join(temporary.path, 'early');
    const result = await buildFixture(
      outDir,
      cacheDir,
      { cache: { dir: earlyCache } },
      {
        plugins: [waitForEarlyEntries(earlyCache, 8, outDir)],
      },
    );
    const report = result.reports[0]!;
    expect(report.early).toBeGreaterThanOrEqual(8);
    expect(report.cache.hits).toBe(0);
    expect(report.compressed).toHaveLength(cold.reports[0]!.compressed.length);
    expect(report.compressed).toContainEqual({ file: 'notes.txt', encoding: 'br' });
    // The changed copy is what got compressed, not the public/ original the early pass saw.
    const notes = readFileSync(join(outDir, 'notes.txt'));
    expect(notes.toString().endsWith('changed\n')).toBe(true);
    expect(zlib.brotliDecompressSync(readFileSync(join(outDir, 'notes.txt.br'))).equals(notes)).toBe(true);
    expect(zlib.gunzipSync(readFileSync(join(outDir, 'notes.txt.gz'))).equals(notes)).toBe(true);
    expect(readManifest(outDir).files['/notes.txt']?.hash).toBe(digest('sha256', notes));

    // The same build again (the same plugin changing notes.txt the same way): nothing left to do.
    const warmOut = join(temporary.path, 'early-warm');
    const warm = await buildFixture(
      warmOut,
      cacheDir,
      { cache: { dir: earlyCache } },
      {
        plugins: [waitForEarlyEntries(earlyCache, 8, warmOut)],
      },
    );
    expect(warm.reports[0]!).toMatchObject({ early: 0, compressed: [] });
  });

  it('does nothing early when turned off', async () => {
    const result = await buildFixture(join(temporary.path, 'not-early'), cacheDir, {
      early: false,
      cache: { dir: join(temporary.path, 'not-early-cache') },
    });
    expect(result.reports[0]!.early).toBe(0);
  });
});

describe('rebuilding with the cache', () => {
  it('compresses nothing when nothing changed, and writes a byte-identical manifest', async () => {
    const warm = await buildFixture(join(temporary.path, 'warm'), cacheDir);
    const report = warm.reports[0]!;
    expect(report.compressed).toEqual([]);
    expect(report.cache).toMatchObject({ hits: cold.reports[0]!.cache.misses, misses: 0, corrupt: 0 });
    expect(readFileSync(join(warm.outDir, '.wirepack/manifest.json'))).toEqual(
      readFileSync(join(cold.outDir, '.wirepack/manifest.json')),
    );
    for (const file of Object.values(manifest.files)) {
      for (const sibling of Object.values(file.encodings)) {
        expect(readFileSync(join(warm.outDir, sibling.path))).toEqual(
          readFileSync(join(cold.outDir, sibling.path)),
        );
      }
    }
  });

  it('recomputes exactly the entry that was deleted, and exactly the one that was corrupted', async () => {
    const entryOf = (file: string, encoding: 'br' | 'gzip'): string => {
      const bytes = readFileSync(join(cold.outDir, file));
      const tag = codecTag(encoding === 'br' ? { encoding, level: 5 } : { encoding, level: 9 });
      const entry = findCacheEntry(
        join(cacheDir, 'wirepack'),
        cacheKey(createHash('sha256').update(bytes).digest('hex'), tag),
      );
      if (entry === undefined) throw new Error(`no cache entry for ${file} (${encoding})`);
      return entry;
    };
    rmSync(entryOf('notes.txt', 'br'));
    const corrupted = entryOf('robots.txt', 'gzip');
    writeFileSync(corrupted, readFileSync(corrupted).subarray(0, statSync(corrupted).size - 7));

    const rebuilt = await buildFixture(join(temporary.path, 'repaired'), cacheDir);
    const report = rebuilt.reports[0]!;
    expect(report.compressed).toEqual([
      { file: 'notes.txt', encoding: 'br' },
      { file: 'robots.txt', encoding: 'gzip' },
    ]);
    expect(report.cache).toMatchObject({ misses: 1, corrupt: 1, hits: cold.reports[0]!.cache.misses - 2 });
    const notes = readFileSync(join(rebuilt.outDir, 'notes.txt'));
    expect(zlib.brotliDecompressSync(readFileSync(join(rebuilt.outDir, 'notes.txt.br'))).equals(notes)).toBe(
      true,
    );
    const robots = readFileSync(join(rebuilt.outDir, 'robots.txt'));
    expect(zlib.gunzipSync(readFileSync(join(rebuilt.outDir, 'robots.txt.gz'))).equals(robots)).toBe(true);

    const again = await buildFixture(join(temporary.path, 'again'), cacheDir);
    expect(again.reports[0]!.compressed).toEqual([]);
  });

  it('keeps the cache under maxSize, evicting least recently used entries', async () => {
    const small = join(temporary.path, 'small-cache');
    const result = await buildFixture(join(temporary.path, 'bounded'), cacheDir, {
      cache: { dir: small, maxSize: 4000 },
    });
    const report = result.reports[0]!;
    expect(report.cache.dir).toBe(small);
    expect(report.cache.evicted).toBeGreaterThan(0);
    const left = listFiles(small).reduce((sum, file) => sum + statSync(join(small, file)).size, 0);
    expect(left).toBeLessThanOrEqual(4000);
    expect(left).toBeGreaterThan(0);
  });

  it('compresses everything with the cache off', async () => {
    const uncached = await buildFixture(join(temporary.path, 'uncached'), cacheDir, { cache: false });
    const report = uncached.reports[0]!;
    expect(report.cache).toMatchObject({ enabled: false, dir: null, hits: 0 });
    expect(report.compressed).toHaveLength(cold.reports[0]!.compressed.length);
  });

  it('warns and carries on when the cache cannot be written', async () => {
    const blocker = join(temporary.path, 'a-file');
    writeFileSync(blocker, 'not a directory');
    const result = await buildFixture(join(temporary.path, 'no-cache'), cacheDir, {
      cache: { dir: join(blocker, 'cache') },
    });
    expect(result.warnings.join('\n')).toMatch(
      /compression cache: cannot create the cache directory .*a-file/,
    );
    expect(result.reports[0]!.cache.enabled).toBe(false);
    expect(listFiles(result.outDir)).toContain('notes.txt.br');
  });
});

describe('bad input and scope', () => {
  it('throws a TypeError naming the option when the plugin is created', () => {
    expect(() => wirepack({ brotli: { quality: 99 } })).toThrow(/`brotli\.quality`/);
    expect(() => wirepack({ gzip: { level: 10 } })).toThrow(TypeError);
  });

  it('fails the build, naming the file, when an output file disappears mid-build', async () => {
    const outDir = join(temporary.path, 'vanishing');
    const build = buildFixture(outDir, cacheDir, {
      filter: ({ file, compress }) => {
        // Another process removes the file after the plugin listed it.
        if (file === 'notes.txt') rmSync(join(outDir, file));
        return compress;
      },
    });
    await expect(build).rejects.toThrow(/notes\.txt disappeared from the output directory/);
  });

  it('refuses a manifest path that an output file already uses', async () => {
    const build = buildFixture(join(temporary.path, 'clash'), cacheDir, { manifest: 'robots.txt' });
    await expect(build).rejects.toThrow(/option `manifest` points at robots\.txt, which this build wrote/);
  });

  it('leaves SSR output alone unless asked', async () => {
    const ssr = { configFile: false, build: { ssr: 'src/greeting.ts' } } as const;
    const skipped = await buildFixture(join(temporary.path, 'ssr'), cacheDir, {}, ssr);
    expect(skipped.reports).toEqual([]);
    expect(listFiles(skipped.outDir).filter((file) => /\.(br|gz)$|manifest\.json$/.test(file))).toEqual([]);

    const asked = await buildFixture(
      join(temporary.path, 'ssr-asked'),
      cacheDir,
      { environments: ['ssr'] },
      ssr,
    );
    expect(asked.reports.map((report) => report.environment)).toEqual(['ssr']);
    expect(listFiles(asked.outDir)).toContain('.wirepack/manifest.json');
  });

  it('removes siblings of an earlier build that this one no longer writes (emptyOutDir: false)', async () => {
    const outDir = join(temporary.path, 'kept');
    await buildFixture(outDir, cacheDir);
    expect(listFiles(outDir)).toContain('notes.txt.gz');
    const second = await buildFixture(
      outDir,
      cacheDir,
      { gzip: false, threshold: 2000 },
      { build: { emptyOutDir: false } },
    );
    const files = listFiles(outDir);
    expect(files.filter((file) => file.endsWith('.gz'))).toEqual([]);
    expect(files).toContain('notes.txt.br');
    expect(files).not.toContain('robots.txt.br');
    expect(second.reports[0]!.compressed).toEqual([]);
    const kept = readManifest(outDir);
    expect(kept.files['/notes.txt']?.encodings).toEqual({
      br: expect.objectContaining({ path: 'notes.txt.br' }),
    });
    expect(kept.files['/robots.txt']?.encodings).toEqual({});
  });

  it.each([
    ['/shop/', '/shop/'],
    ['./', '/'],
    ['https://cdn.example.com/shop/', '/shop/'],
  ])('honours base %s in the manifest URLs and the HTML', async (base, path) => {
    const outDir = join(temporary.path, `base-${path.length}-${base.length}`);
    const result = await buildFixture(outDir, cacheDir, {}, { base });
    const based = readManifest(result.outDir);
    expect(based.base).toBe(path);
    expect(Object.keys(based.files).every((url) => url.startsWith(path))).toBe(true);
    expect(validateManifest(based)).toBe(true);
    // Every tag still gets integrity, whether its URL is absolute, relative or on another origin.
    expect(result.reports[0]!.sri).toEqual(cold.reports[0]!.sri);
    const tagged = [
      ...readFileSync(join(outDir, 'pages/about.html'), 'utf8').matchAll(
        /(?:src|href)="([^"]*assets\/[^"]+)" integrity="([^"]+)"/g,
      ),
    ];
    expect(tagged).toHaveLength(3);
    for (const [, url, integrity] of tagged) {
      const file = url!.slice(url!.indexOf('assets/'));
      expect(integrity).toBe(digest('sha384', readFileSync(join(outDir, file))));
    }
  });

  it(
    zstdSupported()
      ? 'writes zstd siblings when asked'
      : 'warns that zstd is unavailable and writes the rest',
    async () => {
      const result = await buildFixture(join(temporary.path, 'zstd'), cacheDir, { zstd: { level: 3 } });
      const files = listFiles(result.outDir);
      expect(files).toContain('notes.txt.br');
      if (zstdSupported()) {
        const decompress = (zlib as unknown as { zstdDecompressSync(input: Buffer): Buffer })
          .zstdDecompressSync;
        const notes = readFileSync(join(result.outDir, 'notes.txt'));
        expect(decompress(readFileSync(join(result.outDir, 'notes.txt.zst'))).equals(notes)).toBe(true);
      } else {
        expect(files.some((file) => file.endsWith('.zst'))).toBe(false);
        expect(result.warnings.join('\n')).toMatch(/zstd was requested but Node\.js v\d+.*has no zstd/);
      }
    },
  );
});
