// End to end over HTTP on 127.0.0.1: the opt-in light path (routes on the server, `call()` on the
// client) against the default path, with the real client, the real server and its Node adapter
// (compression on). The same handlers serve both server paths, so the answers must be the same
// whichever path and whichever client API carried them; an abort must reach the server on both.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createBatchFetch } from '@wirepack/client';
import { callResponse, createBatchHandler, createCallRoutes, routesFetch } from '@wirepack/server';
import { nodeCompression, toNodeListener } from '@wirepack/server/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

interface Running {
  readonly origin: string;
  readonly aborted: string[];
  readonly started: string[];
  close(): Promise<void>;
}

async function start(light: boolean): Promise<Running> {
  const aborted: string[] = [];
  const started: string[] = [];
  const routes = createCallRoutes()
    .get('/api/users/:id', (call) => {
      const id = Number(call.params.id);
      if (!Number.isInteger(id) || id > 1000) return callResponse({ error: 'no such user' }, { status: 404 });
      return { id, name: `User ${id}`, tags: call.query.getAll('tag') };
    })
    .post('/api/echo', (call) => ({ got: call.body ?? null }))
    .get('/api/hang', (call) => {
      started.push(call.pathname);
      return new Promise((_, reject) => {
        call.signal.addEventListener('abort', () => {
          aborted.push(call.pathname);
          reject(call.signal.reason);
        });
      });
    });
  const notFound = (): Response => Response.json({ error: 'no route' }, { status: 404 });
  const handler = createBatchHandler({
    fetch: routesFetch(routes, notFound),
    ...(light ? { routes } : {}),
    ...nodeCompression(),
    onError: () => {
      // Aborted calls reject on purpose.
    },
  });
  const server: Server = createServer(toNodeListener(handler));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    aborted,
    started,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

const servers: Record<'fetch' | 'light', Running | undefined> = { fetch: undefined, light: undefined };

beforeAll(async () => {
  servers.fetch = await start(false);
  servers.light = await start(true);
});

afterAll(async () => {
  await Promise.all([servers.fetch?.close(), servers.light?.close()]);
});

const PATHS = ['/api/users/1', '/api/users/2?tag=a&tag=b', '/api/users/5000', '/api/nowhere'];

describe('the light path end to end', () => {
  it('gives the same answers on both server paths, through batchFetch and through call()', async () => {
    const seen: unknown[] = [];
    for (const path of ['fetch', 'light'] as const) {
      const server = servers[path] as Running;
      const api = createBatchFetch({ endpoint: `${server.origin}/__wirepack` });
      const viaFetch = await Promise.all(
        PATHS.map(async (p) => {
          const response = await api(server.origin + p);
          return { status: response.status, body: await response.json() };
        }),
      );
      const viaCall = await Promise.all(
        PATHS.map(async (p) => {
          const result = await api.call(server.origin + p);
          return { status: result.status, body: result.body };
        }),
      );
      const posted = await api.call(`${server.origin}/api/echo`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ n: [1, 2] }),
      });
      expect(viaCall).toEqual(viaFetch);
      expect(posted).toMatchObject({ status: 200, body: { got: { n: [1, 2] } } });
      seen.push(viaFetch);
    }
    expect(seen[1]).toEqual(seen[0]);
    expect(seen[0]).toEqual([
      { status: 200, body: { id: 1, name: 'User 1', tags: [] } },
      { status: 200, body: { id: 2, name: 'User 2', tags: ['a', 'b'] } },
      { status: 404, body: { error: 'no such user' } },
      { status: 404, body: { error: 'no route' } },
    ]);
  });

  it('cancels a call on the server when its caller aborts, on both paths', async () => {
    for (const path of ['fetch', 'light'] as const) {
      const server = servers[path] as Running;
      const api = createBatchFetch({ endpoint: `${server.origin}/__wirepack` });
      const controller = new AbortController();
      const hanging = api.call(`${server.origin}/api/hang`, { signal: controller.signal });
      const neighbour = api.call(`${server.origin}/api/users/3`);
      expect((await neighbour).status).toBe(200);
      for (let i = 0; i < 200 && server.started.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
      controller.abort(new Error('left the page'));
      await expect(hanging).rejects.toThrow('left the page');
      for (let i = 0; i < 200 && server.aborted.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
      expect(server.aborted).toEqual(['/api/hang']);
    }
  });
});
