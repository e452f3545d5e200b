/**
 * createWirepackServer (@wirepack/server/production) as a team runs it: a real Vite build of
 * fixtures/small-app as the static root, fixtures/rest-api (SQLite) as the app, real HTTP on 127.0.0.1,
 * the real @wirepack/client for batches. One server answers a page, its precompressed assets, a batch,
 * a cached GET; /metrics shows what those requests did (cache hit, compression bytes, static bytes,
 * batch calls), a forced overload shows shedding by priority, and /healthz answers throughout.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliDecompressSync } from 'node:zlib';
import { createBatchFetch } from '@wirepack/client';
import { createRestApi, type RestApi } from '@wirepack/fixture-rest-api';
import type { WirepackManifest } from '@wirepack/manifest';
import { createWirepackServer, type WirepackServer } from '@wirepack/server/production';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { get } from '../static/http-client.ts';
import { buildFixtureApp } from '../support/build-fixture-app.ts';

const work = join(
  fileURLToPath(new URL('../../node_modules/.cache/', import.meta.url)),
  `production-${process.pid}`,
);
const dist = join(work, 'dist');
let manifest: WirepackManifest;
let api: RestApi;
const servers: WirepackServer[] = [];

beforeAll(async () => {
  ({ manifest } = await buildFixtureApp('small-app', work));
  api = createRestApi({ users: 100 });
}, 120_000);

afterAll(async () => {
  await Promise.all(servers.map((server) => server.close()));
  api?.close();
  rmSync(work, { recursive: true, force: true });
});

async function start(options: Partial<Parameters<typeof createWirepackServer>[0]> = {}) {
  const server = createWirepackServer({
    app: api.fetch,
    static: { root: dist, spaFallback: '/index.html' },
    batch: { createContext: api.createContext },
    ...options,
  });
  servers.push(server);
  const { port, url } = await server.listen({ port: 0, host: '127.0.0.1' });
  return { server, port, url };
}

/** The value of one sample of the Prometheus text, 0 when absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const match = /^([a-z_:]+)(?:\{([^}]*)\})? (\S+)$/.exec(line);
    if (match === null || match[1] !== name) continue;
    const have = (match[2] ?? '').split(',').filter(Boolean);
    if (wanted.every((label) => have.includes(label))) return Number(match[3]);
  }
  return 0;
}

describe('createWirepackServer over HTTP', () => {
  let port: number;
  let url: string;
  let server: WirepackServer;
  beforeAll(async () => {
    ({ server, port, url } = await start());
  });

  it('serves the page and its assets precompressed (br) from the manifest, the bytes on disk', async () => {
    const page = await get(port, '/', { accept: 'text/html', 'accept-encoding': 'br, gzip' });
    expect(page.status).toBe(200);
    // index.html of this small fixture is under the plugin's size threshold: sent as it is.
    const html = page.headers['content-encoding'] === 'br' ? brotliDecompressSync(page.body) : page.body;
    expect(html).toEqual(readFileSync(join(dist, 'index.html')));
    const script = Object.entries(manifest.files).find(
      ([path, file]) => /^\/?assets\/.+\.js$/.test(path) && file.encodings.br !== undefined,
    )?.[0];
    expect(script).toBeDefined();
    const path = (script as string).startsWith('/') ? (script as string) : `/${script}`;
    const asset = await get(port, path, { 'accept-encoding': 'br' });
    expect(asset.status).toBe(200);
    expect(asset.headers['content-encoding']).toBe('br');
    expect(asset.headers['cache-control']).toContain('immutable');
    expect(brotliDecompressSync(asset.body)).toEqual(readFileSync(join(dist, path)));
    // A navigation the manifest does not list gets the SPA document, not the app's 404.
    const deep = await get(port, '/some/route', { accept: 'text/html' });
    expect(deep.status).toBe(200);
    expect(deep.body.toString()).toBe(readFileSync(join(dist, 'index.html'), 'utf8'));
  });

  it('answers a batch of 20 calls through the real client', async () => {
    const call = createBatchFetch({ endpoint: `${url}/__wirepack` });
    const users = await Promise.all(
      Array.from({ length: 20 }, (_, index) => call(`${url}/api/users/${index + 1}`).then((r) => r.json())),
    );
    expect(users.map((user) => (user as { id: number }).id)).toEqual(
      Array.from({ length: 20 }, (_, index) => index + 1),
    );
  });

  it('caches a cacheable GET (the second is a HIT), compresses it with br, and /metrics shows it all', async () => {
    const first = await get(port, '/api/catalog?page=3', { 'accept-encoding': 'br' });
    const second = await get(port, '/api/catalog?page=3', { 'accept-encoding': 'br' });
    expect(first.headers['x-cache']).toBe('MISS');
    expect(second.headers['x-cache']).toBe('HIT');
    expect(second.headers['content-encoding']).toBe('br');
    const plain = brotliDecompressSync(second.body);
    expect(JSON.parse(plain.toString()).page).toBe(3);

    const metrics = await get(port, '/metrics');
    expect(metrics.status).toBe(200);
    const text = metrics.body.toString();
    expect(sample(text, 'wirepack_cache_requests_total', { result: 'hit' })).toBe(1);
    expect(sample(text, 'wirepack_cache_requests_total', { result: 'miss' })).toBeGreaterThanOrEqual(1);
    // Both catalog answers were compressed by the stage: bytes in are exactly the two JSON bodies.
    expect(sample(text, 'wirepack_compression_in_bytes_total', { encoding: 'br' })).toBeGreaterThanOrEqual(
      2 * plain.length,
    );
    expect(sample(text, 'wirepack_compression_saved_bytes_total', { encoding: 'br' })).toBeGreaterThan(
      plain.length,
    );
    // The static files were counted as sent (br siblings at their compressed size).
    expect(sample(text, 'wirepack_static_bytes_total', { encoding: 'br' })).toBeGreaterThan(0);
    expect(sample(text, 'wirepack_batch_calls_total', { status_class: '2xx' })).toBe(20);
    expect(sample(text, 'wirepack_admission_in_flight')).toBe(0);
    expect(sample(text, 'wirepack_queue_length')).toBe(0);
    expect(sample(text, 'wirepack_http_requests_total', { route: 'static' })).toBeGreaterThan(0);
  });

  it('answers /healthz with the four targets, and a metrics scrape is never cached or admitted', async () => {
    const health = await get(port, '/healthz');
    const report = JSON.parse(health.body.toString()) as { status: string; targets: Record<string, unknown> };
    expect(Object.keys(report.targets).sort()).toEqual(['cpu', 'errorRate', 'memory', 'p95Ms']);
    expect(health.status).toBe(report.status === 'ok' ? 200 : 503);
    expect((await get(port, '/metrics')).headers['x-cache']).toBeUndefined();
    expect(server.admission?.stats().admitted.auto).toBeGreaterThan(0);
  });
});

describe('createWirepackServer under a forced overload', () => {
  it('sheds low priority with 503 and Retry-After, counts it by priority, serves high, and still reports', async () => {
    const { port } = await start({
      admission: { concurrency: 1, reservedForHigh: 0, maxQueue: 1, maxWaitMs: 5000 },
    });
    const low = { priority: 'u=6' };
    // One runs, one waits, the rest find the queue full and are shed at once.
    const answers = await Promise.all(
      Array.from({ length: 6 }, (_, index) => get(port, `/api/slow?ms=200&key=l${index}`, low)),
    );
    const shed = answers.filter((answer) => answer.status === 503);
    expect(shed.length).toBeGreaterThanOrEqual(3);
    for (const answer of shed) expect(Number(answer.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(answers.filter((answer) => answer.status === 200).length).toBeGreaterThanOrEqual(1);

    // High priority evicts a queued low one rather than being shed.
    const [busy, queuedLow, high] = await Promise.all([
      get(port, '/api/slow?ms=200&key=busy', low),
      get(port, '/api/slow?ms=10&key=queued', low),
      get(port, '/api/json', { priority: 'u=1' }),
    ]);
    expect(busy.status).toBe(200);
    expect(high.status).toBe(200);
    expect(queuedLow.status).toBe(503);

    const text = (await get(port, '/metrics')).body.toString();
    expect(sample(text, 'wirepack_shed_total', { priority: 'low' })).toBe(shed.length + 1);
    expect(sample(text, 'wirepack_shed_total', { priority: 'high' })).toBe(0);
    expect([200, 503]).toContain((await get(port, '/healthz')).status);
  });

  it('rejects unknown options naming the valid ones, and switches parts off', async () => {
    expect(() => createWirepackServer({ app: api.fetch, caches: false } as never)).toThrow(
      /unknown option `caches` \(valid: app, static, batch, admission, priorityOf, cache, msgpack, metrics/,
    );
    expect(() => createWirepackServer({} as never)).toThrow(TypeError);
    const { server, port } = await start({ static: false, cache: false, admission: false, metrics: false });
    expect([server.cache, server.admission, server.metrics, server.static]).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
    const catalog = await get(port, '/api/catalog?page=1');
    expect(catalog.headers['x-cache']).toBeUndefined();
    expect((await get(port, '/metrics')).status).toBe(404); // the app's own 404: no metrics endpoint
  });
});
