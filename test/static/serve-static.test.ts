/**
 * serveStatic of @wirepack/server/node over real HTTP on 127.0.0.1, through toNodeListener and
 * compose(), serving a real Vite build of fixtures/small-app made with @wirepack/vite-plugin: headers
 * per the manifest, bodies that decompress to the exact bytes on disk, conditional and range
 * requests, HEAD, 404s with warnings for files gone from disk, and a corpus of traversal attempts.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import {
  buildManifest,
  type ManifestFile,
  serializeManifest,
  type WirepackManifest,
} from '@wirepack/manifest';
import { compose } from '@wirepack/server';
import { type StaticWarning, serveStatic, toNodeListener } from '@wirepack/server/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFixtureApp } from '../support/build-fixture-app.ts';
import { get, rawGet } from './http-client.ts';

const SECRET = 'TOP-SECRET-OUTSIDE-ROOT';

const work = join(
  fileURLToPath(new URL('../../node_modules/.cache/', import.meta.url)),
  `static-${process.pid}`,
);
const dist = join(work, 'dist');
let manifest: WirepackManifest;
const servers: Server[] = [];

const sha256 = (bytes: Buffer): string => `sha256-${createHash('sha256').update(bytes).digest('base64')}`;
const etagOf = (hash: string): string => `"${hash.slice('sha256-'.length, -1)}"`;

async function listen(handler: Parameters<typeof toNodeListener>[0]): Promise<number> {
  const server = createServer(toNodeListener(handler));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

/** The app behind the static server: answers what serveStatic passes on, so the tests can see it. */
const app = async (request: Request): Promise<Response> =>
  new Response(`app: ${request.method} ${new URL(request.url).pathname}`, { status: 404 });

beforeAll(async () => {
  ({ manifest } = await buildFixtureApp('small-app', work));
  writeFileSync(join(work, 'secret.txt'), SECRET);
}, 120_000);

afterAll(async () => {
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  rmSync(work, { recursive: true, force: true });
});

const files = (): Array<[string, ManifestFile]> => Object.entries(manifest.files);

describe.each([
  ['buffered', 64 * 1024],
  ['streamed', 0],
])('serveStatic over HTTP (%s bodies)', (_mode, bufferLimit) => {
  let port: number;
  beforeAll(async () => {
    port = await listen(compose(serveStatic({ root: dist, bufferLimit }), app));
  });

  it('sends the preferred sibling of every file, decompressing to the exact bytes on disk', async () => {
    let siblings = 0;
    for (const [url, file] of files()) {
      const onDisk = readFileSync(join(dist, file.path));
      const answer = await get(port, url, { 'accept-encoding': 'gzip, deflate, br, zstd' });
      expect(answer.status, url).toBe(200);
      expect(answer.headers['content-type']).toBe(file.contentType);
      expect(answer.headers['cache-control']).toBe(file.cacheControl);
      expect(answer.headers.vary).toBe('Accept-Encoding');
      const br = file.encodings.br;
      if (br === undefined) {
        expect(answer.headers['content-encoding']).toBeUndefined();
        expect(answer.body.equals(onDisk)).toBe(true);
        expect(answer.headers.etag).toBe(etagOf(file.hash));
        continue;
      }
      siblings++;
      expect(answer.headers['content-encoding']).toBe('br');
      expect(Number(answer.headers['content-length'])).toBe(br.size);
      expect(answer.headers.etag).toBe(etagOf(br.hash));
      expect(answer.headers.etag).not.toBe(etagOf(file.hash));
      expect(sha256(answer.body)).toBe(br.hash);
      expect(brotliDecompressSync(answer.body).equals(onDisk), url).toBe(true);
    }
    expect(siblings).toBeGreaterThan(5);
  });

  it('follows the negotiation: gzip, refusals, identity with byte ranges', async () => {
    const [url, file] = files().find(([, f]) => f.encodings.gzip !== undefined)!;
    const onDisk = readFileSync(join(dist, file.path));
    const gzip = await get(port, url, { 'accept-encoding': 'gzip;q=0.9, br;q=0.1' });
    expect(gzip.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gzip.body).equals(onDisk)).toBe(true);
    expect(gzip.headers.etag).toBe(etagOf(file.encodings.gzip!.hash));
    for (const header of ['br;q=0, gzip;q=0', 'identity', undefined]) {
      const plain = await get(port, url, header === undefined ? {} : { 'accept-encoding': header });
      expect(plain.headers['content-encoding']).toBeUndefined();
      expect(plain.headers['accept-ranges']).toBe('bytes');
      expect(Number(plain.headers['content-length'])).toBe(file.size);
      expect(plain.body.equals(onDisk)).toBe(true);
    }
    const refused = await get(port, url, { 'accept-encoding': 'br;q=0, gzip;q=0, *;q=0' });
    expect(refused.status).toBe(406);
    expect(refused.headers.vary).toBe('Accept-Encoding');
  });

  it('sets immutable caching on hashed names and revalidation on the rest', async () => {
    const hashed = files().find(([, f]) => f.immutable)!;
    const html = await get(port, '/');
    expect((await get(port, hashed[0])).headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(html.headers['cache-control']).toBe('public, max-age=0, must-revalidate');
    expect(html.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(html.body.equals(readFileSync(join(dist, 'index.html')))).toBe(true);
  });

  it('answers 304 to a matching If-None-Match, per encoding, weak or strong', async () => {
    const [url, file] = files().find(([, f]) => f.encodings.br !== undefined)!;
    const first = await get(port, url, { 'accept-encoding': 'br' });
    const etag = first.headers.etag as string;
    for (const inm of [etag, `W/${etag}`, `"nope", ${etag}`, '*']) {
      const again = await get(port, url, { 'accept-encoding': 'br', 'if-none-match': inm });
      expect(again.status).toBe(304);
      expect(again.body.length).toBe(0);
      expect(again.headers.etag).toBe(etag);
      expect(again.headers['cache-control']).toBe(file.cacheControl);
      expect(again.headers.vary).toBe('Accept-Encoding');
    }
    // The br ETag does not validate the gzip representation.
    const gzip = await get(port, url, { 'accept-encoding': 'gzip', 'if-none-match': etag });
    expect(gzip.status).toBe(200);
    expect(gzip.headers['content-encoding']).toBe('gzip');
  });

  it('answers HEAD with the headers of GET and no body', async () => {
    const [url, file] = files().find(([, f]) => f.encodings.br !== undefined)!;
    const head = await get(port, url, { 'accept-encoding': 'br' }, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
    expect(Number(head.headers['content-length'])).toBe(file.encodings.br!.size);
    expect(head.headers['content-encoding']).toBe('br');
  });

  it('serves single byte ranges of the identity bytes, 416 beyond the end, whole under a stale If-Range', async () => {
    const [url, file] = files().find(([, f]) => f.size > 100 && f.encodings.br !== undefined)!;
    const onDisk = readFileSync(join(dist, file.path));
    const part = await get(port, url, { range: 'bytes=10-19', 'accept-encoding': 'br, gzip' });
    expect(part.status).toBe(206);
    expect(part.headers['content-encoding']).toBeUndefined();
    expect(part.headers['content-range']).toBe(`bytes 10-19/${file.size}`);
    expect(part.body.equals(onDisk.subarray(10, 20))).toBe(true);
    const suffix = await get(port, url, { range: 'bytes=-7' });
    expect(suffix.body.equals(onDisk.subarray(file.size - 7))).toBe(true);
    const open = await get(port, url, { range: 'bytes=50-' });
    expect(open.body.equals(onDisk.subarray(50))).toBe(true);
    const beyond = await get(port, url, { range: `bytes=${file.size}-` });
    expect(beyond.status).toBe(416);
    expect(beyond.headers['content-range']).toBe(`bytes */${file.size}`);
    const matching = await get(port, url, { range: 'bytes=0-0', 'if-range': etagOf(file.hash) });
    expect(matching.status).toBe(206);
    const stale = await get(port, url, { range: 'bytes=0-0', 'if-range': '"old"' });
    expect(stale.status).toBe(200);
    expect(stale.body.equals(onDisk)).toBe(true);
    const several = await get(port, url, { range: 'bytes=0-1, 5-6' });
    expect(several.status).toBe(200);
    // Identity refused: the range cannot apply, the preferred sibling goes out whole.
    const coded = await get(port, url, { range: 'bytes=0-9', 'accept-encoding': 'br, identity;q=0' });
    expect(coded.status).toBe(200);
    expect(coded.headers['content-encoding']).toBe('br');
  });

  it('passes what it does not serve to the next handler', async () => {
    expect((await get(port, '/api/users/1')).body.toString()).toBe('app: GET /api/users/1');
    expect((await get(port, '/index.html', {}, 'POST')).body.toString()).toBe('app: POST /index.html');
    expect((await get(port, '/.wirepack/manifest.json')).body.toString()).toBe(
      'app: GET /.wirepack/manifest.json',
    );
  });
});

describe('serveStatic: files gone, changed or linked out of root', () => {
  let port: number;
  const warnings: StaticWarning[] = [];
  let root: string;

  beforeAll(async () => {
    root = join(work, 'damaged');
    mkdirSync(root, { recursive: true });
    const entries: ManifestFile[] = [];
    const add = (path: string, bytes: Buffer, encodings: ManifestFile['encodings'] = {}): void => {
      entries.push({
        path,
        size: bytes.length,
        hash: sha256(bytes),
        integrity: `sha384-${createHash('sha384').update(bytes).digest('base64')}`,
        contentType: 'text/plain; charset=utf-8',
        immutable: false,
        cacheControl: 'no-cache',
        encodings,
      });
    };
    const text = Buffer.from('hello, static world\n'.repeat(20));
    writeFileSync(join(root, 'kept.txt'), text);
    add('kept.txt', text, { br: { path: 'kept.txt.br', size: 10, hash: sha256(Buffer.from('x')) } });
    add('gone.txt', text);
    writeFileSync(join(root, 'changed.txt'), 'shorter');
    add('changed.txt', text);
    symlinkSync(join(work, 'secret.txt'), join(root, 'evil.txt'));
    add('evil.txt', Buffer.from(SECRET));
    symlinkSync(work, join(root, 'up'));
    add('up/secret.txt', Buffer.from(SECRET));
    writeFileSync(
      join(root, 'manifest.json'),
      serializeManifest(buildManifest({ base: '/', files: entries })),
    );
    port = await listen(
      serveStatic({ root, manifest: 'manifest.json', onWarning: (warning) => warnings.push(warning) }),
    );
  });

  it('falls back to the identity file when a sibling is missing', async () => {
    const answer = await get(port, '/kept.txt', { 'accept-encoding': 'br' });
    expect(answer.status).toBe(200);
    expect(answer.headers['content-encoding']).toBeUndefined();
    expect(answer.body.toString()).toBe('hello, static world\n'.repeat(20));
    expect(warnings).toContainEqual(expect.objectContaining({ code: 'FILE_MISSING', path: 'kept.txt.br' }));
  });

  it('answers 404, never 500, with one warning per file', async () => {
    for (const [path, code] of [
      ['gone.txt', 'FILE_MISSING'],
      ['changed.txt', 'FILE_CHANGED'],
      ['evil.txt', 'OUTSIDE_ROOT'],
      ['up/secret.txt', 'OUTSIDE_ROOT'],
    ] as const) {
      for (let attempt = 0; attempt < 2; attempt++) {
        const answer = await get(port, `/${path}`);
        expect(answer.status, path).toBe(404);
        expect(answer.body.toString()).not.toContain(SECRET);
      }
      expect(warnings.filter((warning) => warning.path === path)).toEqual([
        expect.objectContaining({
          code,
          message: expect.stringMatching(/^\[wirepack\/server\] serveStatic: /),
        }),
      ]);
    }
  });
});

describe('serveStatic: traversal', () => {
  let port: number;
  beforeAll(async () => {
    // Links inside root that lead out; not in the manifest, so never even looked at.
    symlinkSync(join(work, 'secret.txt'), join(dist, 'secret-link.txt'));
    port = await listen(compose(serveStatic({ root: dist, spaFallback: '/index.html' }), app));
  });

  // Each target tries to reach ../secret.txt (or /etc/passwd) from dist/. RFC 3986 dot segments
  // raw and encoded, encoded and double-encoded separators, backslashes, NUL, overlong UTF-8 of
  // '.' and '/', absolute paths, Windows drive letters and UNC paths, and a link leaving root.
  const corpus: Array<string | Buffer> = [
    '/../secret.txt',
    '/../../../../etc/passwd',
    '/assets/../../secret.txt',
    '/%2e%2e/secret.txt',
    '/%2E%2E/%2E%2E/etc/passwd',
    '/.%2e/secret.txt',
    '/%2e./secret.txt',
    '/..%2fsecret.txt',
    '/..%2Fsecret.txt',
    '/%2e%2e%2fsecret.txt',
    '/assets%2f..%2f..%2fsecret.txt',
    '/%252e%252e/secret.txt',
    '/%252e%252e%252fsecret.txt',
    '/..%252fsecret.txt',
    '/..\\secret.txt',
    '/..%5csecret.txt',
    '/..%5Csecret.txt',
    '/%2e%2e%5csecret.txt',
    '/assets\\..\\..\\secret.txt',
    '/..%255csecret.txt',
    '/index.html%00',
    '/index.html%00.png',
    Buffer.from('/index.html\u0000'),
    '/%00/../secret.txt',
    '/%c0%ae%c0%ae/secret.txt',
    '/%c0%ae%c0%ae%c0%afsecret.txt',
    '/%e0%80%ae%e0%80%ae/secret.txt',
    '/..%c0%afsecret.txt',
    '/..%c1%9csecret.txt',
    Buffer.from([0x2f, 0xc0, 0xae, 0xc0, 0xae, 0x2f, ...Buffer.from('secret.txt')]),
    '//etc/passwd',
    '/%2fetc%2fpasswd',
    '/C:/Windows/win.ini',
    '/C:%5cWindows%5cwin.ini',
    '/c%3a%5cwindows%5cwin.ini',
    '/\\\\server\\share\\secret.txt',
    `/${join(work, 'secret.txt')}`,
    `/${encodeURIComponent(join(work, 'secret.txt'))}`,
    'file:///etc/passwd',
    'http://127.0.0.1/../secret.txt',
    '/secret-link.txt',
    '/./../secret.txt',
    '/assets/./../../secret.txt',
    '/....//secret.txt',
    '/.../secret.txt',
  ];

  it(`serves nothing outside root for ${corpus.length} attempts, and stays up`, async () => {
    expect(corpus.length).toBeGreaterThanOrEqual(30);
    const index = readFileSync(join(dist, 'index.html'), 'latin1');
    for (const target of corpus) {
      const answer = await rawGet(port, target);
      const label = String(target);
      expect(answer.text, label).not.toContain(SECRET);
      expect(answer.text, label).not.toContain('root:x:');
      expect(answer.text, label).not.toContain('[fonts]');
      expect([200, 400, 404], label).toContain(answer.status);
      // A 200 can only be the SPA fallback document or a file of the build.
      if (answer.status === 200) expect(answer.text.endsWith(index), label).toBe(true);
    }
    expect((await get(port, '/index.html')).status).toBe(200);
  });
});

describe('serveStatic: SPA fallback and options', () => {
  it('answers navigations with the fallback document and passes other requests on', async () => {
    const handler = serveStatic({ root: dist, spaFallback: '/index.html' });
    const route = await handler(
      new Request('http://x.test/orders/42', { headers: { accept: 'text/html,*/*' } }),
    );
    expect(route.status).toBe(200);
    expect(route.headers.get('vary')).toBe('Accept, Accept-Encoding');
    expect(await route.text()).toBe(readFileSync(join(dist, 'index.html'), 'utf8'));
    const json = await compose(
      handler,
      app,
    )(new Request('http://x.test/orders/42', { headers: { accept: 'application/json' } }));
    expect(await json.text()).toBe('app: GET /orders/42');
    expect(() => serveStatic({ root: dist, spaFallback: '/nope.html' })).toThrow(/not in the manifest/);
  });

  it('takes Cache-Control overrides, extra headers, an in-memory manifest, and refuses a bad one', async () => {
    const handler = serveStatic({
      root: dist,
      manifest,
      cacheControl: { revalidate: 'no-cache' },
      headers: { 'strict-transport-security': 'max-age=63072000' },
    });
    const html = await handler(new Request('http://x.test/'));
    expect(html.headers.get('cache-control')).toBe('no-cache');
    expect(html.headers.get('strict-transport-security')).toBe('max-age=63072000');
    expect(() => serveStatic({ root: dist, manifest: { ...manifest, version: 2 } as never })).toThrow(
      expect.objectContaining({ code: 'MANIFEST_VERSION' }),
    );
    expect(() => serveStatic({ root: join(work, 'nowhere') })).toThrow(/cannot read the manifest/);
  });
});
