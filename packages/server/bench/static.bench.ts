// Static serving of the realistic fixture's build (fixtures/realistic-app, built with
// @wirepack/vite-plugin once if its dist/ is missing): serveStatic (through toNodeListener) against
// sirv (precompressed siblings on) and against serve-static + compression (compresses per request),
// each in its own child process on 127.0.0.1, loaded by autocannon from this process with the
// requests of one page load, browser Accept-Encoding. Prints requests/s and bytes per page load
// (headers and bodies on the wire) as ratios against the peers of the same run, and the goal: at
// least 1.5x the requests/s of serve-static + compression, and fewer bytes.
//
//   pnpm bench:static                       (from the repo root)
//   DURATION=10 CONNECTIONS=10 pnpm bench:static
//   STATIC_DIST=/some/dist pnpm bench:static   (serve another build; it must hold a wirepack manifest)

import { fork } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, request } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { WirepackManifest } from '@wirepack/manifest';
import { serveStatic, toNodeListener } from '../src/adapters/node.ts';

// The peers are dependencies of the private `bench` workspace package, not of @wirepack/server.
const peers = createRequire(fileURLToPath(new URL('../../../bench/package.json', import.meta.url)));
const fixture = fileURLToPath(new URL('../../../fixtures/realistic-app/', import.meta.url));
const dist = process.env.STATIC_DIST ?? join(fixture, 'dist');
const DURATION = Number(process.env.DURATION ?? 10);
const CONNECTIONS = Number(process.env.CONNECTIONS ?? 10);
const ACCEPT_ENCODING = 'gzip, deflate, br, zstd'; // what Chrome sends
const PEERS = ['wirepack', 'sirv', 'serve-static+compression'] as const;
type Peer = (typeof PEERS)[number];

/** In a child process: serve `dist` with one peer on 127.0.0.1 and report the port. */
async function serve(peer: Peer): Promise<void> {
  let listener: Parameters<typeof createServer>[1];
  if (peer === 'wirepack') {
    listener = toNodeListener(serveStatic({ root: dist }));
  } else if (peer === 'sirv') {
    const sirv = peers('sirv') as (dir: string, options: object) => NonNullable<typeof listener>;
    listener = sirv(dist, { brotli: true, gzip: true, etag: true, dev: false });
  } else {
    const serveStaticPeer = peers('serve-static') as (dir: string) => Middleware;
    const compression = peers('compression') as () => Middleware;
    const files = serveStaticPeer(dist);
    const compress = compression();
    listener = (req, res) =>
      compress(req, res, () =>
        files(req, res, () => {
          res.statusCode = 404;
          res.end();
        }),
      );
  }
  const server = createServer(listener);
  server.listen(0, '127.0.0.1', () => process.send?.({ port: (server.address() as AddressInfo).port }));
}
type Middleware = (req: unknown, res: unknown, next: () => void) => void;

/** The URLs one visit of the home page fetches: the HTML and the scripts, styles and preloads it names. */
function pageLoad(): string[] {
  const manifest = JSON.parse(
    readFileSync(join(dist, '.wirepack/manifest.json'), 'utf8'),
  ) as WirepackManifest;
  const html = readFileSync(join(dist, 'index.html'), 'utf8');
  const urls = [manifest.base];
  for (const match of html.matchAll(/<(?:script|link)\b[^>]*?\b(?:src|href)="([^"]+)"/g)) {
    const url = new URL(match[1]!, `http://x${manifest.base}`).pathname;
    if (Object.hasOwn(manifest.files, url) && !urls.includes(url)) urls.push(url);
  }
  return urls;
}

/** Bytes on the wire for one GET: status line, headers and body as received. */
function wireBytes(port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const outgoing = request(
      { host: '127.0.0.1', port, path, headers: { 'accept-encoding': ACCEPT_ENCODING }, agent: false },
      (response) => {
        let body = 0;
        response.on('data', (chunk: Buffer) => {
          body += chunk.length;
        });
        response.on('end', () => {
          if (response.statusCode !== 200) reject(new Error(`${path}: HTTP ${response.statusCode}`));
          let head = `HTTP/1.1 ${response.statusCode} ${response.statusMessage}\r\n`.length + 2;
          for (let i = 0; i < response.rawHeaders.length; i += 2) {
            head += `${response.rawHeaders[i]}: ${response.rawHeaders[i + 1]}\r\n`.length;
          }
          resolve(head + body);
        });
      },
    );
    outgoing.on('error', reject);
    outgoing.end();
  });
}

async function measure(peer: Peer, urls: readonly string[]): Promise<{ rps: number; bytes: number }> {
  const child = fork(fileURLToPath(import.meta.url), ['serve', peer], {
    execArgv: ['--conditions=@wirepack/source', '--import', 'tsx'],
    stdio: 'inherit',
  });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      child.once('message', (message) => resolve((message as { port: number }).port));
      child.once('exit', (code) => reject(new Error(`${peer} server exited with ${code}`)));
    });
    let bytes = 0;
    for (const url of urls) bytes += await wireBytes(port, url);
    const autocannon = peers('autocannon') as (options: object) => Promise<AutocannonResult>;
    const result = await autocannon({
      url: `http://127.0.0.1:${port}`,
      connections: CONNECTIONS,
      duration: DURATION,
      headers: { 'accept-encoding': ACCEPT_ENCODING },
      requests: urls.map((path) => ({ method: 'GET', path })),
    });
    if (result.non2xx > 0 || result.errors > 0) {
      throw new Error(`${peer}: ${result.non2xx} non-2xx answers, ${result.errors} errors under load`);
    }
    return { rps: result.requests.average, bytes };
  } finally {
    child.kill();
  }
}
interface AutocannonResult {
  requests: { average: number };
  non2xx: number;
  errors: number;
}

async function main(): Promise<void> {
  if (!existsSync(join(dist, '.wirepack/manifest.json'))) {
    console.log(`building ${fixture} with @wirepack/vite-plugin (once; kept in ${dist}) ...`);
    const { build } = await import('vite');
    const { default: wirepack } = await import('@wirepack/vite-plugin');
    await build({
      root: fixture,
      configFile: join(fixture, 'vite.config.ts'),
      logLevel: 'warn',
      build: { outDir: dist, emptyOutDir: true },
      plugins: [wirepack()],
    });
  }
  const urls = pageLoad();
  console.log(`page load: ${urls.length} requests; ${CONNECTIONS} connections, ${DURATION} s per server`);
  const results = new Map<Peer, { rps: number; bytes: number }>();
  for (const peer of PEERS) results.set(peer, await measure(peer, urls));

  const ours = results.get('wirepack')!;
  console.log('\nserver                     req/s   bytes/page load   req/s vs wirepack   bytes vs wirepack');
  for (const [peer, result] of results) {
    console.log(
      `${peer.padEnd(26)} ${result.rps.toFixed(0).padStart(6)} ${String(result.bytes).padStart(17)} ` +
        `${(result.rps / ours.rps).toFixed(2).padStart(18)}x ${(result.bytes / ours.bytes).toFixed(3).padStart(18)}x`,
    );
  }
  const sirv = results.get('sirv')!;
  const classic = results.get('serve-static+compression')!;
  const rpsRatio = ours.rps / classic.rps;
  console.log(
    `\nwirepack vs sirv: ${(ours.rps / sirv.rps).toFixed(2)}x requests/s, ${(ours.bytes / sirv.bytes).toFixed(3)}x bytes`,
  );
  console.log(
    `wirepack vs serve-static+compression: ${rpsRatio.toFixed(2)}x requests/s, ` +
      `${(ours.bytes / classic.bytes).toFixed(3)}x bytes`,
  );
  const met = rpsRatio >= 1.5 && ours.bytes < classic.bytes;
  console.log(
    `goal (>= 1.5x serve-static+compression requests/s and fewer bytes): ${met ? 'met' : 'missed'}`,
  );
}

if (process.argv[2] === 'serve') await serve(process.argv[3] as Peer);
else await main();
