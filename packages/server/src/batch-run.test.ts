// BatchRun through its smallest public surface: createBatchHandler with a real Request, an app whose
// calls the test holds open and releases one by one, and the response's frames read as they arrive.
// Nothing here sleeps: the tests wait on the events themselves (a call starting, a frame arriving),
// and the deadline tests move a fake clock (setTimeout and performance.now, which BatchRun reads).
import { createBatchId, type Frame, readFrames } from '@wirepack/protocol';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type BatchHandlerOptions, createBatchHandler } from './index.ts';
import { batchRequest, type CallInit, cancelRequest } from './test-support/batch.ts';

/** One call the app has started: its path, its signal, and a way to answer it. */
interface HeldCall {
  readonly path: string;
  readonly signal: AbortSignal;
  readonly answer: (body?: string) => void;
}

/** An app that holds every call until the test answers it, and tells the test when one starts. */
class HeldApp {
  readonly started: HeldCall[] = [];
  private waiters: Array<() => void> = [];

  readonly fetch = (request: Request): Promise<Response> => {
    const { pathname } = new URL(request.url);
    return new Promise((resolve) => {
      this.started.push({
        path: pathname,
        signal: request.signal,
        answer: (body = pathname) => resolve(new Response(body)),
      });
      for (const wake of this.waiters.splice(0)) wake();
    });
  };

  /** Resolves once `count` calls have started (at once when they have). */
  async startedCount(count: number): Promise<void> {
    while (this.started.length < count) await new Promise<void>((wake) => this.waiters.push(wake));
  }

  call(path: string): HeldCall {
    const call = this.started.find((held) => held.path === path);
    if (call === undefined) throw new Error(`${path} has not started`);
    return call;
  }

  paths(): string[] {
    return this.started.map((held) => held.path);
  }
}

/** The frames of a batch response, collected in the background as they arrive. */
class FrameLog {
  readonly frames: Frame[] = [];
  readonly done: Promise<void>;
  private waiters: Array<() => void> = [];

  constructor(response: Response) {
    if (response.body === null) throw new Error('no body');
    const body = response.body;
    this.done = (async () => {
      for await (const frame of readFrames(body)) {
        this.frames.push(frame);
        for (const wake of this.waiters.splice(0)) wake();
      }
      for (const wake of this.waiters.splice(0)) wake();
    })();
  }

  /** Resolves once a result or error frame for `id` has arrived; its kind and code. */
  async frameFor(id: number): Promise<Frame> {
    for (;;) {
      const frame = this.find(id);
      if (frame !== undefined) return frame;
      if (this.frames.at(-1)?.kind === 'end') throw new Error(`the batch ended without a frame for ${id}`);
      await new Promise<void>((wake) => this.waiters.push(wake));
    }
  }

  find(id: number): Frame | undefined {
    return this.frames.find(
      (frame) => (frame.kind === 'result' || frame.kind === 'error') && frame.id === id,
    );
  }

  /** Ids in the order their frames arrived. */
  order(): number[] {
    return this.frames.flatMap((frame) =>
      frame.kind === 'result' || frame.kind === 'error' ? [frame.id] : [],
    );
  }
}

function start(
  app: HeldApp,
  calls: readonly CallInit[],
  limits: BatchHandlerOptions['limits'] = {},
  batchId: string = createBatchId(),
) {
  const handler = createBatchHandler({ fetch: app.fetch, limits });
  const log = handler(batchRequest(calls, { batchId })).then((response) => new FrameLog(response));
  return { handler, log, batchId };
}

const paths = (count: number): CallInit[] =>
  Array.from({ length: count }, (_, i) => ({ id: i + 1, path: `/c/${i + 1}` }));

/** One turn of the event loop: every microtask already queued (and those they queue) has run. */
const drained = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

afterEach(() => {
  vi.useRealTimers();
});

describe('BatchRun: concurrency', () => {
  it('starts `concurrency` calls, then one more each time a running call finishes', async () => {
    const app = new HeldApp();
    const { log } = start(app, paths(5), { concurrency: 2 });
    await app.startedCount(2);
    const frames = await log;
    // Everything that can start has: the pump stops at the limit, not at some later point.
    await drained();
    expect(app.paths()).toEqual(['/c/1', '/c/2']);
    app.call('/c/2').answer();
    await frames.frameFor(2);
    await app.startedCount(3);
    expect(app.paths()).toEqual(['/c/1', '/c/2', '/c/3']);
    app.call('/c/1').answer();
    app.call('/c/3').answer();
    await app.startedCount(5);
    app.call('/c/4').answer();
    app.call('/c/5').answer();
    await frames.done;
    expect(frames.order()).toEqual([2, 1, 3, 4, 5]);
  });

  it('keeps a slot while an app that ignores its cancel is still working, so concurrency bounds app work', async () => {
    const app = new HeldApp();
    const { handler, log, batchId } = start(app, paths(2), { concurrency: 1 });
    const frames = await log;
    await app.startedCount(1);
    expect((await handler(cancelRequest(batchId, [1]))).status).toBe(204);
    expect(await frames.frameFor(1)).toMatchObject({ kind: 'error', code: 'CANCELED' });
    expect(app.call('/c/1').signal.aborted).toBe(true);
    // Call 1's frame is written but its handler has not returned: call 2 must not start yet.
    await drained();
    expect(app.paths()).toEqual(['/c/1']);
    app.call('/c/1').answer('late'); // discarded: its frame is already written
    await app.startedCount(2);
    app.call('/c/2').answer();
    await frames.done;
    expect(frames.order()).toEqual([1, 2]);
  });
});

describe('BatchRun: priority', () => {
  it('with one slot, starts high calls first, then auto, then low, each in batch order', async () => {
    const app = new HeldApp();
    const calls: CallInit[] = [
      { id: 1, path: '/low-1', priority: 'low' },
      { id: 2, path: '/auto-2' },
      { id: 3, path: '/high-3', priority: 'high' },
      { id: 4, path: '/low-4', priority: 'low' },
      { id: 5, path: '/high-5', priority: 'high' },
      { id: 6, path: '/auto-6', priority: 'auto' },
    ];
    const { log } = start(app, calls, { concurrency: 1 });
    const frames = await log;
    for (let count = 1; count <= calls.length; count++) {
      await app.startedCount(count);
      app.started[count - 1]?.answer();
    }
    await frames.done;
    expect(app.paths()).toEqual(['/high-3', '/high-5', '/auto-2', '/auto-6', '/low-1', '/low-4']);
    expect(frames.order()).toEqual([3, 5, 2, 6, 1, 4]);
  });
});

describe('BatchRun: per-call abort', () => {
  it('a cancel aborts a running call at once and keeps a queued one from ever starting; the others finish', async () => {
    const app = new HeldApp();
    const { handler, log, batchId } = start(app, paths(3), { concurrency: 2 });
    const frames = await log;
    await app.startedCount(2);
    expect((await handler(cancelRequest(batchId, [1, 3]))).status).toBe(204);
    expect(await frames.frameFor(1)).toMatchObject({ kind: 'error', code: 'CANCELED' });
    expect(await frames.frameFor(3)).toMatchObject({ kind: 'error', code: 'CANCELED' });
    expect(app.call('/c/1').signal.aborted).toBe(true);
    expect(app.call('/c/2').signal.aborted).toBe(false);
    app.call('/c/1').answer();
    app.call('/c/2').answer();
    await frames.done;
    expect(app.paths()).toEqual(['/c/1', '/c/2']); // call 3 never reached the app
    expect(frames.find(2)).toMatchObject({ kind: 'result', status: 200 });
  });

  it('the client going away aborts every running call and ends the stream', async () => {
    const app = new HeldApp();
    const controller = new AbortController();
    const handler = createBatchHandler({ fetch: app.fetch, limits: { concurrency: 1 } });
    const response = await handler(batchRequest(paths(2), { signal: controller.signal }));
    await app.startedCount(1);
    const aborted = new Promise((resolve) => app.call('/c/1').signal.addEventListener('abort', resolve));
    controller.abort();
    await aborted;
    await response.body?.cancel();
    app.call('/c/1').answer();
    await drained();
    expect(app.paths()).toEqual(['/c/1']); // the queued call never starts once the batch is abandoned
  });
});

describe('BatchRun: deadlines', () => {
  it('times a running call out exactly at timeoutMs with a TIMEOUT frame, and aborts its signal', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const app = new HeldApp();
    const { log } = start(app, paths(2), { timeoutMs: 1_000 });
    const frames = await log;
    await app.startedCount(2);
    app.call('/c/2').answer();
    await frames.frameFor(2);
    await vi.advanceTimersByTimeAsync(999);
    expect(frames.find(1)).toBeUndefined();
    expect(app.call('/c/1').signal.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(await frames.frameFor(1)).toMatchObject({ kind: 'error', code: 'TIMEOUT' });
    expect(app.call('/c/1').signal.aborted).toBe(true);
    app.call('/c/1').answer();
    await frames.done;
    expect(frames.frames.at(-1)).toMatchObject({ kind: 'end', timing: { calls: 2, errors: 1 } });
  });

  it('times out a call that waited queueTimeoutMs for a slot; it never starts', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const app = new HeldApp();
    const { log } = start(app, paths(2), { concurrency: 1, queueTimeoutMs: 500, timeoutMs: 10_000 });
    const frames = await log;
    await app.startedCount(1);
    await vi.advanceTimersByTimeAsync(499);
    expect(frames.find(2)).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(await frames.frameFor(2)).toMatchObject({
      kind: 'error',
      code: 'TIMEOUT',
      message: expect.stringContaining('for a slot'),
    });
    app.call('/c/1').answer();
    await frames.done;
    expect(app.paths()).toEqual(['/c/1']);
    expect(frames.order()).toEqual([2, 1]);
  });
});

describe('BatchRun: the end frame', () => {
  it('comes last, once every call has its frame, and counts calls and errors', async () => {
    const app = new HeldApp();
    const { handler, log, batchId } = start(app, paths(3));
    const frames = await log;
    await app.startedCount(3);
    app.call('/c/1').answer();
    await frames.frameFor(1);
    await handler(cancelRequest(batchId, [2]));
    await frames.frameFor(2);
    await drained();
    expect(frames.frames.some((frame) => frame.kind === 'end')).toBe(false); // call 3 is still running
    app.call('/c/3').answer();
    await frames.done;
    expect(frames.order()).toEqual([1, 2, 3]);
    expect(frames.frames).toHaveLength(4);
    const end = frames.frames.at(-1);
    expect(end).toMatchObject({ kind: 'end', timing: { calls: 3, errors: 1, total: expect.any(Number) } });
  });

  it('a batch whose every call was cancelled before it arrived ends at once, no call reaching the app', async () => {
    const app = new HeldApp();
    const handler = createBatchHandler({ fetch: app.fetch });
    const batchId = createBatchId();
    expect((await handler(cancelRequest(batchId, [1, 2]))).status).toBe(202); // kept for the batch to come
    const frames = new FrameLog(await handler(batchRequest(paths(2), { batchId })));
    await frames.done;
    expect(app.started).toEqual([]);
    expect(frames.frames.map((frame) => frame.kind)).toEqual(['error', 'error', 'end']);
    expect(frames.frames.at(-1)).toMatchObject({ timing: { calls: 2, errors: 2 } });
  });
});
