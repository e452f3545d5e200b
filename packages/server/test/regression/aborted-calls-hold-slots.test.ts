// Issue 9, item 3: a TIMEOUT or CANCELED frame freed the call's concurrency slot (and its pending
// count) while the app's handler kept running, so with concurrency 4 and a 50 ms timeout 120 handlers
// ran at once; and a cancelled call's response body went on being read. A slot is now held until the
// app's work for the call settles, and a cancel stops the body read.
import { createBatchId, type Frame } from '@wirepack/protocol';
import { expect, it } from 'vitest';
import { createBatchHandler } from '../../src/index.ts';
import { batchRequest, cancelRequest, collectFrames } from '../../src/test-support/batch.ts';

const quiet = (): void => {
  // Nothing these tests do is worth logging.
};

it('keeps at most `concurrency` handlers running when calls time out and the app ignores its signal', async () => {
  let running = 0;
  let most = 0;
  let started = 0;
  let release!: () => void;
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const handler = createBatchHandler({
    fetch: async () => {
      started++;
      running++;
      most = Math.max(most, running);
      await gate; // ignores request.signal, as many handlers do
      running--;
      return new Response('late');
    },
    limits: { concurrency: 4, timeoutMs: 50, queueTimeoutMs: 300 },
    onError: quiet,
  });
  const calls = Array.from({ length: 120 }, (_, i) => ({ id: i + 1, path: `/slow/${i}` }));
  const frames = await collectFrames(await handler(batchRequest(calls)));

  // Every call got its frame without waiting for the app: 4 ran past their timeout, 116 waited for a slot.
  const errors = frames.filter((frame): frame is Extract<Frame, { kind: 'error' }> => frame.kind === 'error');
  expect(errors).toHaveLength(120);
  expect(errors.every((frame) => frame.code === 'TIMEOUT')).toBe(true);
  expect(errors.filter((frame) => frame.message.includes('for a slot'))).toHaveLength(116);
  expect(started).toBe(4);
  expect(most).toBe(4);
  // The four handlers still run, and still count as pending calls until they settle.
  expect(handler.metrics().pendingCalls).toBe(4);
  release();
  await gate;
  await new Promise((resolve) => setImmediate(resolve));
  expect(handler.metrics().pendingCalls).toBe(0);
  expect(running).toBe(0);
});

it("stops reading a cancelled call's body before the next call takes its slot", async () => {
  const events: string[] = [];
  let pulls = 0;
  let streaming!: () => void;
  const isStreaming = new Promise<void>((resolve) => {
    streaming = resolve;
  });
  const handler = createBatchHandler({
    fetch: (request) => {
      const path = new URL(request.url).pathname;
      events.push(`start ${path}`);
      if (path === '/second') return new Response('second');
      // An endless body: it ends only when its reader cancels it.
      return new Response(
        new ReadableStream<Uint8Array>({
          pull(controller) {
            pulls++;
            if (pulls === 3) streaming();
            controller.enqueue(new Uint8Array(1024));
            // Yield to the event loop between chunks, so a cancel message can be handled.
            return new Promise((resolve) => setImmediate(resolve));
          },
          cancel() {
            events.push('body cancelled');
          },
        }),
      );
    },
    limits: { concurrency: 1 },
    onError: quiet,
  });
  const batchId = createBatchId();
  const response = await handler(
    batchRequest(
      [
        { id: 1, path: '/endless' },
        { id: 2, path: '/second' },
      ],
      { batchId },
    ),
  );
  const framesPromise = collectFrames(response);
  await isStreaming;
  expect((await handler(cancelRequest(batchId, [1]))).status).toBe(204);
  const frames = await framesPromise;
  expect(frames.find((frame) => frame.kind === 'error')).toMatchObject({ id: 1, code: 'CANCELED' });
  expect(frames.find((frame) => frame.kind === 'result')).toMatchObject({ id: 2, status: 200 });
  expect(events.indexOf('body cancelled')).toBeGreaterThan(-1);
  expect(events.indexOf('body cancelled')).toBeLessThan(events.indexOf('start /second'));
});
