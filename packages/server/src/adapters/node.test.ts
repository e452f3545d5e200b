import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { brotliCompressSync, constants, deflateSync, gzipSync } from 'node:zlib';
import {
  BATCH_MEDIA_TYPE,
  createBatchId,
  encodeValue,
  FRAMES_MEDIA_TYPE,
  PROBLEM_MEDIA_TYPE,
  type ResultFrame,
  readFrames,
} from '@wirepack/protocol';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createRestApi, type RestApi } from '../../../../fixtures/rest-api/src/index.ts'; // by path: a dependency would make a workspace cycle (the fixture imports the server, as apps do)
import { type BatchHandler, createBatchHandler } from '../index.ts';
import {
  batchBody,
  cancelRequest,
  collectFrames,
  frameOrder,
  resultsById,
  sendOverHttp,
} from '../test-support/batch.ts';
import { nodeCompression, toNodeListener } from './node.ts';

const api: RestApi = createRestApi();
let server: Server;
let base: string;
let handler: BatchHandler;
const errors: unknown[] = [];

beforeAll(async () => {
  handler = createBatchHandler({
    fetch: api.fetch,
    createContext: api.createContext,
    onError: (error) => errors.push(error),
    limits: { maxBodyBytes: 256 * 1024, maxDecompressedBytes: 1024 * 1024 },
    ...nodeCompression(),
  });
  server = createServer(toNodeListener(handler, { onError: (error) => errors.push(error) }));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  api.close();
});
beforeEach(() => api.resetStats());

function postBatch(
  body: Uint8Array,
  headers: Record<string, string> = {},
  signal?: AbortSignal,
): Promise<Response> {
  return fetch(`${base}/__wirepack`, {
    method: 'POST',
    headers: { 'content-type': BATCH_MEDIA_TYPE, 'accept-encoding': 'identity', ...headers },
    body: body as Uint8Array<ArrayBuffer>,
    ...(signal ? { signal } : {}),
  });
}

async function expectServing(): Promise<void> {
  const frames = await collectFrames(await postBatch(batchBody([{ id: 1, path: '/api/json' }])));
  expect(resultsById(frames).get(1)?.status).toBe(200);
}

describe('toNodeListener on 127.0.0.1', () => {
  it('serves the app unbatched and the same answers batched (status, headers, bytes)', async () => {
    const paths = [
      '/api/json',
      '/api/text',
      '/api/binary',
      '/api/empty',
      '/api/nope',
      '/api/error',
      '/api/throw',
    ];
    const response = await postBatch(batchBody(paths.map((path, id) => ({ id, path }))));
    expect(response.headers.get('content-type')).toBe(FRAMES_MEDIA_TYPE);
    const results = resultsById(await collectFrames(response));
    for (const [id, path] of paths.entries()) {
      const direct = await fetch(`${base}${path}`);
      const bytes = new Uint8Array(await direct.arrayBuffer());
      const frame = results.get(id) as ResultFrame;
      expect(frame.status, path).toBe(direct.status);
      const framed =
        frame.body.kind === 'json'
          ? new TextEncoder().encode(JSON.stringify(frame.body.value))
          : frame.body.kind === 'bytes'
            ? frame.body.bytes
            : new Uint8Array(0);
      expect(Buffer.from(framed).equals(Buffer.from(bytes)), path).toBe(true);
      const type = new Headers(frame.headers as Array<[string, string]>).get('content-type');
      expect(type, path).toBe(direct.headers.get('content-type'));
    }
    // Redirects: compare the unfollowed answers.
    for (const path of ['/api/redirect', '/api/moved']) {
      const direct = await fetch(`${base}${path}`, { redirect: 'manual' });
      const frame = resultsById(await collectFrames(await postBatch(batchBody([{ id: 1, path }])))).get(1);
      expect(frame?.status).toBe(direct.status);
      expect(new Headers(frame?.headers as Array<[string, string]>).get('location')).toBe(
        direct.headers.get('location'),
      );
    }
  });

  it('streams over the socket: fast results arrive before a slow one finishes', async () => {
    const frames = await collectFrames(
      await postBatch(
        batchBody([
          { id: 1, path: '/api/slow?ms=200' },
          { id: 2, path: '/api/json' },
          { id: 3, path: '/api/slow?ms=40' },
        ]),
      ),
    );
    expect(frameOrder(frames)).toEqual([2, 3, 1]);
  });

  it('cancels a running call over HTTP and the handler sees its signal abort', async () => {
    const batchId = createBatchId();
    const framesPromise = postBatch(
      batchBody(
        [
          { id: 1, path: '/api/hang?key=http-cancel' },
          { id: 2, path: '/api/text' },
        ],
        batchId,
      ),
    ).then(collectFrames);
    await vi.waitFor(() => expect(api.stats().started).toContain('http-cancel'));
    const cancel = cancelRequest(batchId, [1], base);
    const answer = await sendOverHttp(cancel);
    expect(answer.status).toBe(204);
    const frames = await framesPromise;
    expect(frames.find((frame) => frame.kind === 'error')).toMatchObject({ id: 1, code: 'CANCELED' });
    expect(api.stats().aborted).toEqual(['http-cancel']);
  });

  it('aborts the calls of a batch whose client disconnects', async () => {
    const controller = new AbortController();
    const response = await postBatch(
      batchBody([
        { id: 1, path: '/api/hang?key=gone' },
        { id: 2, path: '/api/json' },
      ]),
      {},
      controller.signal,
    );
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    await reader.read();
    controller.abort();
    await vi.waitFor(() => expect(api.stats().aborted).toContain('gone'));
    await vi.waitFor(() => expect(handler.metrics().activeBatches).toBe(0));
    await expectServing();
  });

  it('negotiates compressed responses (br, gzip) that still decode to the same frames', async () => {
    for (const encoding of ['br', 'gzip']) {
      const response = await postBatch(
        batchBody([
          { id: 1, path: '/api/big?bytes=2000' },
          { id: 2, path: '/api/slow?ms=30' },
        ]),
        { 'accept-encoding': encoding },
      );
      expect(response.headers.get('content-encoding')).toBe(encoding);
      const frames = await collectFrames(response); // fetch undoes the encoding
      expect(frameOrder(frames)).toEqual([1, 2]);
    }
  });

  it('accepts gzip, deflate and br request bodies', async () => {
    const body = batchBody([{ id: 1, path: '/api/text' }]);
    for (const [encoding, bytes] of [
      ['gzip', gzipSync(body)],
      ['deflate', deflateSync(body)],
      ['br', brotliCompressSync(body)],
    ] as const) {
      const frames = await collectFrames(await postBatch(bytes, { 'content-encoding': encoding }));
      expect(resultsById(frames).get(1)?.status, encoding).toBe(200);
    }
  });

  describe('hostile input: 4xx problem, and the server keeps serving', () => {
    async function expectProblem(response: Response, status: number, code: string): Promise<void> {
      expect(response.status).toBe(status);
      expect(response.headers.get('content-type')).toBe(PROBLEM_MEDIA_TYPE);
      expect(await response.json()).toMatchObject({ status, code });
    }

    it('random bytes', async () => {
      for (let round = 0; round < 20; round++) {
        const bytes = new Uint8Array(1 + Math.floor(Math.random() * 512));
        crypto.getRandomValues(bytes);
        const response = await postBatch(bytes);
        expect(response.status).toBeGreaterThanOrEqual(400);
        expect(response.status).toBeLessThan(500);
        await response.body?.cancel();
      }
      await expectServing();
    });

    it('a truncated body', async () => {
      const body = batchBody([{ id: 1, path: '/api/json' }]);
      await expectProblem(await postBatch(body.subarray(0, body.length - 3)), 400, 'TRUNCATED');
      await expectServing();
    });

    it('deep nesting', async () => {
      // [1, id, [[[[...]]]]] nested 10,000 deep: refused by the scanner without recursion.
      const depth = 10_000;
      const bytes = new Uint8Array(depth + 1);
      bytes.fill(0x91, 0, depth);
      bytes[depth] = 0xc0;
      await expectProblem(await postBatch(bytes), 400, 'DEPTH_EXCEEDED');
      await expectServing();
    });

    it('huge declared lengths', async () => {
      // array32 of 4 billion items, map32, str32: each declares more than the body holds.
      for (const bytes of [
        [0xdd, 0xff, 0xff, 0xff, 0xff, 0x01],
        [0xdf, 0xff, 0xff, 0xff, 0xff, 0xa1, 0x61],
        [0xdb, 0xff, 0xff, 0xff, 0xff, 0x61],
      ]) {
        const response = await postBatch(Uint8Array.from(bytes));
        expect([400, 413]).toContain(response.status);
        await response.body?.cancel();
      }
      await expectServing();
    });

    it('__proto__ keys', async () => {
      // A JSON body value {"__proto__": {"polluted": true}} inside an otherwise valid batch (JSON.parse
      // makes __proto__ an own key, which msgpackr encodes as a plain map key).
      const value = JSON.parse('{"__proto__":{"polluted":true}}');
      const bytes = encodeValue([1, createBatchId(), [[1, 'POST', '/api/echo', [], 2, value, 1]]]);
      expect(Buffer.from(bytes).includes(Buffer.from('__proto__'))).toBe(true);
      await expectProblem(await postBatch(bytes), 400, 'FORBIDDEN_KEY');
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      await expectServing();
    });

    it('a gzip bomb stops at the decompressed-size cap', async () => {
      const zeros = new Uint8Array(16 * 1024 * 1024); // 16 MiB of zeros in ~16 KB, 16x the cap
      const bomb = gzipSync(zeros);
      expect(bomb.length).toBeLessThan(64 * 1024);
      await expectProblem(
        await postBatch(bomb, { 'content-encoding': 'gzip' }),
        413,
        'DECOMPRESSED_TOO_LARGE',
      );
      const brBomb = brotliCompressSync(zeros, { params: { [constants.BROTLI_PARAM_QUALITY]: 1 } });
      await expectProblem(
        await postBatch(brBomb, { 'content-encoding': 'br' }),
        413,
        'DECOMPRESSED_TOO_LARGE',
      );
      await expectServing();
    });

    it('an oversized body and an oversized batch', async () => {
      await expectProblem(await postBatch(new Uint8Array(300 * 1024)), 413, 'BODY_TOO_LARGE');
      const calls = Array.from({ length: 1001 }, (_, id) => ({ id, path: '/api/json' }));
      await expectProblem(await postBatch(batchBody(calls)), 413, 'TOO_MANY_CALLS');
      await expectServing();
    });

    it('a wrong media type, a wrong method, an unknown encoding', async () => {
      const body = batchBody([{ id: 1, path: '/api/json' }]);
      await expectProblem(
        await postBatch(body, { 'content-type': 'application/json' }),
        415,
        'UNSUPPORTED_MEDIA_TYPE',
      );
      const get = await fetch(`${base}/__wirepack`);
      await expectProblem(get, 405, 'METHOD_NOT_ALLOWED');
      expect(get.headers.get('allow')).toBe('POST');
      const zstd = await postBatch(body, { 'content-encoding': 'zstd' });
      expect(zstd.headers.get('accept-encoding')).toBe('gzip, deflate, br');
      await expectProblem(zstd, 415, 'UNSUPPORTED_ENCODING');
      await expectProblem(await postBatch(body, { 'content-encoding': 'gzip' }), 400, 'MALFORMED');
      await expectServing();
    });
  });

  describe('compression by default', () => {
    async function listen(
      listener: ReturnType<typeof toNodeListener>,
    ): Promise<[string, () => Promise<void>]> {
      const plain = createServer(listener);
      await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
      const origin = `http://127.0.0.1:${(plain.address() as AddressInfo).port}`;
      return [
        origin,
        async () => {
          plain.closeAllConnections();
          await new Promise((resolve) => plain.close(resolve));
        },
      ];
    }
    const bare = () => createBatchHandler({ fetch: api.fetch, onError: (error) => errors.push(error) });

    it('compresses batch responses (br, gzip) from a 1 KiB first chunk and flushes each frame while a call still runs', async () => {
      const [origin, close] = await listen(toNodeListener(bare()));
      try {
        for (const encoding of ['br', 'gzip']) {
          const controller = new AbortController();
          const response = await fetch(`${origin}/__wirepack`, {
            method: 'POST',
            headers: { 'content-type': BATCH_MEDIA_TYPE, 'accept-encoding': encoding },
            body: batchBody([
              { id: 1, path: `/api/hang?key=default-${encoding}` },
              { id: 2, path: '/api/big?bytes=2000' },
            ]) as Uint8Array<ArrayBuffer>,
            signal: controller.signal,
          });
          expect(response.headers.get('content-encoding')).toBe(encoding);
          expect(response.headers.get('vary')).toBe('accept-encoding');
          // fetch undoes the coding; the second frame decodes although call 1 never finishes, so the
          // encoder flushed it instead of holding it for the end of the stream.
          const frames = readFrames(response.body as ReadableStream<Uint8Array>);
          expect(await frames.next()).toMatchObject({ value: { kind: 'result', id: 2, status: 200 } });
          controller.abort();
          await vi.waitFor(() => expect(api.stats().aborted).toContain(`default-${encoding}`));
        }
        // The app's plain responses go through the same stage: a small one as it is, a large one coded.
        const small = await fetch(`${origin}/api/json`, { headers: { 'accept-encoding': 'gzip' } });
        expect(small.headers.get('content-encoding')).toBeNull();
        await small.arrayBuffer();
        const large = await fetch(`${origin}/api/big?bytes=5000`, { headers: { 'accept-encoding': 'gzip' } });
        expect(large.headers.get('content-encoding')).toBe('gzip');
        expect((await large.text()).length).toBe(5000); // fetch undoes the coding
      } finally {
        await close();
      }
    });

    it('leaves a batch whose first chunk is under minBytes uncompressed (the head says so, with Vary)', async () => {
      const body = batchBody([{ id: 1, path: '/api/json' }]) as Uint8Array<ArrayBuffer>;
      const [small, closeSmall] = await listen(toNodeListener(bare()));
      const [any, closeAny] = await listen(toNodeListener(bare(), { compression: { minBytes: 0 } }));
      try {
        for (const [origin, encoding] of [
          [small, null],
          [any, 'gzip'],
        ] as const) {
          const response = await fetch(`${origin}/__wirepack`, {
            method: 'POST',
            headers: { 'content-type': BATCH_MEDIA_TYPE, 'accept-encoding': 'gzip' },
            body,
          });
          expect(response.headers.get('content-encoding')).toBe(encoding);
          expect(response.headers.get('vary')).toBe('accept-encoding');
          expect(resultsById(await collectFrames(response)).get(1)?.status).toBe(200);
        }
        expect(() => toNodeListener(bare(), { compression: { minBytes: -1 } })).toThrow(TypeError);
      } finally {
        await closeSmall();
        await closeAny();
      }
    });

    it('leaves responses uncompressed with compression: false, or when the client accepts nothing', async () => {
      const body = batchBody([{ id: 1, path: '/api/json' }]) as Uint8Array<ArrayBuffer>;
      const [off, closeOff] = await listen(toNodeListener(bare(), { compression: false }));
      const [on, closeOn] = await listen(toNodeListener(bare()));
      try {
        for (const [origin, acceptEncoding] of [
          [off, 'gzip, br'],
          [on, 'identity'],
        ] as const) {
          const response = await fetch(`${origin}/__wirepack`, {
            method: 'POST',
            headers: { 'content-type': BATCH_MEDIA_TYPE, 'accept-encoding': acceptEncoding },
            body,
          });
          expect(response.headers.get('content-encoding')).toBeNull();
          expect(resultsById(await collectFrames(response)).get(1)?.status).toBe(200);
        }
      } finally {
        await closeOff();
        await closeOn();
      }
    });
  });

  it('keeps the origin for a request target that starts with //', async () => {
    const { request } = await import('node:http');
    const { port } = server.address() as AddressInfo;
    const body = await new Promise<string>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: '//evil.test/api/echo', method: 'GET' }, (res) => {
        let text = '';
        res.on('data', (chunk) => {
          text += chunk;
        });
        res.on('end', () => resolve(text));
      });
      req.on('error', reject);
      req.end();
    });
    // The app saw the path "//evil.test/api/echo" on this server's origin: not its echo route.
    expect(JSON.parse(body)).toEqual({ error: 'not found' });
  });

  it('reports app failures to onError only, never on the wire', async () => {
    errors.length = 0;
    const direct = await fetch(`${base}/api/throw`);
    expect(direct.status).toBe(500);
    expect(await direct.text()).toBe('Internal Server Error');
    expect(String(errors[0])).toContain('secret detail');
  });
});
