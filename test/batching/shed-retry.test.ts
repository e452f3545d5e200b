// @wirepack/client against the real @wirepack/server under admission control (Web core, no sockets):
// shed calls come back as their own 503 + Retry-After results and are retried when idempotent, a
// batch refused OVERLOADED is retried call by call, and nothing else in a batch fails with them.
// Retry waits run on fake timers; app handlers finish when the test opens their gate.
import { createBatchFetch, isWirepackError } from '@wirepack/client';
import { createAdmissionController, createBatchHandler } from '@wirepack/server';
import { afterEach, describe, expect, it, vi } from 'vitest';

const ORIGIN = 'http://app.test';

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}

afterEach(() => {
  vi.useRealTimers();
});

/** A server whose `/slow/*` handlers wait for `slow.opened`; everything else answers at once. */
function setup(
  admissionOptions: Parameters<typeof createAdmissionController>[0],
  limits: Parameters<typeof createBatchHandler>[0]['limits'] = {},
) {
  const slow = gate();
  const runs: string[] = [];
  // A long wait budget: the retry waits advance the fake clock, and nothing here should be shed by it.
  const admission = createAdmissionController({ maxWaitMs: 600_000, ...admissionOptions });
  const handler = createBatchHandler({
    admission,
    limits,
    fetch: async (request) => {
      const { pathname } = new URL(request.url);
      runs.push(`${request.method} ${pathname}`);
      if (pathname.startsWith('/slow/')) await slow.opened;
      return Response.json({ pathname });
    },
  });
  const batchFetch = createBatchFetch({
    endpoint: `${ORIGIN}/__wirepack`,
    fetch: (input, init) => handler(new Request(input as URL, init)),
    retry: { limit: 2, maxRetryAfterMs: 5_000 },
  });
  return { admission, handler, batchFetch, slow, runs };
}

describe('shed calls and Retry-After', () => {
  it('retries a shed idempotent call after Retry-After; its batch neighbours are not held or failed', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { admission, batchFetch, slow, runs } = setup({ concurrency: 1, reservedForHigh: 0, maxQueue: 1 });
    const holder = batchFetch(`${ORIGIN}/slow/holder`, { priority: 'high' }); // its own batch, at once
    await vi.waitFor(() => expect(admission.stats().inFlight).toBe(1));
    // One batch: the first call takes the one queue place, the GET and the POST after it are shed.
    const queued = batchFetch(`${ORIGIN}/api/queued`);
    const shedGet = batchFetch(`${ORIGIN}/api/retried`);
    const shedPost = batchFetch(`${ORIGIN}/api/posted`, { method: 'POST', body: 'x' });
    const post = await shedPost; // answered at once, not retried: POST without Idempotency-Key
    expect(post.status).toBe(503);
    expect(post.headers.get('retry-after')).toBe('1');
    expect(await post.json()).toMatchObject({ code: 'OVERLOADED' });
    expect(admission.stats().shed.auto).toBe(2);

    slow.open();
    expect((await holder).status).toBe(200);
    expect(await (await queued).json()).toEqual({ pathname: '/api/queued' }); // did not wait for the retry
    expect(runs).not.toContain('GET /api/retried');
    await vi.advanceTimersByTimeAsync(1_200); // Retry-After 1 s, plus at most 20% jitter
    const retried = await shedGet;
    expect(retried.status).toBe(200);
    expect(await retried.json()).toEqual({ pathname: '/api/retried' });
    expect(runs.filter((run) => run === 'POST /api/posted')).toEqual([]);
  });

  it('gives up after `limit` retries and hands the caller the last 503', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { admission, batchFetch, slow } = setup({ concurrency: 1, reservedForHigh: 0, maxQueue: 1 });
    const holder = batchFetch(`${ORIGIN}/slow/holder`, { priority: 'high' });
    const waiter = batchFetch(`${ORIGIN}/slow/waiter`, { priority: 'high' }); // takes the queue place
    await vi.waitFor(() => expect(admission.stats()).toMatchObject({ inFlight: 1, queued: 1 }));
    const shed = batchFetch(`${ORIGIN}/api/never`);
    for (const attempts of [1, 2]) {
      await vi.waitFor(() => expect(admission.stats().shed.auto).toBe(attempts));
      await vi.advanceTimersByTimeAsync(1_200);
    }
    const response = await shed;
    expect(response.status).toBe(503);
    expect(admission.stats().shed.auto).toBe(3); // the first attempt and two retries
    slow.open();
    await Promise.all([holder, waiter]);
  });

  it('retries a POST that carries an Idempotency-Key', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { admission, batchFetch, slow, runs } = setup({ concurrency: 1, reservedForHigh: 0, maxQueue: 1 });
    const holder = batchFetch(`${ORIGIN}/slow/holder`, { priority: 'high' });
    const waiter = batchFetch(`${ORIGIN}/slow/waiter`, { priority: 'high' });
    await vi.waitFor(() => expect(admission.stats()).toMatchObject({ inFlight: 1, queued: 1 }));
    const keyed = batchFetch(`${ORIGIN}/api/pay`, {
      method: 'POST',
      headers: { 'idempotency-key': 'order-1' },
      body: '{}',
    });
    await vi.waitFor(() => expect(admission.stats().shed.auto).toBe(1));
    slow.open();
    await Promise.all([holder, waiter]);
    await vi.advanceTimersByTimeAsync(1_200);
    expect((await keyed).status).toBe(200);
    expect(runs.filter((run) => run === 'POST /api/pay')).toHaveLength(1);
  });

  it('does not retry when the server asks for a longer wait than maxRetryAfterMs', async () => {
    const { admission, batchFetch, slow } = setup({
      concurrency: 1,
      reservedForHigh: 0,
      maxQueue: 1,
      minRetryAfterSeconds: 6, // above the client's 5 s cap
      maxRetryAfterSeconds: 6,
    });
    const holder = batchFetch(`${ORIGIN}/slow/holder`, { priority: 'high' });
    const waiter = batchFetch(`${ORIGIN}/slow/waiter`, { priority: 'high' });
    await vi.waitFor(() => expect(admission.stats()).toMatchObject({ inFlight: 1, queued: 1 }));
    const response = await batchFetch(`${ORIGIN}/api/later`);
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('6');
    expect(admission.stats().shed.auto).toBe(1);
    slow.open();
    await Promise.all([holder, waiter]);
  });

  it('retries the idempotent calls of a batch refused OVERLOADED; a POST fails with retryAfter', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { batchFetch, slow, runs } = setup({ concurrency: 8 }, { maxConcurrentBatches: 1 });
    const holder = batchFetch(`${ORIGIN}/slow/holder`); // its batch keeps the only batch slot
    await vi.waitFor(() => expect(runs).toEqual(['GET /slow/holder']));
    const get = batchFetch(`${ORIGIN}/api/after`);
    const post = batchFetch(`${ORIGIN}/api/create`, { method: 'POST', body: 'x' });
    const postError = await post.catch((error: unknown) => error);
    expect(isWirepackError(postError) && postError.code).toBe('OVERLOADED');
    expect(isWirepackError(postError) && postError.retryAfter).toBe(1);
    slow.open();
    await holder;
    await vi.advanceTimersByTimeAsync(1_200);
    expect(await (await get).json()).toEqual({ pathname: '/api/after' });
    expect(runs).toEqual(['GET /slow/holder', 'GET /api/after']);
  });

  it('an abort during the retry wait rejects at once with the signal reason', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { admission, batchFetch, slow, runs } = setup({ concurrency: 1, reservedForHigh: 0, maxQueue: 1 });
    const holder = batchFetch(`${ORIGIN}/slow/holder`, { priority: 'high' });
    const waiter = batchFetch(`${ORIGIN}/slow/waiter`, { priority: 'high' });
    await vi.waitFor(() => expect(admission.stats()).toMatchObject({ inFlight: 1, queued: 1 }));
    const controller = new AbortController();
    const shed = batchFetch(`${ORIGIN}/api/aborted`, { signal: controller.signal });
    await vi.waitFor(() => expect(admission.stats().shed.auto).toBe(1));
    controller.abort();
    await expect(shed).rejects.toMatchObject({ name: 'AbortError' });
    slow.open();
    await Promise.all([holder, waiter]);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(runs).not.toContain('GET /api/aborted');
  });
});
