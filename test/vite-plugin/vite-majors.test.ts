/**
 * @wirepack/vite-plugin across the Vite majors it supports (peer range `>=7 <9`): the same fixture
 * (fixtures/small-app: two pages, a shared and a lazy chunk, CSS, an imported SVG, a public/ folder
 * of mixed types) built for real with Vite 7 (Rollup) and Vite 8 (Rolldown). Each output must have
 * siblings that decode to the exact bytes, a manifest whose hashes match the files on disk, and SRI
 * values that verify; the two builds share one cache, which is keyed by content, not by Vite.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import wirepack, { type WirepackManifest, type WirepackReport } from '@wirepack/vite-plugin';
import { build as buildWithVite8, version as vite8Version } from 'vite';
import {
  build as buildWithVite7,
  type PluginOption as Vite7PluginOption,
  version as vite7Version,
} from 'vite7';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { input } from '../../fixtures/small-app/vite.config.ts';
import { digest, listFiles, listOutput, mismatchedSiblings, type OutputListing } from './output-check.ts';

const fixture = fileURLToPath(new URL('../../fixtures/small-app/', import.meta.url));

interface MajorBuild {
  version: string;
  outDir: string;
  report: WirepackReport;
  listing: OutputListing;
  manifest: WirepackManifest;
}

const majors = ['vite7', 'vite8'] as const;
type Major = (typeof majors)[number];

let work: string;
const builds = {} as Record<Major, MajorBuild>;

function pluginOptions(cacheDir: string, reports: WirepackReport[]) {
  return {
    cache: { dir: cacheDir },
    report: false,
    onReport: (report: WirepackReport) => reports.push(report),
  };
}

async function buildWith(major: Major, cacheDir: string): Promise<MajorBuild> {
  const outDir = join(work, major);
  const reports: WirepackReport[] = [];
  const plugins = wirepack(pluginOptions(cacheDir, reports));
  // `configFile: false`: the fixture's config names Vite 8's `rolldownOptions`; each major gets
  // the same pages through its own option name.
  if (major === 'vite7') {
    await buildWithVite7({
      root: fixture,
      configFile: false,
      logLevel: 'silent',
      // The plugin is typed against Vite 8's Plugin; Vite 7's hooks are the same at run time.
      plugins: plugins as unknown as Vite7PluginOption[],
      build: { outDir, emptyOutDir: true, rollupOptions: { input } },
    });
  } else {
    await buildWithVite8({
      root: fixture,
      configFile: false,
      logLevel: 'silent',
      plugins,
      build: { outDir, emptyOutDir: true, rolldownOptions: { input } },
    });
  }
  expect(reports).toHaveLength(1);
  return {
    version: major === 'vite7' ? vite7Version : vite8Version,
    outDir,
    report: reports[0]!,
    listing: listOutput(outDir),
    manifest: JSON.parse(
      readFileSync(join(outDir, '.wirepack', 'manifest.json'), 'utf8'),
    ) as WirepackManifest,
  };
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'wirepack-majors-'));
  const cacheDir = join(work, 'cache');
  builds.vite8 = await buildWith('vite8', cacheDir);
  builds.vite7 = await buildWith('vite7', cacheDir);
}, 120_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

/** `[tag, url, integrity]` of every script, stylesheet and modulepreload tag of an HTML file. */
function subresourceTags(html: string): { tag: string; url: string; integrity: string | undefined }[] {
  const tags: { tag: string; url: string; integrity: string | undefined }[] = [];
  for (const match of html.matchAll(/<(script|link)\b([^>]*)>/g)) {
    const attributes = Object.fromEntries(
      [...match[2]!.matchAll(/([\w-]+)(?:="([^"]*)")?/g)].map((attribute) => [
        attribute[1]!,
        attribute[2] ?? '',
      ]),
    );
    const url = match[1] === 'script' ? attributes.src : attributes.href;
    const subresource =
      match[1] === 'script' || ['stylesheet', 'modulepreload'].includes(attributes.rel ?? '');
    if (url && subresource && url.startsWith('/assets/')) {
      tags.push({ tag: match[0], url, integrity: attributes.integrity });
    }
  }
  return tags;
}

describe.each(majors)('@wirepack/vite-plugin with %s on fixtures/small-app', (major) => {
  it('runs the Vite major it names', () => {
    expect(builds[major].version.split('.')[0]).toBe(major.slice('vite'.length));
  });

  it('writes siblings that decode to the exact bytes, for every compressible file above the threshold', () => {
    const { listing, outDir } = builds[major];
    expect(mismatchedSiblings(outDir, listing)).toEqual([]);
    const expected = listing.originals.filter(
      (file) =>
        /\.(html|js|css|svg|json|txt|ttf|ico|webmanifest)$/.test(file) &&
        readFileSync(join(outDir, file)).byteLength >= 256,
    );
    expect(expected.length).toBeGreaterThanOrEqual(8);
    expect(expected.filter((file) => !listing.siblings.br!.has(file))).toEqual([]);
    expect(expected.filter((file) => !listing.siblings.gz!.has(file))).toEqual([]);
    const incompressible = listing.originals.filter((file) => /\.(png|woff2)$/.test(file));
    expect(incompressible).toHaveLength(2);
    expect(
      incompressible.filter((file) => listing.siblings.br!.has(file) || listing.siblings.gz!.has(file)),
    ).toEqual([]);
  });

  it('writes a manifest listing every file with the hash, integrity and size of its bytes on disk', () => {
    const { manifest, listing, outDir } = builds[major];
    const entries = Object.values(manifest.files);
    expect(entries.map((entry) => entry.path).sort()).toEqual(listing.originals);
    for (const entry of entries) {
      const path = join(outDir, entry.path);
      expect([entry.path, entry.hash, entry.integrity, entry.size]).toEqual([
        entry.path,
        digest(path),
        digest(path, 'sha384'),
        readFileSync(path).byteLength,
      ]);
      for (const sibling of Object.values(entry.encodings)) {
        expect([sibling.path, sibling.hash]).toEqual([sibling.path, digest(join(outDir, sibling.path))]);
      }
      // Built assets carry a content hash in their names; public/ copies do not.
      expect([entry.path, entry.immutable]).toEqual([entry.path, entry.path.startsWith('assets/')]);
    }
  });

  it('puts verifying integrity values on both pages’ script, stylesheet and modulepreload tags', () => {
    const { outDir } = builds[major];
    const pages = listFiles(outDir).filter((file) => file.endsWith('.html'));
    expect(pages).toEqual(['index.html', 'pages/about.html']);
    const tags = pages.flatMap((page) => subresourceTags(readFileSync(join(outDir, page), 'utf8')));
    expect(tags.some((entry) => entry.tag.includes('modulepreload'))).toBe(true);
    expect(tags.some((entry) => entry.tag.includes('stylesheet'))).toBe(true);
    for (const { tag, url, integrity } of tags) {
      expect([tag, integrity]).toEqual([tag, digest(join(outDir, url.slice(1)), 'sha384')]);
    }
  });
});

describe('@wirepack/vite-plugin: Vite 7 and Vite 8 builds side by side', () => {
  it('gives public/ files the same manifest entries under both majors', () => {
    const publicFiles = listFiles(join(fixture, 'public'));
    const entriesOf = (major: Major) =>
      Object.values(builds[major].manifest.files).filter((entry) => publicFiles.includes(entry.path));
    expect(entriesOf('vite8')).toHaveLength(publicFiles.length);
    expect(entriesOf('vite7')).toEqual(entriesOf('vite8'));
  });

  it('reuses the cache across majors: the Vite 7 build compresses only what Vite 8 did not emit byte for byte', () => {
    const vite8 = builds.vite8.report;
    const vite7 = builds.vite7.report;
    expect(vite8.cache).toMatchObject({ hits: 0, corrupt: 0, writeErrors: 0 });
    // Every public/ sibling is identical, so it is a hit; only outputs whose bytes differ are compressed.
    const publicFiles = new Set(listFiles(join(fixture, 'public')));
    const vite8Bytes = new Map(
      Object.values(builds.vite8.manifest.files).map((entry) => [entry.hash, entry.path]),
    );
    const recompressed = vite7.compressed.map((job) => job.file);
    expect(recompressed.filter((file) => publicFiles.has(file))).toEqual([]);
    for (const file of recompressed) {
      const entry = Object.values(builds.vite7.manifest.files).find((candidate) => candidate.path === file)!;
      expect([file, vite8Bytes.has(entry.hash)]).toEqual([file, false]);
    }
    expect(vite7.cache.hits).toBeGreaterThan(0);
  });
});
