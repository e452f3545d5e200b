import { PROBLEM_MEDIA_TYPE } from '@wirepack/protocol';
import fc from 'fast-check';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { createRestApi, type RestApi } from '../../../fixtures/rest-api/src/index.ts'; // by path: a dependency would make a workspace cycle (the fixture imports the server, as apps do)
import { createBatchHandler } from './index.ts';
import { batchBody, batchRequest, collectFrames, ORIGIN, resultsById } from './test-support/batch.ts';

const api: RestApi = createRestApi();
afterAll(() => api.close());

const handler = createBatchHandler({ fetch: api.fetch, onError: () => {} });

function post(bytes: Uint8Array): Promise<Response> {
  return handler(
    new Request(`${ORIGIN}/__wirepack`, {
      method: 'POST',
      headers: { 'content-type': 'application/vnd.wirepack.batch+msgpack' },
      body: bytes as Uint8Array<ArrayBuffer>,
    }),
  );
}

/** Every answer is a 4xx problem or a well-formed frame stream that ends with its end frame. */
async function expectWellFormed(response: Response): Promise<void> {
  if (response.status === 200) {
    const frames = await collectFrames(response);
    expect(frames.at(-1)?.kind).toBe('end');
    return;
  }
  expect(response.status).toBeGreaterThanOrEqual(400);
  expect(response.status).toBeLessThan(500);
  expect(response.headers.get('content-type')).toBe(PROBLEM_MEDIA_TYPE);
  const problem = (await response.json()) as { code: string };
  expect(typeof problem.code).toBe('string');
}

describe('hostile batch bodies (property-based)', () => {
  const valid = batchBody([
    { id: 1, path: '/api/json' },
    { id: 2, path: '/api/echo', method: 'POST', body: { kind: 'json', value: { a: [1, 'two', null] } } },
    { id: 3, path: '/api/text', headers: [['x-a', 'b']], priority: 'high' },
  ]);

  it('answers mutated, truncated and extended batches with a 4xx problem or valid frames', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
        fc.nat(valid.length),
        fc.uint8Array({ maxLength: 8 }),
        async (flips, cut, tail) => {
          const bytes = new Uint8Array([...valid.subarray(0, cut), ...tail]);
          for (const [index, value] of flips) if (index < bytes.length) bytes[index] = value;
          await expectWellFormed(await post(bytes));
        },
      ),
      { numRuns: 150 },
    );
  });

  it('answers arbitrary MessagePack values with a 4xx problem', async () => {
    const { encodeValue } = await import('@wirepack/protocol');
    await fc.assert(
      fc.asyncProperty(fc.jsonValue({ maxDepth: 4 }), async (value) => {
        const response = await post(encodeValue(value));
        expect(response.status).toBeGreaterThanOrEqual(400);
        await expectWellFormed(response);
      }),
      { numRuns: 100 },
    );
    expect(handler.metrics().activeBatches).toBe(0);
  });
});

describe('failures inside the app or the options', () => {
  it('gives a 500 frame to a call whose handler returns something that is not a Response', async () => {
    const onError = vi.fn();
    const broken = createBatchHandler({ fetch: (() => undefined) as never, onError });
    const frames = await collectFrames(await broken(batchRequest([{ id: 1, path: '/x' }])));
    expect(resultsById(frames).get(1)?.status).toBe(500);
    expect(onError).toHaveBeenCalledOnce();
  });

  it('gives a 500 frame to a call whose response body fails midway', async () => {
    const broken = createBatchHandler({
      fetch: () =>
        new Response(
          new ReadableStream({
            start(controller) {
              controller.enqueue(new TextEncoder().encode('partial'));
              controller.error(new Error('disk on fire'));
            },
          }),
        ),
      onError: () => {},
    });
    const frames = await collectFrames(await broken(batchRequest([{ id: 1, path: '/x' }])));
    expect(resultsById(frames).get(1)?.status).toBe(500);
  });

  it('answers 500 INTERNAL when createContext throws, and reports it', async () => {
    const onError = vi.fn();
    const broken = createBatchHandler({
      fetch: api.fetch,
      createContext: () => {
        throw new Error('no database');
      },
      onError,
    });
    const response = await broken(batchRequest([{ id: 1, path: '/api/json' }]));
    expect(response.status).toBe(500);
    expect(await response.json()).toMatchObject({ code: 'INTERNAL' });
    expect(String(onError.mock.calls[0]?.[0])).toContain('no database');
    expect(broken.metrics().activeBatches).toBe(0);
  });

  it('settles a large batch of calls that all fail at once without deep recursion', async () => {
    const big = createBatchHandler({ fetch: api.fetch, limits: { maxCalls: 20_000, concurrency: 20_000 } });
    const calls = Array.from({ length: 20_000 }, (_, id) => ({ id, path: 'relative' }));
    const frames = await collectFrames(await big(batchRequest(calls)));
    expect(frames.filter((frame) => frame.kind === 'error')).toHaveLength(20_000);
  });

  it('refuses a second running batch with the same id', async () => {
    const controller = new AbortController();
    const batchId = 'AAAAAAAAAAAAAAAAAAAAAA';
    const first = await handler(
      batchRequest([{ id: 1, path: '/api/hang' }], { batchId, signal: controller.signal }),
    );
    const second = await handler(batchRequest([{ id: 1, path: '/api/json' }], { batchId }));
    expect(second.status).toBe(400);
    expect(await second.json()).toMatchObject({ code: 'INVALID_ENVELOPE' });
    controller.abort();
    await first.body?.cancel();
  });
});
