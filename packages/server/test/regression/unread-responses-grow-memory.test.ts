// Issue 9, item 5: a client that did not read its frames kept every running call's result buffered
// (about 160 MiB per unread batch), and the Express injection buffered a whole route's output before
// checking maxResponseBytes (a 96 MiB route: +195 MiB RSS). A batch now has a budget of buffered
// results that holds back running calls' bodies, gives up on a client that reads nothing
// (READ_TIMEOUT), and the injection counts the body while the app writes.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BATCH_MEDIA_TYPE, type Frame, WirepackError } from '@wirepack/protocol';
import express from 'express';
import { afterEach, expect, it } from 'vitest';
import { createExpressMiddleware } from '../../src/adapters/node.ts';
import { createBatchHandler } from '../../src/index.ts';
import { batchBody, batchRequest, collectFrames } from '../../src/test-support/batch.ts';

const quiet = (): void => {
  // Asserted through frames and counters.
};

/** Lets every pending promise job and immediate run: the batch has nothing left to do without a reader. */
async function settleEventLoop(): Promise<void> {
  for (let i = 0; i < 50; i++) await new Promise((resolve) => setImmediate(resolve));
}

const CHUNK = 16 * 1024;
const BODY = 512 * 1024;

it('stops reading running calls’ bodies once the buffered results pass the budget, and resumes when read', async () => {
  let pulled = 0;
  const handler = createBatchHandler({
    // Each call streams 512 KiB; nothing is produced until the server pulls it.
    fetch: () => {
      let sent = 0;
      return new Response(
        new ReadableStream<Uint8Array>({
          pull(controller) {
            pulled += CHUNK;
            sent += CHUNK;
            controller.enqueue(new Uint8Array(CHUNK));
            if (sent >= BODY) controller.close();
          },
        }),
        { headers: { 'content-type': 'application/octet-stream' } },
      );
    },
    limits: { concurrency: 8, maxBufferedBytes: 1024 * 1024 },
    onError: quiet,
  });
  const calls = Array.from({ length: 16 }, (_, i) => ({ id: i + 1, path: `/blob/${i}` }));
  const response = await handler(batchRequest(calls));
  await settleEventLoop(); // the client has read nothing

  // Before the fix all eight running calls were read in full: 4 MiB. Now the budget (1 MiB) plus
  // the oldest reader's one response, and a chunk per waiting reader.
  expect(pulled).toBeLessThanOrEqual(1024 * 1024 + BODY + 8 * CHUNK);

  const frames = await collectFrames(response);
  const results = frames.filter(
    (frame): frame is Extract<Frame, { kind: 'result' }> => frame.kind === 'result',
  );
  expect(results).toHaveLength(16);
  for (const result of results) {
    expect(result.body.kind === 'bytes' && result.body.bytes.byteLength).toBe(BODY);
  }
});

it('gives up on a client that reads nothing: READ_TIMEOUT, running calls aborted, buffers dropped', async () => {
  const reported: unknown[] = [];
  let stalled!: () => void;
  const stall = new Promise<void>((resolve) => {
    stalled = resolve;
  });
  const reasons: unknown[] = [];
  const handler = createBatchHandler({
    fetch: (request) => {
      if (request.url.endsWith('/hang')) {
        return new Promise<Response>((resolve) => {
          request.signal.addEventListener('abort', () => {
            reasons.push(request.signal.reason);
            resolve(new Response('late'));
          });
        });
      }
      return new Response(new Uint8Array(2 * 1024 * 1024)); // past the 1 MiB backlog
    },
    limits: { readTimeoutMs: 100 },
    onError: (error) => {
      reported.push(error);
      stalled();
    },
  });
  const response = await handler(
    batchRequest([
      { id: 1, path: '/big' },
      { id: 2, path: '/hang' },
    ]),
  );
  await stall;
  expect(reported[0]).toBeInstanceOf(WirepackError);
  expect((reported[0] as WirepackError).code).toBe('READ_TIMEOUT');
  expect((reasons[0] as WirepackError).code).toBe('READ_TIMEOUT');
  expect(handler.metrics().errors.READ_TIMEOUT).toBe(1);
  expect(handler.metrics().activeBatches).toBe(0);
  const failure = await collectFrames(response).then(
    () => undefined,
    (error: unknown) => error,
  );
  // Socketless here, so the stream's error reaches the reader (over HTTP the connection is cut).
  expect((failure as Error).cause).toMatchObject({ code: 'READ_TIMEOUT' });
}, 10_000);

let server: Server | undefined;
afterEach(async () => {
  const running = server;
  server = undefined;
  if (running === undefined) return;
  running.closeAllConnections();
  await new Promise((resolve) => running.close(resolve));
});

it('stops an Express route past maxResponseBytes while it writes, instead of buffering all of it', async () => {
  let written = 0;
  let stoppedEarly = false;
  const app = express();
  app.use(createExpressMiddleware({ limits: { maxResponseBytes: 1024 * 1024 }, onError: quiet }));
  app.get('/huge', (_req, res) => {
    // 16 MiB in 64 KiB writes, one per turn of the event loop, until done or the response is gone.
    const chunk = Buffer.alloc(64 * 1024);
    res.once('close', () => {
      stoppedEarly = written < 16 * 1024 * 1024;
    });
    const step = (): void => {
      if (res.destroyed || written >= 16 * 1024 * 1024) {
        res.end();
        return;
      }
      res.write(chunk);
      written += chunk.byteLength;
      setImmediate(step);
    };
    step();
  });
  server = createServer(app);
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const response = await fetch(`http://127.0.0.1:${port}/__wirepack`, {
    method: 'POST',
    headers: { 'content-type': BATCH_MEDIA_TYPE },
    body: batchBody([{ id: 1, path: '/huge' }]) as Uint8Array<ArrayBuffer>,
  });
  const frames = await collectFrames(response);
  expect(frames.find((frame) => frame.kind === 'error')).toMatchObject({ id: 1, code: 'FRAME_TOO_LARGE' });
  expect(stoppedEarly).toBe(true);
  expect(written).toBeLessThanOrEqual(1024 * 1024 + 2 * 64 * 1024);
});
