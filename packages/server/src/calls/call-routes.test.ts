import { describe, expect, it } from 'vitest';
import { createWirepackServer } from '../adapters/wirepack-server.ts';
import { createResponseCache } from '../cache/create-response-cache.ts';
import { createBatchHandler } from '../create-batch-handler.ts';
import { batchRequest, collectFrames, resultsById } from '../test-support/batch.ts';
import { createCallRoutes } from './call-routes.ts';
import { callResponse } from './light-call.ts';
import { routesFetch } from './routes-fetch.ts';

describe('createCallRoutes', () => {
  const handler = () => 'x';
  const routes = createCallRoutes()
    .get('/a/b', handler)
    .get('/users/:id', handler)
    .get('/users/:id/posts/:post', handler)
    .get('/files/*', handler)
    .post('/a/b', handler);

  it('finds static paths, :params (decoded) and a trailing *, by method', () => {
    expect(routes.size).toBe(5);
    expect(routes.match('GET', '/a/b')?.params).toEqual({});
    expect(routes.match('GET', '/users/a%20b')?.params).toEqual({ id: 'a b' });
    expect(routes.match('GET', '/users/1/posts/2')?.params).toEqual({ id: '1', post: '2' });
    expect(routes.match('GET', '/files/x/y/z')).toBeDefined();
    expect(routes.match('GET', '/files/')).toBeDefined();
    expect(routes.match('POST', '/a/b')).toBeDefined();
  });

  it('matches nothing else: other methods, empty params, extra segments, a bad escape kept as sent', () => {
    expect(routes.match('PUT', '/a/b')).toBeUndefined();
    expect(routes.match('GET', '/users/')).toBeUndefined();
    expect(routes.match('GET', '/users/1/2')).toBeUndefined();
    expect(routes.match('GET', '/a/b/')).toBeUndefined();
    expect(routes.match('GET', '/users/%E0')?.params).toEqual({ id: '%E0' });
  });

  it('refuses misuse at once with a TypeError', () => {
    expect(() => createCallRoutes().on('get', '/a', handler)).toThrow(TypeError);
    expect(() => createCallRoutes().get('a', handler)).toThrow(/must start with "\/"/);
    expect(() => createCallRoutes().get('/a', 1 as never)).toThrow(/needs a handler function/);
    expect(() => createCallRoutes().get('/a', handler).get('/a', handler)).toThrow(/defined twice/);
    expect(() => createBatchHandler({ fetch: () => new Response(), routes: {} as never })).toThrow(
      /createCallRoutes/,
    );
    expect(() => callResponse(1, { status: 99 })).toThrow(RangeError);
    expect(() => callResponse(1, { headers: { 'bad name': 'x' } })).toThrow(TypeError);
    expect(() => callResponse(1, { headers: { 'x-a': 'one\r\ntwo' } })).toThrow(TypeError);
  });
});

describe('the light path and the response cache', () => {
  it('routed GETs are answered through the cache; a routed PUT that succeeds purges its URL', async () => {
    let version = 1;
    let computed = 0;
    const routes = createCallRoutes()
      .get('/counter', () => {
        computed++;
        return callResponse({ version }, { headers: { 'cache-control': 'max-age=60' } });
      })
      .put('/counter', () => {
        version++;
        return { version };
      });
    const cache = createResponseCache({
      fetch: routesFetch(routes, () => new Response(null, { status: 404 })),
    });
    const handler = createBatchHandler({ fetch: cache, routes, responseCache: cache });
    const get = async (): Promise<unknown> => {
      const frames = await collectFrames(await handler(batchRequest([{ id: 1, path: '/counter' }])));
      const body = resultsById(frames).get(1)?.body;
      return body?.kind === 'json' ? body.value : body;
    };
    expect(await get()).toEqual({ version: 1 });
    expect(await get()).toEqual({ version: 1 });
    expect(computed).toBe(1); // the second from the cache
    const put = await collectFrames(
      await handler(batchRequest([{ id: 1, path: '/counter', method: 'PUT' }])),
    );
    expect(resultsById(put).get(1)?.status).toBe(200);
    expect(await get()).toEqual({ version: 2 });
    expect(computed).toBe(2);
  });
});

describe('the light path in createWirepackServer', () => {
  it('routes serve plain requests too, and routed batched GETs share the server cache with them', async () => {
    let computed = 0;
    const routes = createCallRoutes().get('/api/catalog', () => {
      computed++;
      return callResponse({ items: 3 }, { headers: { 'cache-control': 'max-age=60' } });
    });
    const server = createWirepackServer({
      app: () => new Response('app', { status: 404 }),
      batch: { routes },
      metrics: false,
      admission: false,
    });
    try {
      const plain = await server.fetch(new Request('http://app.test/api/catalog'));
      expect(await plain.json()).toEqual({ items: 3 });
      const frames = await collectFrames(
        await server.fetch(batchRequest([{ id: 1, path: '/api/catalog' }], { origin: 'http://app.test' })),
      );
      const body = resultsById(frames).get(1)?.body;
      expect(body?.kind === 'json' ? body.value : body).toEqual({ items: 3 });
      expect(computed).toBe(1); // the batched call was a cache hit
    } finally {
      await server.close();
    }
  });
});
