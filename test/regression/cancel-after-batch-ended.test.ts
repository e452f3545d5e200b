// Regression: when the last waiting call of a batch was cancelled, the client sent the cancel message and
// aborted the batch request in the same tick. The server saw the connection close first, ended the batch,
// and then answered the cancel 404 UNKNOWN_BATCH: harmless on the wire, but in a browser every such
// navigation logged "Failed to load resource: 404" to the console (the dashboard's browser test caught it).
// The client now drops the batch request once the cancel has been answered.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createBatchFetch } from '@wirepack/client';
import { createRestApi } from '@wirepack/fixture-rest-api';
import { createBatchHandler } from '@wirepack/server';
import { toNodeListener } from '@wirepack/server/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const api = createRestApi({ users: 10 });
const handler = createBatchHandler({ fetch: api.fetch, createContext: api.createContext });
const cancelAnswers: number[] = [];
let server: Server;
let origin: string;

beforeAll(async () => {
  server = createServer(
    toNodeListener(async (request) => {
      const response = await handler(request);
      if (request.headers.get('content-type')?.includes('cancel')) cancelAnswers.push(response.status);
      return response;
    }),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  api.close();
});

describe('cancelling the last call of a running batch', () => {
  it('gets a 2xx answer to its cancel message every time (no 404 UNKNOWN_BATCH race)', async () => {
    const call = createBatchFetch({ endpoint: `${origin}/__wirepack` });
    const rounds = 60;
    for (let round = 0; round < rounds; round++) {
      const controller = new AbortController();
      const key = `race-${round}`;
      const hang = call(`${origin}/api/hang?key=${key}`, { signal: controller.signal });
      await expect.poll(() => api.stats().started.includes(key)).toBe(true);
      controller.abort();
      await expect(hang).rejects.toMatchObject({ name: 'AbortError' });
      await expect.poll(() => api.stats().aborted.includes(key)).toBe(true);
      await expect.poll(() => cancelAnswers.length).toBe(round + 1);
    }
    expect(cancelAnswers.filter((status) => status >= 300)).toEqual([]);
  });
});
