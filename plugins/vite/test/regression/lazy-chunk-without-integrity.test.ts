// Regression (issue 10): `wirepack:sri` put `integrity` on the HTML's tags only, so a chunk loaded by
// `import()` had none and a tampered lazy chunk ran. Each page now carries an import map whose
// `integrity` section covers every chunk it can load, hashed from the bytes on disk. A real Vite
// build of the small fixture app (its "Load more" button imports a lazy chunk); the browser side is
// test/vite-plugin/lazy-chunk-integrity.test.ts.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sriIntegrity } from '../../src/fingerprint.js';
import { scanStartTags } from '../../src/sri.js';
import { buildFixture, temporaryDirectory } from '../../src/test-support/build-fixture.js';

const temporary = temporaryDirectory('lazy-integrity');
afterAll(() => temporary.remove());

/** The page's import map `integrity` section, and the tag order (import map before any script). */
function importMapOf(html: string): { integrity: Record<string, string>; tags: string[] } {
  const tags: string[] = [];
  let integrity: Record<string, string> = {};
  for (const tag of scanStartTags(html)) {
    const type = tag.attributes.find((attribute) => attribute.name === 'type')?.value;
    const rel = tag.attributes.find((attribute) => attribute.name === 'rel')?.value;
    if (tag.name === 'script') tags.push(type === 'importmap' ? 'importmap' : 'script');
    if (tag.name === 'link' && rel === 'modulepreload') tags.push('modulepreload');
    if (type === 'importmap') integrity = JSON.parse(html.slice(tag.end, tag.textEnd)).integrity;
  }
  return { integrity, tags };
}

describe('lazy chunks get integrity', () => {
  let outDir: string;
  let lazyChunk: string;
  beforeAll(async () => {
    outDir = join(temporary.path, 'dist');
    await buildFixture(outDir, join(temporary.path, 'cache'));
    lazyChunk = readdirSync(join(outDir, 'assets')).find((name) => /^lazy-chart-.*\.js$/.test(name))!;
    expect(lazyChunk).toBeDefined();
  });

  it('maps the lazily imported chunk to the sha384 of its bytes on disk, before any script', () => {
    const html = readFileSync(join(outDir, 'index.html'), 'utf8');
    const { integrity, tags } = importMapOf(html);
    expect(tags[0]).toBe('importmap');
    expect(tags.filter((tag) => tag === 'importmap')).toHaveLength(1);
    expect(integrity[`/assets/${lazyChunk}`]).toBe(
      sriIntegrity(readFileSync(join(outDir, 'assets', lazyChunk))),
    );
    // Every entry names a file that ships, with the digest of what ships.
    for (const [url, value] of Object.entries(integrity)) {
      expect(value).toBe(sriIntegrity(readFileSync(join(outDir, url))));
    }
  });

  it("lists only the chunks a page can reach: the about page's map has no lazy chart", () => {
    const { integrity } = importMapOf(readFileSync(join(outDir, 'pages/about.html'), 'utf8'));
    expect(Object.keys(integrity).length).toBeGreaterThan(0);
    expect(Object.keys(integrity).some((url) => url.includes('lazy-chart'))).toBe(false);
  });

  it('keys the map relative to each page when base is relative', async () => {
    const relative = join(temporary.path, 'relative');
    await buildFixture(relative, join(temporary.path, 'cache'), {}, { base: './' });
    for (const page of ['index.html', 'pages/about.html']) {
      const { integrity, tags } = importMapOf(readFileSync(join(relative, page), 'utf8'));
      expect(tags[0]).toBe('importmap');
      expect(Object.keys(integrity).length).toBeGreaterThan(0);
      for (const [url, value] of Object.entries(integrity)) {
        expect(url).toMatch(page === 'index.html' ? /^\.\/assets\// : /^\.\.\/assets\//);
        expect(value).toBe(sriIntegrity(readFileSync(join(relative, dirname(page), url))));
      }
    }
  });
});
