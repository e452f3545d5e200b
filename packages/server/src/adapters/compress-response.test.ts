// The Node adapters' one compression stage, over real HTTP on 127.0.0.1: plain responses and batch
// frame streams through toNodeListener, raw bytes read with node:http (no automatic decoding) so the
// exact coded bytes and headers are what is checked.
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPrecompressedType, SYNC_COMPRESS_MAX_BYTES } from './compress-response.ts';
import { toNodeListener } from './node.ts';

const json = JSON.stringify({ items: Array.from({ length: 200 }, (_, id) => ({ id, name: `item ${id}` })) });
const jsonBytes = Buffer.from(json);
// Past SYNC_COMPRESS_MAX_BYTES: compressed on the thread pool rather than on the main thread.
const largeJson = JSON.stringify({
  items: Array.from({ length: 3000 }, (_, id) => ({ id, name: `item ${id}`, tag: `t${id % 7}` })),
});

/** The app: each path answers one kind of response the stage must compress or leave alone. */
function app(request: Request): Response {
  const { pathname } = new URL(request.url);
  const big = { 'content-type': 'application/json' };
  switch (pathname) {
    case '/json':
      return new Response(json, { headers: { ...big, etag: '"v1"', 'accept-ranges': 'bytes' } });
    case '/json-large':
      return new Response(largeJson, { headers: big });
    case '/json-weak-etag':
      return new Response(json, { headers: { ...big, etag: 'W/"v1"' } });
    case '/json-vary':
      return new Response(json, { headers: { ...big, vary: 'Origin' } });
    case '/json-length':
      return new Response(json, { headers: { ...big, 'content-length': String(jsonBytes.length) } });
    case '/stream': {
      // Two chunks a tick apart: the streaming path, not the one-shot one.
      const encoder = new TextEncoder();
      let sent = 0;
      const body = new ReadableStream<Uint8Array>({
        async pull(controller) {
          if (sent === 2) return controller.close();
          await new Promise((resolve) => setImmediate(resolve));
          controller.enqueue(encoder.encode(json.slice(sent * 2000, sent === 0 ? 2000 : undefined)));
          sent++;
        },
      });
      return new Response(body, { headers: big });
    }
    case '/small':
      return new Response('{"ok":true}', { headers: big });
    case '/png':
      return new Response(jsonBytes, { headers: { 'content-type': 'image/png' } });
    case '/woff2':
      return new Response(jsonBytes, { headers: { 'content-type': 'font/woff2' } });
    case '/svg':
      return new Response(json, { headers: { 'content-type': 'image/svg+xml' } });
    case '/encoded':
      return new Response(jsonBytes, { headers: { ...big, 'content-encoding': 'identity-app' } });
    case '/no-transform':
      return new Response(json, { headers: { ...big, 'cache-control': 'public, no-transform' } });
    case '/no-type':
      return new Response(jsonBytes);
    case '/204':
      return new Response(null, { status: 204 });
    case '/304':
      return new Response(null, { status: 304, headers: { etag: '"v1"' } });
    case '/206':
      return new Response(jsonBytes.subarray(0, 1500), {
        status: 206,
        headers: { ...big, 'content-range': `bytes 0-1499/${jsonBytes.length}` },
      });
    default:
      return new Response('not found', { status: 404 });
  }
}

let server: Server;
let port: number;

beforeAll(async () => {
  server = createServer(toNodeListener(app));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

interface Raw {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/** A GET (or HEAD) whose body is returned as sent: node:http does not undo Content-Encoding. */
function get(path: string, acceptEncoding?: string, method = 'GET'): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> =
      acceptEncoding === undefined ? {} : { 'accept-encoding': acceptEncoding };
    const req = httpRequest({ host: '127.0.0.1', port, path, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

function decode(raw: Raw): Buffer {
  const coding = raw.headers['content-encoding'];
  if (coding === 'br') return brotliDecompressSync(raw.body);
  if (coding === 'gzip') return gunzipSync(raw.body);
  return raw.body;
}

describe('the compression stage of toNodeListener, over HTTP', () => {
  it('compresses a plain JSON response to bytes that decode exactly, br preferred, gzip next', async () => {
    for (const [accept, coding] of [
      ['gzip, deflate, br', 'br'],
      ['gzip', 'gzip'],
      ['br;q=0.5, gzip', 'gzip'],
      ['x-gzip', 'gzip'],
      ['*', 'br'],
    ] as const) {
      const raw = await get('/json', accept);
      expect(raw.headers['content-encoding'], accept).toBe(coding);
      expect(decode(raw).equals(jsonBytes), accept).toBe(true);
      expect(raw.body.length).toBeLessThan(jsonBytes.length / 3);
      // One-shot: the length of the coded bytes, not of the JSON.
      expect(raw.headers['content-length']).toBe(String(raw.body.length));
      expect(raw.headers.vary).toBe('accept-encoding');
      expect(raw.headers.etag, 'strong ETag weakened').toBe('W/"v1"');
      expect(raw.headers['accept-ranges']).toBeUndefined();
    }
  });

  it('compresses a complete body the same way on either side of the main-thread size limit', async () => {
    expect(jsonBytes.length).toBeLessThanOrEqual(SYNC_COMPRESS_MAX_BYTES);
    expect(Buffer.byteLength(largeJson)).toBeGreaterThan(SYNC_COMPRESS_MAX_BYTES);
    for (const accept of ['br', 'gzip']) {
      const raw = await get('/json-large', accept);
      expect(raw.headers['content-encoding']).toBe(accept);
      expect(decode(raw).toString()).toBe(largeJson);
      expect(raw.headers['content-length']).toBe(String(raw.body.length));
    }
  });

  it('sends identity, still with Vary, when the client accepts no coding we have', async () => {
    for (const accept of [undefined, '', 'identity', 'deflate', 'br;q=0, gzip;q=0', 'identity;q=0']) {
      const raw = await get('/json', accept);
      expect(raw.headers['content-encoding'], String(accept)).toBeUndefined();
      expect(raw.body.equals(jsonBytes)).toBe(true);
      expect(raw.headers.vary).toBe('accept-encoding');
      expect(raw.headers.etag).toBe('"v1"');
    }
  });

  it('keeps a weak ETag, appends to an existing Vary, and drops a stated Content-Length', async () => {
    const weak = await get('/json-weak-etag', 'gzip');
    expect(weak.headers.etag).toBe('W/"v1"');
    const vary = await get('/json-vary', 'gzip');
    expect(vary.headers.vary).toBe('Origin, accept-encoding');
    const length = await get('/json-length', 'br');
    expect(length.headers['content-encoding']).toBe('br');
    expect(decode(length).equals(jsonBytes)).toBe(true);
    expect(length.headers['content-length']).toBe(String(length.body.length));
  });

  it('compresses a streamed body chunk by chunk (no length), decoding to the same bytes', async () => {
    for (const coding of ['br', 'gzip']) {
      const raw = await get('/stream', coding);
      expect(raw.headers['content-encoding']).toBe(coding);
      expect(raw.headers['content-length']).toBeUndefined();
      expect(raw.headers['transfer-encoding']).toBe('chunked');
      expect(decode(raw).equals(jsonBytes)).toBe(true);
    }
  });

  it('leaves alone: small bodies, compressed types, coded bodies, no-transform, no type, HEAD, 204, 304, 206', async () => {
    for (const path of ['/small', '/png', '/woff2', '/encoded', '/no-transform', '/no-type', '/206']) {
      const raw = await get(path, 'gzip, br');
      expect(raw.headers['content-encoding'] ?? null, path).toBe(path === '/encoded' ? 'identity-app' : null);
      expect(
        raw.body.equals(
          path === '/small'
            ? Buffer.from('{"ok":true}')
            : path === '/206'
              ? jsonBytes.subarray(0, 1500)
              : path === '/no-transform'
                ? jsonBytes
                : jsonBytes,
        ),
        path,
      ).toBe(true);
      // Only a response the stage could have compressed varies on Accept-Encoding.
      expect(raw.headers.vary, path).toBe(path === '/small' ? 'accept-encoding' : undefined);
    }
    const head = await get('/json', 'gzip', 'HEAD');
    expect(head.headers['content-encoding']).toBeUndefined();
    expect(head.headers.etag).toBe('"v1"');
    for (const [path, status] of [
      ['/204', 204],
      ['/304', 304],
    ] as const) {
      const raw = await get(path, 'gzip');
      expect(raw.status).toBe(status);
      expect(raw.headers['content-encoding']).toBeUndefined();
      expect(raw.headers.vary).toBeUndefined();
    }
    // SVG is an image that compresses.
    expect((await get('/svg', 'gzip')).headers['content-encoding']).toBe('gzip');
  });

  it('turns off with compression: false', async () => {
    const off = createServer(toNodeListener(app, { compression: false }));
    await new Promise<void>((resolve) => off.listen(0, '127.0.0.1', resolve));
    try {
      const { port: offPort } = off.address() as AddressInfo;
      const raw = await new Promise<IncomingHttpHeaders>((resolve, reject) => {
        httpRequest(
          { host: '127.0.0.1', port: offPort, path: '/json', headers: { 'accept-encoding': 'br' } },
          (res) => {
            res.resume();
            resolve(res.headers);
          },
        )
          .on('error', reject)
          .end();
      });
      expect(raw['content-encoding']).toBeUndefined();
      expect(raw.vary).toBeUndefined();
    } finally {
      off.closeAllConnections();
      await new Promise((resolve) => off.close(resolve));
    }
    expect(() => toNodeListener(app, { compression: { brotliQuality: 12 } })).toThrow(TypeError);
    expect(() => toNodeListener(app, { compression: { minBytes: -1 } })).toThrow(TypeError);
  });
});

describe('onCompressed', () => {
  it('reports each compressed response once with its coding and bytes in and out, whole and streamed', async () => {
    const seen: Array<[string, number, number]> = [];
    const counted = createServer(
      toNodeListener(app, { compression: { onCompressed: (...args) => seen.push(args) } }),
    );
    await new Promise<void>((resolve) => counted.listen(0, '127.0.0.1', resolve));
    const saved = port;
    try {
      port = (counted.address() as AddressInfo).port;
      const whole = await get('/json', 'br');
      const streamed = await get('/stream', 'gzip');
      await get('/small', 'br'); // under minBytes: not compressed, not reported
      await get('/json', 'identity');
      expect(seen).toEqual([
        ['br', jsonBytes.length, whole.body.length],
        ['gzip', jsonBytes.length, streamed.body.length],
      ]);
    } finally {
      port = saved;
      counted.closeAllConnections();
      await new Promise((resolve) => counted.close(resolve));
    }
    expect(() => toNodeListener(app, { compression: { onCompressed: 1 as never } })).toThrow(TypeError);
  });
});

describe('isPrecompressedType', () => {
  it('names compressed and opaque media, not text or SVG', () => {
    for (const type of [
      'image/png',
      'IMAGE/JPEG',
      'image/webp; q=1',
      'video/mp4',
      'audio/ogg',
      'font/woff',
      'font/woff2',
      'application/zip',
      'application/gzip',
      'application/pdf',
      'application/octet-stream',
      'application/zstd',
    ]) {
      expect(isPrecompressedType(type), type).toBe(true);
    }
    for (const type of [
      'application/json',
      'text/html; charset=utf-8',
      'image/svg+xml',
      'image/x-icon',
      'font/ttf',
      'application/javascript',
      'application/vnd.wirepack.frames',
      'text/event-stream',
    ]) {
      expect(isPrecompressedType(type), type).toBe(false);
    }
  });
});
