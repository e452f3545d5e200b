// Batched calls admitted through the server-wide controller, on the Web core (no sockets).
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createBatchHandler } from '../create-batch-handler.ts';
import {
  batchRequest,
  bodyText,
  cancelRequest,
  collectFrames,
  frameOrder,
  resultsById,
} from '../test-support/batch.ts';
import { createAdmissionController } from './admission-controller.ts';

function deferred<TValue = void>() {
  let resolve!: (value: TValue) => void;
  const promise = new Promise<TValue>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

/** Resolves once `count` handlers have started. */
function startedCounter() {
  const waiters: Array<{ count: number; resolve: () => void }> = [];
  let started = 0;
  return {
    bump(): void {
      started++;
      for (const waiter of waiters) if (started >= waiter.count) waiter.resolve();
    },
    reached(count: number): Promise<void> {
      if (started >= count) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ count, resolve }));
    },
    get value(): number {
      return started;
    },
  };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('batched calls under admission control', () => {
  it('sheds calls past the server-wide queue with their own 503 + Retry-After results; the rest run', async () => {
    const admission = createAdmissionController({ concurrency: 2, reservedForHigh: 0, maxQueue: 1 });
    const gate = deferred();
    const started = startedCounter();
    const handler = createBatchHandler({
      admission,
      fetch: async (request) => {
        started.bump();
        await gate.promise;
        return Response.json({ path: new URL(request.url).pathname });
      },
    });
    const response = await handler(batchRequest([1, 2, 3, 4, 5].map((id) => ({ id, path: `/api/${id}` }))));
    const framesPromise = collectFrames(response);
    await started.reached(2);
    // 1 and 2 hold the permits, 3 waits in the one queue place, 4 and 5 are shed at once.
    expect(admission.stats()).toMatchObject({ inFlight: 2, queued: 1, shed: { auto: 2 } });
    gate.resolve();
    const frames = await framesPromise;
    const results = resultsById(frames);
    for (const id of [1, 2, 3]) expect(results.get(id)?.status).toBe(200);
    for (const id of [4, 5]) {
      const shed = results.get(id);
      expect(shed?.status).toBe(503);
      const headers = new Map(shed?.headers);
      expect(headers.get('retry-after')).toBe('1');
      expect(headers.get('content-type')).toBe('application/problem+json');
      expect(JSON.parse(bodyText(shed?.body ?? { kind: 'none' }))).toMatchObject({ code: 'OVERLOADED' });
    }
    expect(frameOrder(frames).slice(0, 2).sort()).toEqual([4, 5]); // shed answers leave first, at once
    expect(frames.at(-1)?.kind).toBe('end');
    expect(admission.stats()).toMatchObject({ inFlight: 0, queued: 0 });
    expect(handler.metrics().statuses).toMatchObject({ '2xx': 3, '5xx': 2 });
  });

  it('lets high-priority calls of a later batch past the low ones of an earlier batch', async () => {
    const admission = createAdmissionController({ concurrency: 1, reservedForHigh: 0, maxQueue: 100 });
    const gates = new Map<string, () => void>();
    const order: string[] = [];
    const handler = createBatchHandler({
      admission,
      fetch: (request) => {
        const path = new URL(request.url).pathname;
        order.push(path);
        return new Promise((resolve) => gates.set(path, () => resolve(new Response(path))));
      },
    });
    const low = await handler(
      batchRequest([1, 2, 3].map((id) => ({ id, path: `/low/${id}`, priority: 'low' as const }))),
    );
    const high = await handler(batchRequest([{ id: 1, path: '/high/1', priority: 'high' }]));
    const lowFrames = collectFrames(low);
    const highFrames = collectFrames(high);
    await vi.waitFor(() => expect(order).toEqual(['/low/1']));
    gates.get('/low/1')?.();
    await vi.waitFor(() => expect(order).toEqual(['/low/1', '/high/1']));
    gates.get('/high/1')?.();
    await vi.waitFor(() => expect(order.length).toBe(3));
    gates.get('/low/2')?.();
    await vi.waitFor(() => expect(order.length).toBe(4));
    gates.get('/low/3')?.();
    await Promise.all([lowFrames, highFrames]);
    expect(order).toEqual(['/low/1', '/high/1', '/low/2', '/low/3']);
  });

  it('holds the permit of a timed-out call until the app settles, so aborted work still counts', async () => {
    vi.useFakeTimers();
    const admission = createAdmissionController({ concurrency: 1, reservedForHigh: 0, maxWaitMs: 60_000 });
    const gate = deferred();
    const started = startedCounter();
    const handler = createBatchHandler({
      admission,
      limits: { timeoutMs: 50 },
      fetch: async () => {
        started.bump();
        await gate.promise; // ignores its signal, as many handlers do
        return new Response('late');
      },
    });
    const first = collectFrames(await handler(batchRequest([{ id: 1, path: '/slow' }])));
    await vi.advanceTimersByTimeAsync(60);
    expect((await first).find((frame) => frame.kind === 'error')).toMatchObject({ code: 'TIMEOUT' });
    expect(admission.stats().inFlight).toBe(1); // the app is still working on it
    const second = collectFrames(await handler(batchRequest([{ id: 1, path: '/next' }])));
    await vi.advanceTimersByTimeAsync(10);
    expect(started.value).toBe(1);
    expect(admission.stats().queued).toBe(1);
    gate.resolve();
    await vi.advanceTimersByTimeAsync(0);
    expect(started.value).toBe(2);
    await vi.advanceTimersByTimeAsync(0);
    expect(resultsById(await second).get(1)?.status).toBe(200);
    expect(admission.stats().inFlight).toBe(0);
  });

  it('a cancel removes a call waiting for a permit: it never runs and gives its place back', async () => {
    const admission = createAdmissionController({ concurrency: 1, reservedForHigh: 0 });
    const gate = deferred();
    const paths: string[] = [];
    const handler = createBatchHandler({
      admission,
      fetch: async (request) => {
        paths.push(new URL(request.url).pathname);
        await gate.promise;
        return new Response('ok');
      },
    });
    const batchId = 'admission-cancel-batch-0001';
    const response = await handler(
      batchRequest(
        [
          { id: 1, path: '/running' },
          { id: 2, path: '/waiting' },
        ],
        { batchId },
      ),
    );
    const frames = collectFrames(response);
    await vi.waitFor(() => expect(admission.stats().queued).toBe(1));
    expect((await handler(cancelRequest(batchId, [2]))).status).toBe(204);
    expect(admission.stats().queued).toBe(0);
    gate.resolve();
    const all = await frames;
    expect(all.find((frame) => frame.kind === 'error')).toMatchObject({ id: 2, code: 'CANCELED' });
    expect(paths).toEqual(['/running']);
    expect(admission.stats().inFlight).toBe(0);
  });

  it('admits plain requests through the same controller, by their Priority header', async () => {
    const admission = createAdmissionController({ concurrency: 1, reservedForHigh: 0, maxQueue: 1 });
    const gate = deferred();
    const handler = createBatchHandler({
      admission,
      fetch: async (request) => {
        if (new URL(request.url).pathname === '/hold') await gate.promise;
        return new Response('ok');
      },
    });
    const batch = collectFrames(await handler(batchRequest([{ id: 1, path: '/hold' }])));
    await vi.waitFor(() => expect(admission.stats().inFlight).toBe(1));
    const queuedPlain = handler(new Request('http://app.test/plain', { headers: { priority: 'u=5' } }));
    const shedPlain = await handler(new Request('http://app.test/plain', { headers: { priority: 'u=6' } }));
    expect(shedPlain.status).toBe(503);
    expect(shedPlain.headers.get('retry-after')).toBe('1');
    gate.resolve();
    expect((await queuedPlain).status).toBe(200);
    await batch;
    expect(admission.stats().admitted).toEqual({ high: 0, auto: 1, low: 1 });
  });

  it('refuses an admission option that is not a controller', () => {
    expect(() => createBatchHandler({ fetch: () => new Response(), admission: {} as never })).toThrow(
      TypeError,
    );
  });
});
