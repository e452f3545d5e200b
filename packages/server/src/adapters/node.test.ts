// What only the Node adapter does: response compression, request targets, the adapter's own onError.
// The batch behaviour it shares with the Web core (answers, streaming, cancels, disconnects, request
// codings, hostile input) runs on both sides in ../batch-handler-matrix.test.ts.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BATCH_MEDIA_TYPE, readFrames } from '@wirepack/protocol';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createRestApi, type RestApi } from '../../../../fixtures/rest-api/src/index.ts'; // by path: a dependency would make a workspace cycle (the fixture imports the server, as apps do)
import { type BatchHandler, createBatchHandler } from '../index.ts';
import { batchBody, collectFrames, frameOrder, resultsById } from '../test-support/batch.ts';
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

describe('toNodeListener on 127.0.0.1', () => {
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
