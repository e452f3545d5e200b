// Part 1, build: a real Vite build of the dashboard fixture with @wirepack/vite-plugin, the plugin's own
// report, a summary of the manifest it wrote, and a second build that the compression cache answers.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { WirepackManifest } from '@wirepack/vite-plugin';
import { type AppBuild, buildApp, type DemoApp } from './app.ts';
import { bytes, change, check, line, ms, table } from './print.ts';

/** What the deploy part needs from the build part. */
export interface BuildResult {
  /** The first build: the "deployed" one. */
  readonly first: AppBuild;
  /** The rebuild of the same sources. */
  readonly second: AppBuild;
}

export async function buildPart(app: DemoApp, work: string): Promise<BuildResult> {
  line(
    'vite build of fixtures/dashboard (3 routes as lazy chunks, @wirepack/client, CSS, a font, images, public/)',
  );
  line('with wirepack() on its defaults: brotli 11, gzip 9, SRI, manifest, cache (empty at first)');
  const first = await buildApp(app, join(work, 'dist-1'));
  line();
  for (const printed of first.printed) line(printed);
  line();

  const manifest = JSON.parse(readFileSync(first.manifestPath, 'utf8')) as WirepackManifest;
  const files = Object.values(manifest.files);
  const immutable = files.filter((file) => file.immutable);
  const mutable = files.filter((file) => !file.immutable);
  // What a client downloads for the whole site: the best sibling it accepts, else the file itself.
  const served = (encoding: 'br' | 'gzip', subset: typeof files): number =>
    subset.reduce((sum, file) => sum + (file.encodings[encoding]?.size ?? file.size), 0);
  const raw = (subset: typeof files): number => subset.reduce((sum, file) => sum + file.size, 0);
  line(`manifest ${relative(first.manifestPath, work)}: ${files.length} files, base ${manifest.base}`);
  table([
    ['', 'files', 'raw', 'as br', 'as gzip', 'br saves'],
    ...(
      [
        ['immutable (hashed names)', immutable],
        ['mutable (HTML, public/)', mutable],
        ['all', files],
      ] as const
    ).map(([label, subset]) => [
      label,
      String(subset.length),
      bytes(raw(subset)),
      bytes(served('br', subset)),
      bytes(served('gzip', subset)),
      change(served('br', subset), raw(subset)),
    ]),
  ]);
  const withSiblings = files.filter((file) => Object.keys(file.encodings).length > 0).length;
  line(`${withSiblings} files have .br/.gz siblings; the rest are already compressed formats or tiny`);

  const second = await buildApp(app, join(work, 'dist-1b'));
  const { cache } = second.report;
  line();
  line(
    `second build, same sources: cache ${cache.hits} hits, ${cache.misses} misses, ` +
      `${second.report.compressed.length} files compressed, ${second.report.workers} workers started ` +
      `(first build: ${first.report.compressed.length} compressed on ${first.report.workers} workers)`,
  );
  const sameManifest = readFileSync(second.manifestPath).equals(readFileSync(first.manifestPath));
  line(`manifest byte-identical to the first build's: ${sameManifest ? 'yes' : 'NO'}`);
  line(`wall time: first build ${ms(first.wallMs)}, second ${ms(second.wallMs)} (Vite's bundling included)`);
  check(first.report.compressed.length > 0, 'the first build compressed something');
  check(second.report.compressed.length === 0, 'the second build compressed nothing');
  check(cache.hits > 0, 'the second build hit the cache');
  check(sameManifest, 'a rebuild of the same sources writes the same manifest');
  return { first, second };
}

function relative(path: string, work: string): string {
  return path.startsWith(work) ? `$TMP${path.slice(work.length)}` : path;
}
