import { readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { type PreviewServer, preview } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type WirepackManifest, wirepack } from './index.js';
import {
  buildFixture,
  recordingLogger,
  SMALL_APP,
  temporaryDirectory,
} from './test-support/build-fixture.js';

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Buffer;
}

/** A raw HTTP request: the path is sent exactly as given (no client-side normalisation of `..`). */
function get(
  port: number,
  path: string,
  headers: Record<string, string> = {},
  method = 'GET',
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const outgoing = request({ host: '127.0.0.1', port, path, method, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }),
      );
      response.on('error', reject);
    });
    outgoing.on('error', reject);
    outgoing.end();
  });
}

const temporary = temporaryDirectory('preview');
const outDir = join(temporary.path, 'dist');
let server: PreviewServer;
let port: number;

beforeAll(async () => {
  await buildFixture(outDir, join(temporary.path, 'cache'), { cache: false });
  // A secret beside the output directory, and a link inside it pointing out: neither may be served.
  writeFileSync(join(temporary.path, 'secret.txt'), 'secret '.repeat(100));
  writeFileSync(join(temporary.path, 'secret.txt.br'), 'not for you');
  symlinkSync(join(temporary.path, 'secret.txt'), join(outDir, 'escape.txt'));
  symlinkSync(join(temporary.path, 'secret.txt.br'), join(outDir, 'escape.txt.br'));
  // A regular file inside whose sibling is a link to the outside.
  writeFileSync(join(outDir, 'inside.txt'), 'inside '.repeat(100));
  symlinkSync(join(temporary.path, 'secret.txt.br'), join(outDir, 'inside.txt.br'));
  server = await preview({
    root: SMALL_APP,
    configFile: false,
    logLevel: 'silent',
    customLogger: recordingLogger([]),
    build: { outDir },
    preview: { host: '127.0.0.1', port: 0, strictPort: true, open: false },
    plugins: [wirepack()],
  });
  port = (server.httpServer.address() as AddressInfo).port;
});

afterAll(async () => {
  await server?.close();
  temporary.remove();
});

describe('vite preview with wirepack', () => {
  it('serves the brotli sibling with Content-Encoding, the original Content-Type and Vary', async () => {
    const original = readFileSync(join(outDir, 'notes.txt'));
    const answer = await get(port, '/notes.txt', { 'accept-encoding': 'gzip, deflate, br' });
    expect(answer.status).toBe(200);
    expect(answer.headers['content-encoding']).toBe('br');
    expect(answer.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(answer.headers.vary).toBe('Accept-Encoding');
    expect(Number(answer.headers['content-length'])).toBe(readFileSync(join(outDir, 'notes.txt.br')).length);
    expect(brotliDecompressSync(answer.body).equals(original)).toBe(true);
  });

  it('serves gzip to a client that only takes gzip, and index.html for /', async () => {
    const answer = await get(port, '/', { 'accept-encoding': 'gzip' });
    expect(answer.headers['content-encoding']).toBe('gzip');
    expect(answer.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(gunzipSync(answer.body).equals(readFileSync(join(outDir, 'index.html')))).toBe(true);
  });

  it('answers HEAD with the headers and no body', async () => {
    const answer = await get(port, '/notes.txt', { 'accept-encoding': 'br' }, 'HEAD');
    expect(answer.status).toBe(200);
    expect(answer.headers['content-encoding']).toBe('br');
    expect(answer.body.length).toBe(0);
  });

  it('leaves the original to Vite when no encoding is acceptable, still with Vary', async () => {
    const answer = await get(port, '/notes.txt', { 'accept-encoding': 'identity' });
    expect(answer.status).toBe(200);
    expect(answer.headers['content-encoding']).toBeUndefined();
    expect(answer.headers.vary).toMatch(/Accept-Encoding/);
    expect(answer.body.equals(readFileSync(join(outDir, 'notes.txt')))).toBe(true);
  });

  it('serves files without siblings untouched', async () => {
    const answer = await get(port, '/photo.png', { 'accept-encoding': 'br' });
    expect(answer.status).toBe(200);
    expect(answer.headers['content-encoding']).toBeUndefined();
    expect(answer.body.equals(readFileSync(join(outDir, 'photo.png')))).toBe(true);
  });

  it.each([
    '/../secret.txt',
    '/..%2fsecret.txt',
    '/%2e%2e/secret.txt',
    '/assets/..%2f..%2fsecret.txt',
    '/%2e%2e%5csecret.txt',
    '/escape.txt',
    '/inside.txt',
  ])('refuses to serve %s from outside the output directory', async (path) => {
    const answer = await get(port, path, { 'accept-encoding': 'br, gzip' });
    // Vite may compress its own fallback page on the fly: read the body decoded.
    const encoding = answer.headers['content-encoding'];
    const body = (
      encoding === 'br'
        ? brotliDecompressSync(answer.body)
        : encoding === 'gzip'
          ? gunzipSync(answer.body)
          : answer.body
    ).toString();
    expect(body).not.toContain('secret secret');
    expect(body).not.toContain('not for you');
  });

  it("sends what production sends: the manifest's Cache-Control, its ETag, and 304s", async () => {
    const manifest = JSON.parse(
      readFileSync(join(outDir, '.wirepack/manifest.json'), 'utf8'),
    ) as WirepackManifest;
    const [url, file] = Object.entries(manifest.files).find(
      ([, entry]) => entry.immutable && entry.encodings.br,
    )!;
    const answer = await get(port, url, { 'accept-encoding': 'br' });
    expect(answer.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(answer.headers.etag).toBe(`"${file.encodings.br!.hash.slice(7, -1)}"`);
    const again = await get(port, url, {
      'accept-encoding': 'br',
      'if-none-match': answer.headers.etag as string,
    });
    expect(again.status).toBe(304);
  });

  it('leaves paths the manifest does not list to Vite', async () => {
    // Not in the manifest, so never opened by the middleware: Vite answers (and serves nothing outside either).
    const climbing = await get(port, '/..%2f..%2fsecret.txt', { 'accept-encoding': 'br' });
    expect(climbing.body.toString()).not.toContain('secret secret');
    expect((await get(port, '/bad%zzpath', { 'accept-encoding': 'br' })).status).not.toBe(500);
  });
});
