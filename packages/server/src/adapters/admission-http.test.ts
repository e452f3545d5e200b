// Stress through real HTTP on 127.0.0.1: a flood of low-priority plain requests and batched calls,
// then a few high-priority ones. No timing assertions: handlers finish when the test opens a gate.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BATCH_MEDIA_TYPE } from '@wirepack/protocol';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createAdmissionController } from '../admission/admission-controller.ts';
import { createBatchHandler } from '../create-batch-handler.ts';
import { batchBody, collectFrames, resultsById } from '../test-support/batch.ts';
import { toNodeListener } from './node.ts';

let server: Server;
let base: string;
let release!: () => void;
const gate = new Promise<void>((resolve) => {
  release = resolve;
});
const admission = createAdmissionController({
  concurrency: 4,
  reservedForHigh: 1,
  maxQueue: 8,
  maxWaitMs: 120_000, // shedding here comes from the full queue, never from the clock
});
const started: string[] = [];
const served: string[] = [];

beforeAll(async () => {
  const handler = createBatchHandler({
    admission,
    fetch: async (request) => {
      const { pathname } = new URL(request.url);
      if (pathname === '/health') return new Response('up');
      started.push(pathname);
      await gate;
      served.push(pathname);
      return Response.json({ pathname });
    },
  });
  server = createServer(toNodeListener(handler));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

function plain(path: string, urgency: number): Promise<Response> {
  return fetch(`${base}${path}`, { headers: { priority: `u=${urgency}` } });
}

function batch(prefix: string, count: number, priority: 'high' | 'low'): Promise<Response> {
  const calls = Array.from({ length: count }, (_, i) => ({ id: i + 1, path: `${prefix}/${i}`, priority }));
  return fetch(`${base}/__wirepack`, {
    method: 'POST',
    headers: { 'content-type': BATCH_MEDIA_TYPE, 'accept-encoding': 'identity' },
    body: batchBody(calls) as Uint8Array<ArrayBuffer>,
  });
}

describe('admission control over HTTP under a low-priority flood', () => {
  it('serves every high-priority request, sheds low ones at once with 503 + Retry-After, stays up', async () => {
    const answeredEarly: Response[] = [];
    const lowPlain = Array.from({ length: 60 }, (_, i) =>
      plain(`/low/plain/${i}`, 7).then((response) => {
        answeredEarly.push(response);
        return response;
      }),
    );
    const lowBatches = [0, 1, 2].map((n) => batch(`/low/batch${n}`, 20, 'low'));
    // 3 permits (one is kept for high work) and 8 queue places: 11 low entries held, 109 shed.
    await vi.waitFor(() => expect(admission.stats()).toMatchObject({ inFlight: 3, queued: 8 }), {
      timeout: 20_000,
    });
    await vi.waitFor(() => expect(admission.stats().shed.low).toBe(109), { timeout: 20_000 });

    const highPlain = Array.from({ length: 4 }, (_, i) => plain(`/high/plain/${i}`, 0));
    const highBatch = batch('/high/batch', 5, 'high');
    // One high entry takes the reserved permit; the other eight evict every low entry waiting (a
    // tenth would find the queue full of high work and be refused: the queue is bounded for all).
    await vi.waitFor(() => expect(admission.stats()).toMatchObject({ inFlight: 4, queued: 8 }), {
      timeout: 20_000,
    });
    await vi.waitFor(() => expect(admission.stats().queuedByPriority).toEqual({ high: 8, auto: 0, low: 0 }), {
      timeout: 20_000,
    });
    // Everything shed is answered before any handler is allowed to finish.
    const lowPlainRunning = started.filter((path) => path.startsWith('/low/plain/')).length;
    expect(started.filter((path) => path.startsWith('/low/')).length).toBe(3);
    await vi.waitFor(() => expect(answeredEarly.length).toBe(60 - lowPlainRunning), { timeout: 20_000 });
    expect(served).toEqual([]);
    for (const response of answeredEarly) {
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
      expect(await response.json()).toMatchObject({ code: 'OVERLOADED' });
    }

    release();
    const highResponses = await Promise.all(highPlain);
    for (const response of highResponses) expect(response.status).toBe(200);
    const highResults = resultsById(await collectFrames(await highBatch));
    expect([...highResults.values()].map((result) => result.status)).toEqual([200, 200, 200, 200, 200]);

    const lowStatuses = [
      ...(await Promise.all(lowPlain)).map((response) => response.status),
      ...(
        await Promise.all(
          lowBatches.map(async (response) => [...resultsById(await collectFrames(await response)).values()]),
        )
      )
        .flat()
        .map((result) => result.status),
    ];
    expect(lowStatuses.length).toBe(120);
    expect(lowStatuses.filter((status) => status === 503).length).toBe(117); // 109 + the 8 evicted
    expect(lowStatuses.filter((status) => status === 200).length).toBe(3); // the ones already running
    expect(served.filter((path) => path.startsWith('/high/')).length).toBe(9);
    expect(admission.stats()).toMatchObject({ inFlight: 0, queued: 0, shed: { high: 0, low: 117 } });

    // Still up, and answering normally once the flood is over.
    const health = await plain('/health', 3);
    expect(await health.text()).toBe('up');
  });
});
