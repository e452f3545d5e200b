// The server process of `pnpm bench:load`: the whole production server (createWirepackServer) with
// fixtures/rest-api (SQLite) as the app and the Vite build of fixtures/small-app as the static root.
// Prints one JSON line `{ "ready": port, "pid": n, "assets": [...] }` on stdout once it listens on 127.0.0.1.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRestApi } from '@wirepack/fixture-rest-api';
import { createWirepackServer } from '@wirepack/server/production';

// argv: the build's work directory (bench/load/build.ts wrote dist/ there), the health window in ms.
const work = process.argv[2];
if (work === undefined) throw new TypeError('[bench:load] server.ts needs the build directory');
const healthWindowMs = Number(process.argv[3] ?? 10_000);
const dist = join(work, 'dist');

// Three files of the build a page would load: hashed JS/CSS with a br sibling first.
const manifest = JSON.parse(readFileSync(join(dist, '.wirepack/manifest.json'), 'utf8')) as {
  files: Record<string, { encodings: Record<string, unknown> }>;
};
const assets = Object.entries(manifest.files)
  .map(([path, file]): [string, number] => [
    path.startsWith('/') ? path : `/${path}`,
    (file.encodings.br === undefined ? 0 : 2) + (path.includes('assets/') ? 1 : 0),
  ])
  .sort((a, b) => b[1] - a[1])
  .map(([path]) => path)
  .filter((path) => !path.endsWith('.html'))
  .slice(0, 3);

const api = createRestApi({ users: 1000 });
const server = createWirepackServer({
  app: api.fetch,
  static: { root: dist, spaFallback: '/index.html' },
  batch: { createContext: api.createContext },
  metrics: { health: { windowMs: healthWindowMs, slots: 10, minRequests: 20 } },
  onError: () => {}, // shed and cut requests under stress are expected; counts come from /metrics
});
const { port } = await server.listen({ port: 0, host: '127.0.0.1' });
process.stdout.write(`${JSON.stringify({ ready: port, pid: process.pid, assets })}\n`);

let stopping = false;
const stop = (): void => {
  if (stopping) return;
  stopping = true;
  void server.close().finally(() => {
    api.close();
    process.exit(0);
  });
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
// The parent went away without a signal (crashed): do not outlive it.
process.stdin.on('end', stop);
process.stdin.resume();
