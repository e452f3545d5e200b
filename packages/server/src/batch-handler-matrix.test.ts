// The batch handler's behaviour that must not depend on how it is served: each case runs against the
// Web core (a Request, no socket) and through the Node adapter on 127.0.0.1 (test-support/matrix.ts).
// What only one side has stays in that side's suite: options and internals in
// create-batch-handler.test.ts, response compression and request targets in adapters/node.test.ts.
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
import { afterAll, beforeEach, expect, vi } from 'vitest';
import { createRestApi, type RestApi } from '../../../fixtures/rest-api/src/index.ts'; // by path: a dependency would make a workspace cycle (the fixture imports the server, as apps do)
import { nodeCompression } from './adapters/node.ts';
import { createBatchHandler } from './index.ts';
import {
  batchBody,
  batchRequest,
  bodyText,
  type CallInit,
  cancelRequest,
  collectFrames,
  frameOrder,
  resultsById,
} from './test-support/batch.ts';
import { describeMatrix, type MatrixTarget } from './test-support/matrix.ts';

const api: RestApi = createRestApi();
afterAll(() => api.close());
beforeEach(() => {
  api.resetStats();
  reported.length = 0;
});

/** What the handler reported to onError: the error and where it happened. */
const reported: Array<{ error: unknown; info: unknown }> = [];

const createHandler = () =>
  createBatchHandler({
    fetch: api.fetch,
    createContext: api.createContext,
    onError: (error, info) => reported.push({ error, info }),
    limits: { maxBodyBytes: 256 * 1024, maxDecompressedBytes: 1024 * 1024 },
    ...nodeCompression(), // brotli request bodies on both sides
  });

/** A batch of `calls` on the target's side. */
const batch = (
  target: MatrixTarget,
  calls: readonly CallInit[],
  init: { batchId?: string; signal?: AbortSignal } = {},
) => target.send(batchRequest(calls, { ...init, origin: target.origin }));

/** A batch request with raw body bytes (hostile input, compressed bodies). */
const rawBatch = (target: MatrixTarget, body: Uint8Array, headers: Record<string, string> = {}) =>
  target.send(
    new Request(`${target.origin}/__wirepack`, {
      method: 'POST',
      headers: { 'content-type': BATCH_MEDIA_TYPE, ...headers },
      body: body as Uint8Array<ArrayBuffer>,
    }),
  );

/** The same path, unbatched, on the same side. */
const unbatched = (target: MatrixTarget, path: string) => target.send(new Request(`${target.origin}${path}`));

async function expectServing(target: MatrixTarget): Promise<void> {
  const frames = await collectFrames(await batch(target, [{ id: 1, path: '/api/json' }]));
  expect(resultsById(frames).get(1)?.status).toBe(200);
}

async function expectProblem(response: Response, status: number, code: string): Promise<void> {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toBe(PROBLEM_MEDIA_TYPE);
  expect(await response.json()).toMatchObject({ status, code });
}

/** A frame body's bytes, as the unbatched response would carry them. */
function frameBytes(frame: ResultFrame): Uint8Array {
  if (frame.body.kind === 'bytes') return frame.body.bytes;
  if (frame.body.kind === 'json') return new TextEncoder().encode(JSON.stringify(frame.body.value));
  return new Uint8Array(0);
}

describeMatrix('batches', createHandler, {
  'passes requests outside the endpoint to the app untouched': async (target) => {
    const response = await unbatched(target, '/api/json');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual(await (await api.fetch(new Request('http://x/api/json'))).json());
  },

  'answers each call exactly like the unbatched request (JSON, text, binary, 204, 404, 500, redirects)':
    async (target) => {
      const paths = [
        '/api/json',
        '/api/text',
        '/api/binary',
        '/api/empty',
        '/api/nope',
        '/api/error',
        '/api/redirect',
        '/api/moved',
      ];
      const response = await batch(
        target,
        paths.map((path, id) => ({ id, path })),
      );
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe(FRAMES_MEDIA_TYPE);
      const frames = await collectFrames(response);
      expect(frames.at(-1)?.kind).toBe('end');
      const results = resultsById(frames);
      for (const [id, path] of paths.entries()) {
        const direct = await unbatched(target, path);
        const body = new Uint8Array(await direct.arrayBuffer());
        const frame = results.get(id) as ResultFrame;
        expect(frame.status, path).toBe(direct.status);
        expect(Buffer.from(frameBytes(frame)).equals(Buffer.from(body)), path).toBe(true);
        const headers = new Headers(frame.headers as Array<[string, string]>);
        expect(headers.get('content-type'), path).toBe(direct.headers.get('content-type'));
        expect(headers.get('location'), path).toBe(direct.headers.get('location'));
      }
      // JSON travels as a value, the rest as bytes; 204 and redirects have no body.
      expect(results.get(0)?.body.kind).toBe('json');
      expect(results.get(1)?.body.kind).toBe('bytes');
      expect(results.get(2)?.body.kind).toBe('bytes');
      expect(results.get(3)?.body.kind).toBe('none');
    },

  'turns a throwing handler into a generic 500 for that call only, details to onError': async (target) => {
    const frames = await collectFrames(
      await batch(target, [
        { id: 1, path: '/api/throw' },
        { id: 2, path: '/api/json' },
      ]),
    );
    const results = resultsById(frames);
    expect(results.get(1)?.status).toBe(500);
    expect(bodyText((results.get(1) as ResultFrame).body)).toBe('Internal Server Error');
    expect(JSON.stringify(frames)).not.toContain('secret detail');
    expect(results.get(2)?.status).toBe(200);
    expect(reported).toHaveLength(1);
    expect(String(reported[0]?.error)).toContain('secret detail');
    expect(reported[0]?.info).toMatchObject({ id: 1, method: 'GET', path: '/api/throw' });
  },

  'writes frames in completion order: fast calls do not wait for a slow one': async (target) => {
    const frames = await collectFrames(
      await batch(target, [
        { id: 1, path: '/api/slow?ms=150' },
        { id: 2, path: '/api/json' },
        { id: 3, path: '/api/slow?ms=30' },
        { id: 4, path: '/api/text' },
      ]),
    );
    expect(frameOrder(frames)).toEqual([2, 4, 3, 1]);
  },

  'streams: the first frame arrives while a call still hangs, and dropping the response aborts it': async (
    target,
  ) => {
    const response = await batch(target, [
      { id: 1, path: '/api/hang?key=stream' },
      { id: 2, path: '/api/json' },
    ]);
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const first = await reader.read();
    expect(first.done).toBe(false);
    expect(first.value?.byteLength).toBeGreaterThan(4);
    await reader.cancel();
    await vi.waitFor(() => expect(api.stats().aborted).toContain('stream'));
  },

  'cancels a running call: its CANCELED frame at once, its signal aborts, its neighbours carry on': async (
    target,
  ) => {
    const batchId = createBatchId();
    const response = await batch(
      target,
      [
        { id: 1, path: '/api/hang?key=running' },
        { id: 2, path: '/api/text' },
        { id: 3, path: '/api/hang?key=neighbour' },
      ],
      { batchId },
    );
    const frames = readFrames(response.body as ReadableStream<Uint8Array>);
    expect((await frames.next()).value).toMatchObject({ kind: 'result', id: 2, status: 200 });
    await vi.waitFor(() => expect(api.stats().started).toEqual(['running', 'neighbour']));
    const cancel = (ids: number[]) => target.send(cancelRequest(batchId, ids, target.origin));
    expect((await cancel([1])).status).toBe(204);
    // Written while call 3 still hangs: the cancel does not wait for the rest of the batch.
    expect((await frames.next()).value).toMatchObject({ kind: 'error', id: 1, code: 'CANCELED' });
    expect(api.stats().aborted).toEqual(['running']);
    expect((await cancel([3])).status).toBe(204);
    expect((await frames.next()).value).toMatchObject({ kind: 'error', id: 3, code: 'CANCELED' });
    expect((await frames.next()).value).toMatchObject({ kind: 'end' });
  },

  'aborts every running call when the client disconnects, and keeps serving': async (target) => {
    const disconnects = target.handler.metrics().disconnects;
    const controller = new AbortController();
    const response = await batch(
      target,
      [
        { id: 1, path: '/api/hang?key=d1' },
        { id: 2, path: '/api/hang?key=d2' },
      ],
      { signal: controller.signal },
    );
    await vi.waitFor(() => expect(api.stats().started).toHaveLength(2));
    controller.abort();
    await response.body?.cancel().catch(() => {
      // The body of an aborted fetch rejects: the abort is what this case is about.
    });
    await vi.waitFor(() => expect([...api.stats().aborted].sort()).toEqual(['d1', 'd2']));
    await vi.waitFor(() => expect(target.handler.metrics().activeBatches).toBe(0));
    expect(target.handler.metrics().disconnects).toBe(disconnects + 1);
    await expectServing(target);
  },

  'reads gzip, deflate and br request bodies; a gzip or br bomb stops at the decompressed-size cap': async (
    target,
  ) => {
    const body = batchBody([{ id: 1, path: '/api/text' }]);
    for (const [encoding, bytes] of [
      ['gzip', gzipSync(body)],
      ['deflate', deflateSync(body)],
      ['br', brotliCompressSync(body)],
    ] as const) {
      const frames = await collectFrames(await rawBatch(target, bytes, { 'content-encoding': encoding }));
      expect(resultsById(frames).get(1)?.status, encoding).toBe(200);
    }
    const zeros = new Uint8Array(16 * 1024 * 1024); // 16 MiB of zeros in ~16 KB, 16x the cap
    const bomb = gzipSync(zeros);
    expect(bomb.length).toBeLessThan(64 * 1024);
    await expectProblem(
      await rawBatch(target, bomb, { 'content-encoding': 'gzip' }),
      413,
      'DECOMPRESSED_TOO_LARGE',
    );
    const brBomb = brotliCompressSync(zeros, { params: { [constants.BROTLI_PARAM_QUALITY]: 1 } });
    await expectProblem(
      await rawBatch(target, brBomb, { 'content-encoding': 'br' }),
      413,
      'DECOMPRESSED_TOO_LARGE',
    );
    await expectServing(target);
  },
});

describeMatrix('hostile input: a 4xx problem, and the handler keeps serving', createHandler, {
  'random bytes': async (target) => {
    for (let round = 0; round < 20; round++) {
      const bytes = new Uint8Array(1 + Math.floor(Math.random() * 512));
      crypto.getRandomValues(bytes);
      const response = await rawBatch(target, bytes);
      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(response.status).toBeLessThan(500);
      await response.body?.cancel();
    }
    await expectServing(target);
  },

  'a truncated body': async (target) => {
    const body = batchBody([{ id: 1, path: '/api/json' }]);
    await expectProblem(await rawBatch(target, body.subarray(0, body.length - 3)), 400, 'TRUNCATED');
    await expectServing(target);
  },

  'deep nesting': async (target) => {
    // [[[[...]]]] nested 10,000 deep: refused by the scanner without recursion.
    const depth = 10_000;
    const bytes = new Uint8Array(depth + 1);
    bytes.fill(0x91, 0, depth);
    bytes[depth] = 0xc0;
    await expectProblem(await rawBatch(target, bytes), 400, 'DEPTH_EXCEEDED');
    await expectServing(target);
  },

  'huge declared lengths': async (target) => {
    // array32 of 4 billion items, map32, str32: each declares more than the body holds.
    for (const bytes of [
      [0xdd, 0xff, 0xff, 0xff, 0xff, 0x01],
      [0xdf, 0xff, 0xff, 0xff, 0xff, 0xa1, 0x61],
      [0xdb, 0xff, 0xff, 0xff, 0xff, 0x61],
    ]) {
      const response = await rawBatch(target, Uint8Array.from(bytes));
      expect([400, 413]).toContain(response.status);
      await response.body?.cancel();
    }
    await expectServing(target);
  },

  '__proto__ keys': async (target) => {
    // A JSON body value {"__proto__": {"polluted": true}} inside an otherwise valid batch (JSON.parse
    // makes __proto__ an own key, which msgpackr encodes as a plain map key).
    const value = JSON.parse('{"__proto__":{"polluted":true}}');
    const bytes = encodeValue([1, createBatchId(), [[1, 'POST', '/api/echo', [], 2, value, 1]]]);
    expect(Buffer.from(bytes).includes(Buffer.from('__proto__'))).toBe(true);
    await expectProblem(await rawBatch(target, bytes), 400, 'FORBIDDEN_KEY');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    await expectServing(target);
  },

  'an oversized body and an oversized batch': async (target) => {
    await expectProblem(await rawBatch(target, new Uint8Array(300 * 1024)), 413, 'BODY_TOO_LARGE');
    const calls = Array.from({ length: 1001 }, (_, id) => ({ id, path: '/api/json' }));
    await expectProblem(await rawBatch(target, batchBody(calls)), 413, 'TOO_MANY_CALLS');
    await expectServing(target);
  },

  'a wrong media type, a wrong method, an unknown encoding': async (target) => {
    const body = batchBody([{ id: 1, path: '/api/json' }]);
    await expectProblem(
      await rawBatch(target, body, { 'content-type': 'application/json' }),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    );
    const get = await target.send(new Request(`${target.origin}/__wirepack`));
    await expectProblem(get, 405, 'METHOD_NOT_ALLOWED');
    expect(get.headers.get('allow')).toBe('POST');
    const zstd = await rawBatch(target, body, { 'content-encoding': 'zstd' });
    expect(zstd.headers.get('accept-encoding')).toBe('gzip, deflate, br');
    await expectProblem(zstd, 415, 'UNSUPPORTED_ENCODING');
    await expectProblem(await rawBatch(target, body, { 'content-encoding': 'gzip' }), 400, 'MALFORMED');
    await expectServing(target);
  },
});
