// Builds fixtures/small-app with @wirepack/vite-plugin into the directory given as argv[2], in a
// process of its own, so the server's RSS (a target, and the endurance slope) holds no Vite build.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import wirepack from '@wirepack/vite-plugin';
import { build } from 'vite';

const work = process.argv[2];
if (work === undefined) throw new TypeError('[bench:load] build.ts needs the output directory');
const fixture = fileURLToPath(new URL('../../fixtures/small-app/', import.meta.url));
await build({
  root: fixture,
  configFile: join(fixture, 'vite.config.ts'),
  cacheDir: join(work, 'vite-cache'),
  logLevel: 'silent',
  build: { outDir: join(work, 'dist'), emptyOutDir: true },
  plugins: [wirepack({ cache: { dir: join(work, 'wirepack-cache') } })],
});
