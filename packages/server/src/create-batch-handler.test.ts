// The Web core's options and internals. Behaviour that must hold however the handler is served
// (answers, streaming, cancels, disconnects, request codings, hostile input) runs against the Web
// core and the Node adapter alike in batch-handler-matrix.test.ts.
import {
  BATCH_MEDIA_TYPE,
  createBatchId,
  DEFAULT_DECODE_LIMITS,
  decodeFrameMessage,
  FRAMES_MEDIA_TYPE,
  type Frame,
  type ResultFrame,
} from '@wirepack/protocol';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createRestApi, type RestApi } from '../../../fixtures/rest-api/src/index.ts'; // by path: a dependency would make a workspace cycle (the fixture imports the server, as apps do)
import { nodeCompression } from './adapters/node.ts';
import { type BatchHandler, createBatchHandler, getSubRequestInfo } from './index.ts';
import {
  batchBody,
  batchRequest,
  bodyText,
  cancelRequest,
  collectFrames,
  frameOrder,
  ORIGIN,
  resultsById,
} from './test-support/batch.ts';

const api: RestApi = createRestApi();
afterAll(() => api.close());
beforeEach(() => api.resetStats());

function handlerFor(extra: Partial<Parameters<typeof createBatchHandler>[0]> = {}): BatchHandler {
  return createBatchHandler({
    fetch: api.fetch,
    createContext: api.createContext,
    onError: () => {
      // The tests that care pass their own.
    },
    ...extra,
  });
}

interface EchoBody {
  method: string;
  query: Record<string, string>;
  body: string | null;
  headers: Record<string, string | undefined>;
}

describe('createBatchHandler', () => {
  it('runs high before auto before low when the concurrency limit queues calls', async () => {
    const order: string[] = [];
    const handler = createBatchHandler({
      fetch: async (request) => {
        order.push(new URL(request.url).pathname);
        return new Response('ok');
      },
      limits: { concurrency: 1 },
    });
    const frames = await collectFrames(
      await handler(
        batchRequest([
          { id: 1, path: '/low-1', priority: 'low' },
          { id: 2, path: '/auto-1' },
          { id: 3, path: '/high-1', priority: 'high' },
          { id: 4, path: '/low-2', priority: 'low' },
          { id: 5, path: '/high-2', priority: 'high' },
          { id: 6, path: '/auto-2' },
        ]),
      ),
    );
    expect(order).toEqual(['/high-1', '/high-2', '/auto-1', '/auto-2', '/low-1', '/low-2']);
    expect(frameOrder(frames)).toEqual([3, 5, 2, 6, 1, 4]);
  });

  it('times a call out with a TIMEOUT frame and aborts its signal', async () => {
    const handler = handlerFor({ limits: { timeoutMs: 50 } });
    const frames = await collectFrames(
      await handler(
        batchRequest([
          { id: 1, path: '/api/hang?key=timeout' },
          { id: 2, path: '/api/json' },
        ]),
      ),
    );
    expect(frames.find((frame) => frame.kind === 'error')).toMatchObject({ id: 1, code: 'TIMEOUT' });
    expect(resultsById(frames).get(2)?.status).toBe(200);
    expect(api.stats().aborted).toContain('timeout');
    expect(handler.metrics().errors.TIMEOUT).toBe(1);
  });

  it('cancels a queued call before it starts: the app never sees it', async () => {
    const handler = handlerFor({ limits: { concurrency: 1 } });
    const batchId = createBatchId();
    const response = await handler(
      batchRequest(
        [
          { id: 1, path: '/api/slow?ms=60&key=first' },
          { id: 2, path: '/api/slow?ms=1&key=queued' },
        ],
        { batchId },
      ),
    );
    const framesPromise = collectFrames(response);
    expect((await handler(cancelRequest(batchId, [2]))).status).toBe(204);
    const frames = await framesPromise;
    expect(frames.find((frame) => frame.kind === 'error')).toMatchObject({ id: 2, code: 'CANCELED' });
    expect(api.stats().started).toEqual(['first']);
  });

  it('answers a cancel for a batch that has ended with 404 UNKNOWN_BATCH', async () => {
    const handler = handlerFor();
    const batchId = createBatchId();
    await collectFrames(await handler(batchRequest([{ id: 1, path: '/api/json' }], { batchId })));
    const response = await handler(cancelRequest(batchId, [1]));
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ code: 'UNKNOWN_BATCH' });
  });

  it('holds a cancel that overtook its batch (202) and applies it before the call starts', async () => {
    const handler = handlerFor();
    const batchId = createBatchId();
    // The batch body is still on its way when the cancel arrives (a cancel sent with keepalive on
    // another connection can overtake it).
    const body = batchBody(
      [
        { id: 1, path: '/api/slow?ms=1&key=overtaken' },
        { id: 2, path: '/api/slow?ms=1&key=kept' },
      ],
      batchId,
    );
    let upload!: ReadableStreamDefaultController<Uint8Array>;
    const responsePromise = handler(
      new Request(`${ORIGIN}/__wirepack`, {
        method: 'POST',
        headers: { 'content-type': BATCH_MEDIA_TYPE },
        body: new ReadableStream<Uint8Array>({
          start(controller) {
            upload = controller;
            controller.enqueue(body.subarray(0, 10));
          },
        }),
        duplex: 'half',
      } as RequestInit),
    );
    const cancel = await handler(cancelRequest(batchId, [1]));
    expect(cancel.status).toBe(202);
    expect(await handler(cancelRequest(batchId, [1])).then((res) => res.status)).toBe(202); // repeated: no-op
    upload.enqueue(body.subarray(10));
    upload.close();
    const frames = await collectFrames(await responsePromise);
    expect(frames.filter((frame) => frame.kind === 'error')).toEqual([
      { kind: 'error', id: 1, code: 'CANCELED', message: expect.any(String) },
    ]);
    expect(resultsById(frames).get(2)?.status).toBe(200);
    expect(api.stats().started).toEqual(['kept']);
    expect(handler.metrics().errors).toEqual({ CANCELED: 1 });
    // Once the batch has ended, the held cancel is gone and another one is answered 404.
    expect((await handler(cancelRequest(batchId, [1]))).status).toBe(404);
  });

  it('treats a repeated cancel of a running call as a no-op', async () => {
    const handler = handlerFor();
    const batchId = createBatchId();
    const response = await handler(
      batchRequest(
        [
          { id: 1, path: '/api/hang?key=twice' },
          { id: 2, path: '/api/slow?ms=50' },
        ],
        { batchId },
      ),
    );
    const framesPromise = collectFrames(response);
    await vi.waitFor(() => expect(api.stats().started).toContain('twice'));
    expect((await handler(cancelRequest(batchId, [1]))).status).toBe(204);
    expect((await handler(cancelRequest(batchId, [1]))).status).toBe(204);
    const frames = await framesPromise;
    expect(frames.filter((frame) => frame.kind === 'error')).toHaveLength(1);
    expect(handler.metrics().errors).toEqual({ CANCELED: 1 });
    expect(handler.metrics().cancels).toBe(2);
  });

  it('shares one DataLoader per batch: N user lookups make one query', async () => {
    const handler = handlerFor();
    const ids = [3, 1, 4, 1, 5, 9, 2, 6];
    const frames = await collectFrames(
      await handler(batchRequest(ids.map((user, id) => ({ id, path: `/api/users/${user}` })))),
    );
    const results = resultsById(frames);
    expect(api.stats().userQueries).toBe(1);
    for (const [id, user] of ids.entries()) {
      const body = (results.get(id) as ResultFrame).body;
      expect(body).toEqual({
        kind: 'json',
        value: { id: user, name: `User ${user}`, email: `user${user}@example.test` },
      });
    }
    // The next batch gets its own loader (a second query), and unbatched calls one query each.
    await collectFrames(await handler(batchRequest([{ id: 1, path: '/api/users/7' }])));
    expect(api.stats().userQueries).toBe(2);
  });

  it("hands createContext the batch request and every call's id, method and path before any call starts", async () => {
    const seen: unknown[] = [];
    let started = 0;
    const handler = createBatchHandler({
      fetch: async () => {
        started++;
        return new Response(null, { status: 204 });
      },
      createContext: (request, calls) => {
        seen.push({ url: request.url, calls, started });
        return {};
      },
      limits: { concurrency: 1 },
    });
    await collectFrames(
      await handler(
        batchRequest([
          { id: 4, path: '/api/users/1?x=1' },
          { id: 9, path: '/api/echo', method: 'POST', body: { kind: 'json', value: { secret: 1 } } },
        ]),
      ),
    );
    expect(seen).toEqual([
      {
        url: `${ORIGIN}/__wirepack`,
        calls: [
          { id: 4, method: 'GET', path: '/api/users/1?x=1' },
          { id: 9, method: 'POST', path: '/api/echo' },
        ],
        started: 0,
      },
    ]);
  });

  it('gives each sub-request its batch id, call id and priority', async () => {
    let seen: unknown;
    const handler = createBatchHandler({
      fetch: async (request) => {
        seen = getSubRequestInfo(request);
        return new Response(null, { status: 204 });
      },
      createContext: () => ({ tag: 'ctx' }),
    });
    const batchId = createBatchId();
    await collectFrames(await handler(batchRequest([{ id: 7, path: '/x', priority: 'high' }], { batchId })));
    expect(seen).toMatchObject({ batchId, id: 7, priority: 'high', context: { tag: 'ctx' } });
    expect((seen as { signal: AbortSignal }).signal).toBeInstanceOf(AbortSignal);
    expect((seen as { parent: Request }).parent.url).toBe(`${ORIGIN}/__wirepack`);
  });

  it('inherits cookie and authorization (and configured headers) unless the call sets its own', async () => {
    const handler = handlerFor({ inheritHeaders: ['X-Tenant'] });
    const frames = await collectFrames(
      await handler(
        batchRequest(
          [
            { id: 1, path: '/api/echo' },
            { id: 2, path: '/api/echo', headers: [['authorization', 'Bearer own']] },
            {
              id: 3,
              path: '/api/echo?x=1',
              method: 'POST',
              body: { kind: 'json', value: { a: [1, 2] } },
              headers: [['host', 'evil.test']],
            },
          ],
          {
            headers: {
              cookie: 'session=abc',
              authorization: 'Bearer parent',
              'x-tenant': 't1',
              'x-other': 'not inherited',
            },
          },
        ),
      ),
    );
    const echo = (id: number) =>
      ((resultsById(frames).get(id) as ResultFrame).body as { value: EchoBody }).value;
    expect(echo(1).headers).toMatchObject({
      cookie: 'session=abc',
      authorization: 'Bearer parent',
      'x-tenant': 't1',
    });
    expect(echo(1).headers['x-other']).toBeUndefined();
    expect(echo(2).headers.authorization).toBe('Bearer own');
    expect(echo(3)).toMatchObject({ method: 'POST', query: { x: '1' }, body: '{"a":[1,2]}' });
    expect(echo(3).headers['content-type']).toBe('application/json');
    expect(echo(3).headers.host).toBeUndefined();
  });

  it("sends each call the headers a plain fetch would: accept */*, the page's accept-language and user-agent", async () => {
    const handler = handlerFor();
    const frames = await collectFrames(
      await handler(
        batchRequest(
          [
            { id: 1, path: '/api/echo' },
            {
              id: 2,
              path: '/api/echo',
              headers: [
                ['accept', 'application/json'],
                ['accept-language', 'de'],
                ['user-agent', 'own-agent/1'],
              ],
            },
          ],
          {
            headers: {
              accept: FRAMES_MEDIA_TYPE,
              'accept-language': 'fr-CH, fr;q=0.9',
              'user-agent': 'Mozilla/5.0 (test)',
              'accept-encoding': 'gzip, br',
            },
          },
        ),
      ),
    );
    const echo = (id: number) =>
      ((resultsById(frames).get(id) as ResultFrame).body as { value: EchoBody }).value.headers;
    expect(echo(1)).toMatchObject({
      accept: '*/*',
      'accept-language': 'fr-CH, fr;q=0.9',
      'user-agent': 'Mozilla/5.0 (test)',
    });
    // Sub-response bodies are read by the server and framed uncompressed: never ask the app to compress.
    expect(echo(1)['accept-encoding']).toBeUndefined();
    expect(echo(2)).toMatchObject({
      accept: 'application/json',
      'accept-language': 'de',
      'user-agent': 'own-agent/1',
    });
  });

  it('takes proxy headers (x-forwarded-for ...) from the batch request only, never from a call', async () => {
    const handler = handlerFor();
    const spoof: Array<[string, string]> = [
      ['x-forwarded-for', '6.6.6.6'],
      ['forwarded', 'for=6.6.6.6'],
      ['x-real-ip', '6.6.6.6'],
    ];
    const echo = async (parent: Record<string, string>) => {
      const frames = await collectFrames(
        await handler(batchRequest([{ id: 1, path: '/api/echo', headers: spoof }], { headers: parent })),
      );
      return ((resultsById(frames).get(1) as ResultFrame).body as { value: EchoBody }).value.headers;
    };
    const behindProxy = await echo({ 'x-forwarded-for': '203.0.113.7' });
    expect(behindProxy['x-forwarded-for']).toBe('203.0.113.7');
    expect(behindProxy.forwarded).toBeUndefined();
    expect(behindProxy['x-real-ip']).toBeUndefined();
    const direct = await echo({});
    expect(direct['x-forwarded-for']).toBeUndefined();
  });

  it('refuses paths that leave the origin or target the batch endpoint, per call', async () => {
    const handler = handlerFor();
    const bad = [
      'https://evil.test/x',
      '//evil.test/x',
      '/\\evil.test/x',
      '/\t/evil.test',
      'api/json',
      '',
      '/__wirepack',
      '/api/../__wirepack',
      '/%5F_wirepack',
    ];
    const frames = await collectFrames(
      await handler(batchRequest([...bad.map((path, id) => ({ id, path })), { id: 99, path: '/api/json' }])),
    );
    for (const id of bad.keys()) {
      expect(frames.find((frame) => frame.kind === 'error' && frame.id === id)).toMatchObject({
        code: 'INVALID_PATH',
      });
    }
    expect(resultsById(frames).get(99)?.status).toBe(200);
    expect(api.stats().requests).toBe(1);
  });

  it('refuses oversized sub-request headers with HEADERS_TOO_LARGE', async () => {
    const handler = handlerFor({ limits: { maxHeaderBytes: 100, maxHeaderCount: 3 } });
    const frames = await collectFrames(
      await handler(
        batchRequest([
          { id: 1, path: '/api/json', headers: [['x-big', 'y'.repeat(200)]] },
          {
            id: 2,
            path: '/api/json',
            headers: [
              ['a', '1'],
              ['b', '2'],
              ['c', '3'],
              ['d', '4'],
            ],
          },
          { id: 3, path: '/api/json', headers: [['bad name', 'x']] },
          { id: 4, path: '/api/json', headers: [['x-ok', 'fine']] },
        ]),
      ),
    );
    const errors = frames.filter((frame) => frame.kind === 'error');
    expect(errors).toEqual([
      expect.objectContaining({ id: 1, code: 'HEADERS_TOO_LARGE' }),
      expect.objectContaining({ id: 2, code: 'HEADERS_TOO_LARGE' }),
      expect.objectContaining({ id: 3, code: 'INVALID_ENVELOPE' }),
    ]);
    expect(resultsById(frames).get(4)?.status).toBe(200);
  });

  it('answers a sub-response past maxResponseBytes with a FRAME_TOO_LARGE error frame', async () => {
    const handler = handlerFor({ limits: { maxResponseBytes: 1000 } });
    const frames = await collectFrames(
      await handler(
        batchRequest([
          { id: 1, path: '/api/big?bytes=1001' },
          { id: 2, path: '/api/big?bytes=1000' },
        ]),
      ),
    );
    expect(frames.find((frame) => frame.kind === 'error')).toMatchObject({ id: 1, code: 'FRAME_TOO_LARGE' });
    expect(bodyText((resultsById(frames).get(2) as ResultFrame).body)).toHaveLength(1000);
  });

  it('sends JSON that the client could not decode as bytes (too deep, __proto__ keys, invalid JSON)', async () => {
    const handler = handlerFor();
    const frames = await collectFrames(
      await handler(
        batchRequest([
          { id: 1, path: '/api/deep?depth=100' },
          { id: 2, path: '/api/proto' },
          { id: 3, path: '/api/deep?depth=10' },
        ]),
      ),
    );
    const results = resultsById(frames);
    expect(results.get(1)?.body.kind).toBe('bytes');
    expect(bodyText((results.get(2) as ResultFrame).body)).toBe('{"safe":1,"__proto__":{"polluted":true}}');
    expect(results.get(2)?.body.kind).toBe('bytes');
    expect(results.get(3)?.body.kind).toBe('json');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('writes results ready in the same tick as shared results frames, each within the decode limits', async () => {
    const nested = (depth: number): unknown => (depth === 0 ? 1 : [nested(depth - 1)]);
    const handler = createBatchHandler({
      // Every call answers at once, so all ten results are ready in the same tick.
      fetch: (request) => {
        const id = Number(new URL(request.url).pathname.slice(1));
        return Response.json(id === 9 ? nested(62) : { id, pad: 'x'.repeat(300) });
      },
      limits: { decode: { maxBytes: 4096 } },
    });
    const calls = Array.from({ length: 10 }, (_, id) => ({ id, path: `/${id}` }));
    const bytes = new Uint8Array(await (await handler(batchRequest(calls))).arrayBuffer());
    const messages: Frame[][] = [];
    for (let at = 0; at < bytes.length; ) {
      const length = new DataView(bytes.buffer, at, 4).getUint32(0);
      expect(length).toBeLessThanOrEqual(4096);
      messages.push(
        decodeFrameMessage(bytes.subarray(at + 4, at + 4 + length), {
          ...DEFAULT_DECODE_LIMITS,
          maxBytes: 4096,
        }),
      );
      at += 4 + length;
    }
    const results = messages.flat().filter((frame) => frame.kind === 'result');
    expect(results.map((frame) => frame.id).sort((a, b) => a - b)).toEqual(calls.map((call) => call.id));
    // Shared: fewer messages than results, several results in some. Split: no message over 4 KiB.
    expect(messages.length).toBeLessThan(results.length);
    expect(Math.max(...messages.map((message) => message.length))).toBeGreaterThan(1);
    // 62 levels fit a frame of their own (depth 63 of 64) but not a results frame (65): alone.
    expect(
      messages.find((message) => message.some((frame) => frame.kind === 'result' && frame.id === 9)),
    ).toHaveLength(1);
    expect((results.find((frame) => frame.id === 9) as ResultFrame).body.kind).toBe('json');
  });

  it('answers an empty batch with just the end frame', async () => {
    const frames = await collectFrames(await handlerFor()(batchRequest([])));
    expect(frames).toEqual([{ kind: 'end', timing: expect.objectContaining({ calls: 0 }) } satisfies Frame]);
  });

  it('counts metrics: batches, calls, statuses, errors, latencies, bytes', async () => {
    const handler = handlerFor({ limits: { timeoutMs: 40 } });
    const onBatch = vi.fn();
    const observed = createBatchHandler({ fetch: api.fetch, onBatch, onError: () => {} });
    // A fake clock (the call deadline's setTimeout and performance.now): the timed-out call takes
    // exactly its 40 ms, so the histogram can be checked for it, not for 'some time passed'.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    try {
      const frames = handler(
        batchRequest([
          { id: 1, path: '/api/json' },
          { id: 2, path: '/api/error' },
          { id: 3, path: '/api/hang' },
          { id: 4, path: '/api/nope' },
        ]),
      ).then(collectFrames);
      await vi.advanceTimersByTimeAsync(40);
      await frames;
    } finally {
      vi.useRealTimers();
    }
    const metrics = handler.metrics();
    expect(metrics).toMatchObject({
      batches: 1,
      calls: 4,
      statuses: { '2xx': 1, '4xx': 1, '5xx': 1 },
      errors: { TIMEOUT: 1 },
      errorRate: 0.5,
      activeBatches: 0,
      pendingCalls: 0,
    });
    expect(metrics.callMs.count).toBe(4);
    expect(metrics.callMs.p95).toBeGreaterThanOrEqual(metrics.callMs.p50);
    expect(metrics.callMs.max).toBe(40); // the timed-out call, at its limit
    expect(metrics.bytesIn).toBeGreaterThan(0);
    expect(metrics.bytesOut).toBeGreaterThan(metrics.bytesIn);
    await collectFrames(await observed(batchRequest([{ id: 1, path: '/api/text' }])));
    expect(onBatch).toHaveBeenCalledWith(
      expect.objectContaining({ calls: 1, errors: {}, bytesIn: expect.any(Number) }),
      expect.any(Function),
    );
  });

  it('refuses batches past the concurrent-batch and pending-call limits with 503 OVERLOADED', async () => {
    const handler = handlerFor({ limits: { maxConcurrentBatches: 1, maxPendingCalls: 3 } });
    const controller = new AbortController();
    const first = await handler(
      batchRequest([{ id: 1, path: '/api/hang?key=overload' }], { signal: controller.signal }),
    );
    const second = await handler(batchRequest([{ id: 1, path: '/api/json' }]));
    expect(second.status).toBe(503);
    expect(second.headers.get('retry-after')).toBe('1');
    expect(await second.json()).toMatchObject({ code: 'OVERLOADED' });
    controller.abort();
    await first.body?.cancel();
    await vi.waitFor(() => expect(handler.metrics().activeBatches).toBe(0));
    const tooMany = await handler(batchRequest([1, 2, 3, 4].map((id) => ({ id, path: '/api/json' }))));
    expect(tooMany.status).toBe(503);
    await tooMany.body?.cancel();
    // And it serves again once there is room.
    expect(
      resultsById(await collectFrames(await handler(batchRequest([{ id: 1, path: '/api/json' }])))).size,
    ).toBe(1);
    expect(handler.metrics().refused).toEqual({ OVERLOADED: 2 });
  });

  it('leaves the frame stream uncompressed (the Node adapters compress) and refuses the removed encoders option', async () => {
    const response = await handlerFor(nodeCompression())(
      batchRequest([{ id: 1, path: '/api/big?bytes=4000' }], { headers: { 'accept-encoding': 'gzip, br' } }),
    );
    expect(response.headers.has('content-encoding')).toBe(false);
    expect(resultsById(await collectFrames(response)).get(1)?.status).toBe(200);
    const encoders = { gzip: () => new TransformStream<Uint8Array, Uint8Array>() };
    expect(() => handlerFor({ encoders } as Partial<Parameters<typeof createBatchHandler>[0]>)).toThrow(
      /options\.encoders was removed.*compression/,
    );
  });

  it('advertises the request codings it reads (Accept-Encoding, RFC 7694) on batches and on a 415', async () => {
    const core = await handlerFor()(batchRequest([]));
    expect(core.headers.get('accept-encoding')).toBe('gzip, deflate');
    await core.body?.cancel();
    const node = handlerFor(nodeCompression());
    const withBrotli = await node(batchRequest([]));
    expect(withBrotli.headers.get('accept-encoding')).toBe('gzip, deflate, br');
    await withBrotli.body?.cancel();
    const refused = await handlerFor()(
      new Request(`${ORIGIN}/__wirepack`, {
        method: 'POST',
        headers: { 'content-type': BATCH_MEDIA_TYPE, 'content-encoding': 'br' },
        body: batchBody([{ id: 1, path: '/api/json' }]) as Uint8Array<ArrayBuffer>,
      }),
    );
    expect(refused.status).toBe(415);
    expect(await refused.json()).toMatchObject({ code: 'UNSUPPORTED_ENCODING' });
    expect(refused.headers.get('accept-encoding')).toBe('gzip, deflate');
  });

  it('stops starting calls while the client does not read (back-pressure), and resumes when it does', async () => {
    const handler = handlerFor({ limits: { concurrency: 2 } });
    const calls = Array.from({ length: 20 }, (_, id) => ({ id, path: '/api/big?bytes=400000' }));
    const response = await handler(batchRequest(calls));
    // Wait for the moment every call that started is done (its frame queued, its slot free) while
    // others still wait. The pump starts the next call in the same turn a slot frees, so only
    // back-pressure can leave the batch there; without it this first holds at 20 of 20. (The sleep
    // and stable-count this replaces passed on a machine too slow to start calls within its window.)
    await vi.waitFor(
      () => {
        const started = api.stats().requests;
        expect(started).toBeGreaterThan(0);
        expect(started).toBe(20 - handler.metrics().pendingCalls);
      },
      { timeout: 10_000 },
    );
    const started = api.stats().requests;
    expect(started).toBeLessThan(10);
    const frames = await collectFrames(response);
    expect(resultsById(frames).size).toBe(20);
    expect(api.stats().requests).toBe(20);
  });

  it('validates options with a TypeError at creation', () => {
    expect(() => createBatchHandler({} as never)).toThrow(TypeError);
    expect(() => createBatchHandler({ fetch: api.fetch, endpoint: 'x' })).toThrow(/endpoint/);
    expect(() => createBatchHandler({ fetch: api.fetch, limits: { maxCalls: 0 } })).toThrow(/maxCalls/);
    expect(() => createBatchHandler({ fetch: api.fetch, inheritHeaders: ['bad name'] })).toThrow(
      /inheritHeaders/,
    );
  });
});
