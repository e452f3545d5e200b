// One table of cases run against both call paths of the batch handler: the default `fetch` contract
// (each call a Request to a Web handler, here `routesFetch(routes, ...)`) and the opt-in light path
// (`routes`, no Request or Response per call). Both run the same handler code, so any difference in
// what the client receives (results, errors, aborts, priorities, limits, admission) is the path's.
import type { ErrorFrame, Frame, Priority, ResultFrame } from '@wirepack/protocol';
import { describe, expect, it } from 'vitest';
import { createAdmissionController } from '../admission/admission-controller.ts';
import { createBatchHandler } from '../create-batch-handler.ts';
import type { BatchHandlerOptions } from '../options.ts';
import {
  batchRequest,
  bodyText,
  type CallInit,
  cancelRequest,
  collectFrames,
  frameOrder,
} from '../test-support/batch.ts';
import { createCallRoutes } from './call-routes.ts';
import { callResponse } from './light-call.ts';
import { routesFetch } from './routes-fetch.ts';

interface Probe {
  /** Paths in the order their handlers started. */
  started: string[];
  /** Whether a handler saw its signal abort, by path. */
  aborted: Map<string, unknown>;
}

/** The app, written once as light handlers. */
function appRoutes(probe: Probe) {
  const never = (signal: AbortSignal, path: string): Promise<never> =>
    new Promise((_, reject) => {
      signal.addEventListener('abort', () => {
        probe.aborted.set(path, signal.reason);
        reject(signal.reason);
      });
    });
  return createCallRoutes<{ tenant: string }>()
    .get('/users/:id', (call) => {
      probe.started.push(call.pathname);
      const id = Number(call.params.id);
      if (!Number.isInteger(id)) return callResponse({ error: 'not found' }, { status: 404 });
      return { id, name: `User ${id}`, tenant: call.context.tenant };
    })
    .get('/echo', (call) => ({
      method: call.method,
      query: Object.fromEntries(call.query),
      test: call.headers.get('X-Test'),
      accept: call.headers.get('accept'),
      cookie: call.headers.get('cookie'),
      forwarded: call.headers.get('x-forwarded-for'),
    }))
    .post('/echo-body', async (call) => ({ body: call.body ?? null, type: call.headers.get('content-type') }))
    .put('/items/:name', (call) =>
      callResponse(
        { saved: call.params.name },
        { status: 201, headers: { 'x-saved': call.params.name ?? '' } },
      ),
    )
    .get('/normalised', () => ({ at: new Date(0), skip: undefined, nan: Number.NaN, list: [undefined] }))
    .get('/text', () =>
      callResponse(new TextEncoder().encode('plain words'), { headers: { 'content-type': 'text/plain' } }),
    )
    .get('/empty', () => undefined)
    .get('/deep', () => {
      let value: unknown = 'bottom';
      for (let i = 0; i < 200; i++) value = [value];
      return value;
    })
    .get('/big', () => ({ text: 'x'.repeat(5_000) }))
    .get('/boom', () => {
      throw new Error('secret detail');
    })
    .get('/async-boom', async () => {
      await Promise.resolve();
      throw new Error('secret detail');
    })
    .get('/hang/:name', (call) => {
      probe.started.push(call.pathname);
      return never(call.signal, call.pathname);
    })
    .get('/order/:name', async (call) => {
      probe.started.push(call.pathname);
      await new Promise((resolve) => setTimeout(resolve, 1));
      return { name: call.params.name };
    });
}

const notFound = (): Response => Response.json({ error: 'no route' }, { status: 404 });

type Path = 'fetch' | 'light';

/** A batch handler on one path, with the same options otherwise. */
function handlerOn(path: Path, probe: Probe, options: Partial<BatchHandlerOptions<{ tenant: string }>> = {}) {
  const routes = appRoutes(probe);
  return createBatchHandler<{ tenant: string }>({
    createContext: () => ({ tenant: 'acme' }),
    onError: () => {
      // The cases that care look at frames; nothing of the error reaches them.
    },
    ...options,
    ...(path === 'fetch' ? { fetch: routesFetch(routes, notFound) } : { fetch: notFound, routes }),
  });
}

/** What the client can tell apart: per call its status, headers and body, or its error code. */
function visible(frames: readonly Frame[]): Record<number, unknown> {
  const out: Record<number, unknown> = {};
  for (const frame of frames) {
    if (frame.kind === 'result') {
      const result = frame as ResultFrame;
      out[result.id] = { status: result.status, headers: result.headers, body: result.body };
    } else if (frame.kind === 'error') {
      out[(frame as ErrorFrame).id] = { error: (frame as ErrorFrame).code };
    }
  }
  return out;
}

async function run(
  path: Path,
  calls: readonly CallInit[],
  options: Partial<BatchHandlerOptions<{ tenant: string }>> = {},
  headers: Record<string, string> = {},
): Promise<{ frames: Frame[]; probe: Probe }> {
  const probe: Probe = { started: [], aborted: new Map() };
  const response = await handlerOn(path, probe, options)(batchRequest(calls, { headers }));
  return { frames: await collectFrames(response), probe };
}

interface Case {
  readonly name: string;
  readonly calls: readonly CallInit[];
  readonly options?: Partial<BatchHandlerOptions<{ tenant: string }>>;
  readonly headers?: Record<string, string>;
  /** What the client must see, by call id (checked on both paths, besides their equality). */
  readonly expect: (seen: Record<number, unknown>) => void;
}

const json = (value: unknown) => ({ kind: 'json', value });
const JSON_HEADERS = [['content-type', 'application/json']];

const CASES: readonly Case[] = [
  {
    name: 'results: a value, a 404 of the handler, params and the batch context',
    calls: [
      { id: 1, path: '/users/7' },
      { id: 2, path: '/users/x' },
      { id: 3, path: '/nowhere' },
    ],
    expect: (seen) => {
      expect(seen[1]).toEqual({
        status: 200,
        headers: JSON_HEADERS,
        body: json({ id: 7, name: 'User 7', tenant: 'acme' }),
      });
      expect(seen[2]).toEqual({ status: 404, headers: JSON_HEADERS, body: json({ error: 'not found' }) });
      expect(seen[3]).toMatchObject({ status: 404, body: json({ error: 'no route' }) });
    },
  },
  {
    name: 'results: query, headers as the app sees them (case-insensitive, inherited, proxy headers dropped)',
    calls: [
      {
        id: 1,
        path: '/echo?a=1&b=two%20words',
        headers: [
          ['X-Test', 'yes'],
          ['X-Forwarded-For', '6.6.6.6'],
        ],
      },
    ],
    headers: { cookie: 'session=s1', 'x-forwarded-for': '10.0.0.1' },
    expect: (seen) =>
      expect(seen[1]).toMatchObject({
        status: 200,
        body: json({
          method: 'GET',
          query: { a: '1', b: 'two words' },
          test: 'yes',
          accept: '*/*',
          cookie: 'session=s1',
          forwarded: '10.0.0.1',
        }),
      }),
  },
  {
    name: 'results: a JSON body in, status and headers of callResponse out, lower-case methods',
    calls: [
      {
        id: 1,
        path: '/echo-body',
        method: 'POST',
        body: { kind: 'json', value: { n: 1, list: [true, null] } },
      },
      { id: 2, path: '/items/pen', method: 'put' },
    ],
    expect: (seen) => {
      expect(seen[1]).toMatchObject({
        status: 200,
        body: json({ body: { n: 1, list: [true, null] }, type: 'application/json' }),
      });
      expect(seen[2]).toEqual({
        status: 201,
        headers: [...JSON_HEADERS, ['x-saved', 'pen']],
        body: json({ saved: 'pen' }),
      });
    },
  },
  {
    name: 'results: a body sent as bytes is parsed when its type says JSON, refused with 400 when it is not JSON',
    calls: [
      {
        id: 1,
        path: '/echo-body',
        method: 'POST',
        headers: [['content-type', 'application/json']],
        body: { kind: 'bytes', bytes: new TextEncoder().encode('{"a":[1,2]}') },
      },
      {
        id: 2,
        path: '/echo-body',
        method: 'POST',
        headers: [['content-type', 'application/json']],
        body: { kind: 'bytes', bytes: new TextEncoder().encode('{not json') },
      },
      { id: 3, path: '/echo-body', method: 'POST', body: { kind: 'bytes', bytes: new Uint8Array(0) } },
    ],
    expect: (seen) => {
      expect(seen[1]).toMatchObject({
        status: 200,
        body: json({ body: { a: [1, 2] }, type: 'application/json' }),
      });
      expect(seen[2]).toMatchObject({ status: 400 });
      expect(seen[3]).toMatchObject({ status: 200, body: json({ body: null, type: null }) });
    },
  },
  {
    name: 'results: values JSON would change arrive as JSON leaves them; bytes, no body, too deep as text',
    calls: [
      { id: 1, path: '/normalised' },
      { id: 2, path: '/text' },
      { id: 3, path: '/empty' },
      { id: 4, path: '/deep' },
    ],
    expect: (seen) => {
      expect(seen[1]).toMatchObject({
        body: json({ at: '1970-01-01T00:00:00.000Z', nan: null, list: [null] }),
      });
      expect(seen[2]).toMatchObject({ status: 200, headers: [['content-type', 'text/plain']] });
      expect(bodyText((seen[2] as ResultFrame).body)).toBe('plain words');
      expect(seen[3]).toEqual({ status: 204, headers: [], body: { kind: 'none' } });
      expect((seen[4] as ResultFrame).body.kind).toBe('bytes'); // deeper than the client decodes
    },
  },
  {
    name: 'errors: what the handler throws is a generic 500, nothing of it on the wire',
    calls: [
      { id: 1, path: '/boom' },
      { id: 2, path: '/async-boom' },
      { id: 3, path: '/users/1' },
    ],
    expect: (seen) => {
      for (const id of [1, 2]) {
        expect(seen[id]).toMatchObject({ status: 500 });
        expect(bodyText((seen[id] as ResultFrame).body)).toBe('Internal Server Error');
      }
      expect(seen[3]).toMatchObject({ status: 200 });
    },
  },
  {
    name: 'errors: invalid paths, the endpoint, a body on GET, a bad header are refused with the same codes',
    calls: [
      { id: 1, path: '//evil.example/users/1' },
      { id: 2, path: '/__wirepack' },
      { id: 3, path: '/users/../__wirepack' },
      { id: 4, path: '/users/1', body: { kind: 'json', value: 1 } },
      { id: 5, path: '/users/1', headers: [['bad name', 'x']] },
      { id: 6, path: '/users/1', method: 'TRACE' },
      { id: 7, path: '/users/./7' },
    ],
    expect: (seen) => {
      expect(seen[1]).toEqual({ error: 'INVALID_PATH' });
      expect(seen[2]).toEqual({ error: 'INVALID_PATH' });
      expect(seen[3]).toEqual({ error: 'INVALID_PATH' });
      expect(seen[4]).toEqual({ error: 'INVALID_ENVELOPE' });
      expect(seen[5]).toEqual({ error: 'INVALID_ENVELOPE' });
      expect(seen[6]).toEqual({ error: 'INVALID_ENVELOPE' });
      expect(seen[7]).toMatchObject({ status: 200, body: json({ id: 7, name: 'User 7', tenant: 'acme' }) });
    },
  },
  {
    name: 'limits: maxResponseBytes, maxHeaderCount, maxHeaderBytes',
    calls: [
      { id: 1, path: '/big' },
      {
        id: 2,
        path: '/users/1',
        headers: [
          ['x-a', '1'],
          ['x-b', '2'],
          ['x-c', '3'],
        ],
      },
      { id: 3, path: '/users/3' },
      { id: 4, path: '/users/4', headers: [['x-long', 'y'.repeat(100)]] },
    ],
    options: { limits: { maxResponseBytes: 1_000, maxHeaderCount: 2, maxHeaderBytes: 64 } },
    expect: (seen) => {
      expect(seen[1]).toEqual({ error: 'FRAME_TOO_LARGE' });
      expect(seen[2]).toEqual({ error: 'HEADERS_TOO_LARGE' });
      expect(seen[3]).toMatchObject({ status: 200 });
      expect(seen[4]).toEqual({ error: 'HEADERS_TOO_LARGE' });
    },
  },
  {
    name: 'aborts: a call past timeoutMs gets TIMEOUT and its handler sees its signal abort',
    calls: [
      { id: 1, path: '/hang/a' },
      { id: 2, path: '/users/2' },
    ],
    options: { limits: { timeoutMs: 30 } },
    expect: (seen) => {
      expect(seen[1]).toEqual({ error: 'TIMEOUT' });
      expect(seen[2]).toMatchObject({ status: 200 });
    },
  },
];

describe('the same cases on the fetch path and the light path', () => {
  for (const testCase of CASES) {
    it(testCase.name, async () => {
      const fetchPath = await run('fetch', testCase.calls, testCase.options, testCase.headers);
      const lightPath = await run('light', testCase.calls, testCase.options, testCase.headers);
      const seen = visible(lightPath.frames);
      testCase.expect(visible(fetchPath.frames));
      testCase.expect(seen);
      expect(seen).toEqual(visible(fetchPath.frames));
      expect(lightPath.frames.at(-1)?.kind).toBe('end');
      expect([...lightPath.probe.aborted.keys()]).toEqual([...fetchPath.probe.aborted.keys()]);
    });
  }

  for (const path of ['fetch', 'light'] as const) {
    it(`priorities (${path}): with one slot, high calls start first, then auto, then low`, async () => {
      const priorities: Priority[] = ['low', 'auto', 'high', 'low', 'high', 'auto'];
      const calls = priorities.map((priority, index) => ({
        id: index + 1,
        path: `/order/${priority}-${index + 1}`,
        priority,
      }));
      const { frames, probe } = await run(path, calls, { limits: { concurrency: 1 } });
      expect(probe.started).toEqual([
        '/order/high-3',
        '/order/high-5',
        '/order/auto-2',
        '/order/auto-6',
        '/order/low-1',
        '/order/low-4',
      ]);
      expect(frameOrder(frames)).toEqual([3, 5, 2, 6, 1, 4]);
    });

    it(`aborts (${path}): a cancel message aborts a running call; its neighbours finish`, async () => {
      const probe: Probe = { started: [], aborted: new Map() };
      const handler = handlerOn(path, probe);
      const batchId = `both-paths-cancel-${path}-00001`;
      const response = await handler(
        batchRequest(
          [
            { id: 1, path: '/hang/c' },
            { id: 2, path: '/users/5' },
          ],
          { batchId },
        ),
      );
      const framesPromise = collectFrames(response);
      for (let i = 0; i < 100 && probe.started.length === 0; i++)
        await new Promise((resolve) => setImmediate(resolve));
      const cancel = await handler(cancelRequest(batchId, [1]));
      expect(cancel.status).toBe(204);
      const seen = visible(await framesPromise);
      expect(seen[1]).toEqual({ error: 'CANCELED' });
      expect(seen[2]).toMatchObject({ status: 200 });
      expect(probe.aborted.has('/hang/c')).toBe(true);
    });

    it(`aborts (${path}): the client going away aborts every running call`, async () => {
      const probe: Probe = { started: [], aborted: new Map() };
      const handler = handlerOn(path, probe);
      const controller = new AbortController();
      await handler(batchRequest([{ id: 1, path: '/hang/gone' }], { signal: controller.signal }));
      for (let i = 0; i < 100 && probe.started.length === 0; i++)
        await new Promise((resolve) => setImmediate(resolve));
      controller.abort();
      for (let i = 0; i < 100 && !probe.aborted.has('/hang/gone'); i++)
        await new Promise((resolve) => setImmediate(resolve));
      expect(probe.aborted.has('/hang/gone')).toBe(true);
    });

    it(`admission (${path}): calls past the server-wide queue are shed one by one with 503 + Retry-After`, async () => {
      const admission = createAdmissionController({ concurrency: 1, reservedForHigh: 0, maxQueue: 1 });
      const calls = [1, 2, 3, 4].map((id) => ({ id, path: `/order/a${id}` }));
      const { frames } = await run(path, calls, { admission });
      const seen = visible(frames) as Record<number, ResultFrame>;
      expect([1, 2].map((id) => seen[id]?.status)).toEqual([200, 200]);
      for (const id of [3, 4]) {
        expect(seen[id]?.status).toBe(503);
        expect(new Map(seen[id]?.headers).get('retry-after')).toBe('1');
      }
      expect(admission.stats()).toMatchObject({ inFlight: 0, queued: 0, shed: { auto: 2 } });
    });
  }
});
