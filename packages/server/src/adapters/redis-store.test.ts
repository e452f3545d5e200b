import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createResponseCache } from '../index.ts';
import { type RedisServer, startRedisServer } from '../test-support/redis-server.ts';
import { createRedisStore, toNodeListener } from './node.ts';

let redis: RedisServer;
const clients: Array<{ readonly isOpen: boolean; destroy(): void }> = [];
const servers: Server[] = [];

beforeAll(async () => {
  redis = await startRedisServer();
});

afterAll(async () => {
  for (const server of servers) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  for (const client of clients) if (client.isOpen) client.destroy();
  await redis.stop();
});

async function connect(url: string = redis.url) {
  const client = createClient({ url, socket: { reconnectStrategy: false } });
  client.on('error', () => {
    // Connection errors surface through the commands, which the store turns into failing open.
  });
  await client.connect();
  clients.push(client);
  return client;
}

/** One app instance: its own origin counter, its own Redis connection, its own HTTP server. */
async function instance(name: string, namespace: string) {
  let originCalls = 0;
  const errors: unknown[] = [];
  const app = async (request: Request): Promise<Response> => {
    originCalls++;
    const path = new URL(request.url).pathname;
    if (path === '/me') {
      return new Response(`${name}: account of ${request.headers.get('cookie')}`, {
        headers: { 'cache-control': 'private, max-age=600' },
      });
    }
    if (path === '/token') {
      return new Response(`${name}: for ${request.headers.get('authorization')}`, {
        headers: { 'cache-control': 'max-age=600' },
      });
    }
    return Response.json(
      { from: name, path },
      { headers: { 'cache-control': 'max-age=600', vary: 'accept-language' } },
    );
  };
  const store = createRedisStore({ client: await connect(), namespace });
  const cached = createResponseCache({ fetch: app, store, onError: (error) => errors.push(error) });
  const server = createServer(toNodeListener(cached));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { base, errors, originCalls: () => originCalls };
}

/**
 * A GET over real HTTP with the Host a load balancer would forward: both instances see the same
 * public origin (fetch() may not set Host, hence node:http).
 */
function send(base: string, path: string, headers: Record<string, string> = {}): Promise<Response> {
  const { port } = new URL(base);
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      { host: '127.0.0.1', port, path, headers: { host: 'shop.test', ...headers } },
      (incoming) => {
        const chunks: Buffer[] = [];
        incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
        incoming.on('end', () => {
          const responseHeaders = new Headers();
          for (const [name, value] of Object.entries(incoming.headers)) {
            if (typeof value === 'string') responseHeaders.set(name, value);
          }
          resolve(
            new Response(Buffer.concat(chunks), {
              status: incoming.statusCode ?? 0,
              headers: responseHeaders,
            }),
          );
        });
      },
    );
    outgoing.on('error', reject);
    outgoing.end();
  });
}

describe('createRedisStore: a cache shared by two server instances', () => {
  it('a response stored through one instance is a hit on the other', async () => {
    const a = await instance('a', 'shared-1');
    const b = await instance('b', 'shared-1');
    const first = await send(a.base, '/api/products/7');
    expect(first.headers.get('x-cache')).toBe('MISS');
    expect(await first.json()).toEqual({ from: 'a', path: '/api/products/7' });
    const second = await send(b.base, '/api/products/7');
    expect(second.headers.get('x-cache')).toBe('HIT');
    expect(await second.json()).toEqual({ from: 'a', path: '/api/products/7' });
    expect(b.originCalls()).toBe(0);
    // Vary: a variant stored by b is not served for another Accept-Language, and vice versa.
    const german = await send(b.base, '/api/products/7', { 'accept-language': 'de' });
    expect([german.headers.get('x-cache'), (await german.json()).from]).toEqual(['MISS', 'b']);
    const germanOnA = await send(a.base, '/api/products/7', { 'accept-language': 'de' });
    expect([germanOnA.headers.get('x-cache'), (await germanOnA.json()).from]).toEqual(['HIT', 'b']);
    expect(a.errors).toEqual([]);
  });

  it('never serves a private response, or the answer to an Authorization request, to another user', async () => {
    const a = await instance('a', 'private-1');
    const b = await instance('b', 'private-1');
    expect(await (await send(a.base, '/me', { cookie: 'user=alice' })).text()).toBe(
      'a: account of user=alice',
    );
    const bob = await send(b.base, '/me', { cookie: 'user=bob' });
    expect([bob.headers.get('x-cache'), await bob.text()]).toEqual(['MISS', 'b: account of user=bob']);

    await send(a.base, '/token', { authorization: 'Bearer alice' });
    const other = await send(b.base, '/token', { authorization: 'Bearer bob' });
    expect(await other.text()).toBe('b: for Bearer bob');
    const anonymous = await send(b.base, '/token');
    expect(await anonymous.text()).toBe('b: for null');
  });

  it('keeps namespaces apart and stores entries with a TTL under the prefix', async () => {
    const a = await instance('a', 'ns-old');
    const b = await instance('b', 'ns-new');
    await send(a.base, '/api/ns');
    expect((await send(b.base, '/api/ns')).headers.get('x-cache')).toBe('MISS');
    const inspector = await connect();
    const keys = await inspector.keys('wirepack:cache:ns-old:*');
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) {
      const ttl = await inspector.pTTL(key);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(600_000);
    }
  });

  it('with Redis down, the origin still answers and onError reports it', async () => {
    const spare = await startRedisServer();
    const client = await connect(spare.url);
    const errors: unknown[] = [];
    const cached = createResponseCache({
      fetch: () => new Response('from origin', { headers: { 'cache-control': 'max-age=60' } }),
      store: createRedisStore({ client, timeoutMs: 200 }),
      onError: (error) => errors.push(error),
    });
    const server = createServer(toNodeListener(cached));
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    expect((await send(base, '/x')).headers.get('x-cache')).toBe('MISS');
    expect((await send(base, '/x')).headers.get('x-cache')).toBe('HIT');

    await spare.stop();
    const response = await send(base, '/x');
    expect([response.status, await response.text()]).toEqual([200, 'from origin']);
    expect(response.headers.get('x-cache')).toBe('MISS');
    expect(errors.length).toBeGreaterThan(0);
  });

  it('refuses a missing client with a TypeError', () => {
    expect(() => createRedisStore({} as never)).toThrow(TypeError);
  });
});
