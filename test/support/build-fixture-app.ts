import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { WirepackManifest } from '@wirepack/manifest';
import wirepack from '@wirepack/vite-plugin';
import { build } from 'vite';

/**
 * A real Vite build of `fixtures/<name>` with @wirepack/vite-plugin into `work/dist` (brotli at
 * quality 5 to keep tests quick; caches under `work`), and the manifest it wrote.
 */
export async function buildFixtureApp(
  name: 'small-app' | 'lazy-app',
  work: string,
): Promise<{ dist: string; manifest: WirepackManifest }> {
  const fixture = fileURLToPath(new URL(`../../fixtures/${name}/`, import.meta.url));
  const dist = join(work, 'dist');
  await build({
    root: fixture,
    configFile: join(fixture, 'vite.config.ts'),
    cacheDir: join(work, 'vite-cache'),
    logLevel: 'silent',
    build: { outDir: dist, emptyOutDir: true },
    plugins: [wirepack({ brotli: { quality: 5 }, cache: { dir: join(work, 'wirepack-cache') } })],
  });
  const manifest = JSON.parse(
    readFileSync(join(dist, '.wirepack/manifest.json'), 'utf8'),
  ) as WirepackManifest;
  return { dist, manifest };
}
