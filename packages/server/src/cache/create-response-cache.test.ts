import { describe, expect, it } from 'vitest';
import { createBatchHandler } from '../create-batch-handler.ts';
import { batchRequest, collectFrames, resultsById } from '../test-support/batch.ts';
import type { CacheStore } from './cache-store.ts';
import { createResponseCache } from './create-response-cache.ts';
import { createMemoryStore } from './memory-store.ts';

const ORIGIN = 'http://app.test';

/** An origin that counts its calls and answers with what the test asks for. */
function origin(answer: (request: Request, count: number) => Response | Promise<Response>) {
  const seen: Request[] = [];
  const fetch = async (request: Request): Promise<Response> => {
    seen.push(request);
    return answer(request, seen.length);
  };
  return { fetch, seen };
}

function get(path: string, headers: Record<string, string> = {}): Request {
  return new Request(`${ORIGIN}${path}`, { headers });
}

function clock(start = Date.parse('2026-01-01T00:00:00Z')) {
  let time = start;
  return { now: () => time, advance: (ms: number) => (time += ms) };
}

describe('createResponseCache: what is stored', () => {
  it('serves a max-age response from the cache until it goes stale, with Age and X-Cache', async () => {
    const time = clock();
    const app = origin((_, count) =>
      Response.json({ count }, { headers: { 'cache-control': 'max-age=60' } }),
    );
    const cache = createResponseCache({ fetch: app.fetch, now: time.now });

    const first = await cache(get('/a'));
    expect(first.headers.get('x-cache')).toBe('MISS');
    expect(await first.json()).toEqual({ count: 1 });
    time.advance(30_000);
    const second = await cache(get('/a'));
    expect(second.headers.get('x-cache')).toBe('HIT');
    expect(second.headers.get('age')).toBe('30');
    expect(await second.json()).toEqual({ count: 1 });
    time.advance(31_000);
    const third = await cache(get('/a'));
    expect(third.headers.get('x-cache')).toBe('MISS');
    expect(await third.json()).toEqual({ count: 2 });
    expect(app.seen).toHaveLength(2);
  });

  it('prefers s-maxage to max-age (a shared cache), and honours Expires with Date', async () => {
    const time = clock();
    const app = origin(() => new Response('x', { headers: { 'cache-control': 'max-age=600, s-maxage=10' } }));
    const cache = createResponseCache({ fetch: app.fetch, now: time.now });
    await cache(get('/s'));
    time.advance(11_000);
    expect((await cache(get('/s'))).headers.get('x-cache')).toBe('MISS');

    const date = new Date(time.now()).toUTCString();
    const expires = new Date(time.now() + 20_000).toUTCString();
    const dated = origin(() => new Response('y', { headers: { date, expires } }));
    const byExpires = createResponseCache({ fetch: dated.fetch, now: time.now });
    await byExpires(get('/e'));
    time.advance(19_000);
    expect((await byExpires(get('/e'))).headers.get('x-cache')).toBe('HIT');
    time.advance(2_000);
    expect((await byExpires(get('/e'))).headers.get('x-cache')).toBe('MISS');
  });

  it.each([
    ['private', { 'cache-control': 'private, max-age=60' }],
    ['no-store', { 'cache-control': 'no-store, max-age=60' }],
    ['no explicit freshness', { etag: '"1"' }],
    ['Set-Cookie', { 'cache-control': 'max-age=60', 'set-cookie': 'session=abc' }],
    ['Vary: *', { 'cache-control': 'max-age=60', vary: '*' }],
  ])('never stores a response with %s', async (_name, headers) => {
    const app = origin((_, count) => new Response(String(count), { headers }));
    const cache = createResponseCache({ fetch: app.fetch });
    await cache(get('/p'));
    const again = await cache(get('/p'));
    expect(await again.text()).toBe('2');
    expect(again.headers.get('x-cache')).toBe('MISS');
  });

  it('never serves one user a private answer of another', async () => {
    const app = origin((request) => {
      const user = request.headers.get('cookie') ?? 'anonymous';
      return new Response(`account of ${user}`, { headers: { 'cache-control': 'private, max-age=600' } });
    });
    const cache = createResponseCache({ fetch: app.fetch });
    expect(await (await cache(get('/me', { cookie: 'alice' }))).text()).toBe('account of alice');
    expect(await (await cache(get('/me', { cookie: 'bob' }))).text()).toBe('account of bob');
    expect(app.seen).toHaveLength(2);
  });

  it('does not store the answer to a request with Authorization unless public or s-maxage allows it', async () => {
    const app = origin(
      (request) =>
        new Response(`for ${request.headers.get('authorization')}`, {
          headers: { 'cache-control': 'max-age=600' },
        }),
    );
    const cache = createResponseCache({ fetch: app.fetch });
    await cache(get('/token', { authorization: 'Bearer alice' }));
    const bob = await cache(get('/token', { authorization: 'Bearer bob' }));
    expect(await bob.text()).toBe('for Bearer bob');
    // Nor is an unauthenticated request served what an authenticated one got.
    expect(await (await cache(get('/token'))).text()).toBe('for null');

    const shared = origin(
      () => new Response('catalogue', { headers: { 'cache-control': 'public, max-age=600' } }),
    );
    const sharedCache = createResponseCache({ fetch: shared.fetch });
    await sharedCache(get('/catalogue', { authorization: 'Bearer alice' }));
    const hit = await sharedCache(get('/catalogue', { authorization: 'Bearer bob' }));
    expect(hit.headers.get('x-cache')).toBe('HIT');
  });

  it('keeps Vary variants apart and serves each to the matching request only', async () => {
    const app = origin((request) => {
      const language = request.headers.get('accept-language') ?? 'none';
      return new Response(`hello in ${language}`, {
        headers: { 'cache-control': 'max-age=60', vary: 'Accept-Language' },
      });
    });
    const cache = createResponseCache({ fetch: app.fetch });
    expect(await (await cache(get('/hi', { 'accept-language': 'fr' }))).text()).toBe('hello in fr');
    expect(await (await cache(get('/hi', { 'accept-language': 'de' }))).text()).toBe('hello in de');
    expect(await (await cache(get('/hi'))).text()).toBe('hello in none');
    const fr = await cache(get('/hi', { 'accept-language': 'fr' }));
    expect([fr.headers.get('x-cache'), await fr.text()]).toEqual(['HIT', 'hello in fr']);
    const de = await cache(get('/hi', { 'accept-language': 'de' }));
    expect([de.headers.get('x-cache'), await de.text()]).toEqual(['HIT', 'hello in de']);
    expect(app.seen).toHaveLength(3);
  });

  it('bypasses the cache for request no-store, and revalidates for request no-cache', async () => {
    const app = origin(
      (_, count) => new Response(String(count), { headers: { 'cache-control': 'max-age=60', etag: '"v1"' } }),
    );
    const cache = createResponseCache({ fetch: app.fetch });
    expect((await cache(get('/n', { 'cache-control': 'no-store' }))).headers.get('x-cache')).toBe('BYPASS');
    await cache(get('/n'));
    expect((await cache(get('/n'))).headers.get('x-cache')).toBe('HIT');
    await cache(get('/n', { 'cache-control': 'no-cache' }));
    expect(app.seen.at(-1)?.headers.get('if-none-match')).toBe('"v1"');
  });
});

describe('createResponseCache: conditional requests and revalidation', () => {
  const etagged = () =>
    origin((request, count) => {
      if (request.headers.get('if-none-match') === '"v1"')
        return new Response(null, { status: 304, headers: { 'cache-control': 'max-age=10', etag: '"v1"' } });
      return new Response(`body ${count}`, {
        headers: {
          'cache-control': 'max-age=10',
          etag: '"v1"',
          'last-modified': 'Wed, 31 Dec 2025 00:00:00 GMT',
        },
      });
    });

  it('answers If-None-Match and If-Modified-Since with a 304 from the cache', async () => {
    const app = etagged();
    const cache = createResponseCache({ fetch: app.fetch });
    await cache(get('/c'));
    const byTag = await cache(get('/c', { 'if-none-match': 'W/"v1", "other"' }));
    expect([byTag.status, byTag.headers.get('etag'), byTag.headers.get('x-cache')]).toEqual([
      304,
      '"v1"',
      'HIT',
    ]);
    expect(await byTag.text()).toBe('');
    const byDate = await cache(get('/c', { 'if-modified-since': 'Thu, 01 Jan 2026 00:00:00 GMT' }));
    expect(byDate.status).toBe(304);
    const changed = await cache(get('/c', { 'if-none-match': '"v0"' }));
    expect([changed.status, await changed.text()]).toEqual([200, 'body 1']);
    expect(app.seen).toHaveLength(1);
  });

  it('on a miss, fetches the full response for the cache and still answers the client condition', async () => {
    const app = etagged();
    const cache = createResponseCache({ fetch: app.fetch });
    const first = await cache(get('/m', { 'if-none-match': '"v1"' }));
    expect(first.status).toBe(304);
    expect(app.seen[0]?.headers.has('if-none-match')).toBe(false);
    expect(await (await cache(get('/m'))).text()).toBe('body 1');
  });

  it('revalidates a stale entry with its ETag and serves the stored body on 304', async () => {
    const time = clock();
    const app = etagged();
    const cache = createResponseCache({ fetch: app.fetch, now: time.now });
    await cache(get('/r'));
    time.advance(11_000);
    const revalidated = await cache(get('/r'));
    expect(revalidated.headers.get('x-cache')).toBe('REVALIDATED');
    expect(await revalidated.text()).toBe('body 1');
    expect(app.seen[1]?.headers.get('if-none-match')).toBe('"v1"');
    expect(app.seen[1]?.headers.get('if-modified-since')).toBe('Wed, 31 Dec 2025 00:00:00 GMT');
    // Fresh again after the 304.
    expect((await cache(get('/r'))).headers.get('x-cache')).toBe('HIT');
    expect(app.seen).toHaveLength(2);
  });

  it('stores no-cache responses but revalidates every use', async () => {
    const app = origin((request) =>
      request.headers.get('if-none-match') === '"n"'
        ? new Response(null, { status: 304, headers: { etag: '"n"' } })
        : new Response('fresh body', { headers: { 'cache-control': 'no-cache', etag: '"n"' } }),
    );
    const cache = createResponseCache({ fetch: app.fetch });
    await cache(get('/nc'));
    const second = await cache(get('/nc'));
    expect([second.headers.get('x-cache'), await second.text()]).toEqual(['REVALIDATED', 'fresh body']);
    expect(app.seen).toHaveLength(2);
  });
});

describe('createResponseCache: bounds, sharing, failures', () => {
  it('evicts the least recently used entries to stay within the store byte bound', async () => {
    const body = 'x'.repeat(10_000);
    const app = origin(() => new Response(body, { headers: { 'cache-control': 'max-age=60' } }));
    const cache = createResponseCache({ fetch: app.fetch, store: createMemoryStore({ maxBytes: 25_000 }) });
    await cache(get('/1'));
    await cache(get('/2'));
    await cache(get('/1')); // /1 is now the most recently used
    await cache(get('/3')); // no room for three: /2 goes
    expect((await cache(get('/1'))).headers.get('x-cache')).toBe('HIT');
    expect((await cache(get('/3'))).headers.get('x-cache')).toBe('HIT');
    expect((await cache(get('/2'))).headers.get('x-cache')).toBe('MISS');
  });

  it('streams a body larger than maxEntryBytes whole and does not store it', async () => {
    const chunks = ['a'.repeat(600), 'b'.repeat(600), 'c'.repeat(600)];
    const app = origin(() => {
      const stream = new ReadableStream<Uint8Array>({
        start(controller) {
          for (const chunk of chunks) controller.enqueue(new TextEncoder().encode(chunk));
          controller.close();
        },
      });
      return new Response(stream, { headers: { 'cache-control': 'max-age=60' } });
    });
    const cache = createResponseCache({ fetch: app.fetch, maxEntryBytes: 1000 });
    expect(await (await cache(get('/big'))).text()).toBe(chunks.join(''));
    expect((await cache(get('/big'))).headers.get('x-cache')).toBe('MISS');
  });

  it('coalesces concurrent misses for one URL into one origin request', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    const app = origin(async () => {
      await gate;
      return new Response('once', { headers: { 'cache-control': 'max-age=60' } });
    });
    const cache = createResponseCache({ fetch: app.fetch });
    const pending = [cache(get('/co')), cache(get('/co')), cache(get('/co'))];
    await new Promise((resolve) => setImmediate(resolve));
    release();
    const responses = await Promise.all(pending);
    expect(await Promise.all(responses.map((response) => response.text()))).toEqual(['once', 'once', 'once']);
    expect(app.seen).toHaveLength(1);
  });

  it('invalidates a URL after a successful unsafe request to it', async () => {
    const app = origin((request, count) =>
      request.method === 'GET'
        ? new Response(String(count), { headers: { 'cache-control': 'max-age=60' } })
        : new Response(null, { status: 204 }),
    );
    const cache = createResponseCache({ fetch: app.fetch });
    await cache(get('/item'));
    expect((await cache(get('/item'))).headers.get('x-cache')).toBe('HIT');
    await cache(new Request(`${ORIGIN}/item`, { method: 'PUT', body: 'new' }));
    expect((await cache(get('/item'))).headers.get('x-cache')).toBe('MISS');
  });

  it('fails open when the store throws: the origin answers and onError hears of it', async () => {
    const broken: CacheStore = {
      get: () => Promise.reject(new Error('store down')),
      set: () => Promise.reject(new Error('store down')),
      delete: () => Promise.reject(new Error('store down')),
    };
    const errors: string[] = [];
    const app = origin(() => new Response('from origin', { headers: { 'cache-control': 'max-age=60' } }));
    const cache = createResponseCache({
      fetch: app.fetch,
      store: broken,
      onError: (_, info) => errors.push(info.operation),
    });
    const response = await cache(get('/down'));
    expect([response.status, await response.text()]).toEqual([200, 'from origin']);
    expect(errors).toEqual(['get', 'set']);
  });

  it('treats corrupt or foreign store bytes as a miss', async () => {
    const store = createMemoryStore();
    const app = origin(
      (_, count) => new Response(String(count), { headers: { 'cache-control': 'max-age=60' } }),
    );
    const cache = createResponseCache({ fetch: app.fetch, store });
    await cache(get('/x'));
    const { primaryKey } = await import('./cache-keys.ts');
    await store.set(await primaryKey(`${ORIGIN}/x`), new Uint8Array([0xc1, 0xff, 0x00]), 60_000);
    expect(await (await cache(get('/x'))).text()).toBe('2');
  });

  it('reports hits and misses to onHit and onMiss', async () => {
    const events: string[] = [];
    const app = origin(() => new Response('e', { headers: { 'cache-control': 'max-age=60' } }));
    const cache = createResponseCache({
      fetch: app.fetch,
      onHit: (event) => events.push(`hit ${event.outcome}`),
      onMiss: (event) => events.push(`miss stored=${event.stored}`),
    });
    await cache(get('/ev'));
    await cache(get('/ev'));
    expect(events).toEqual(['miss stored=true', 'hit HIT']);
  });

  it('serves the GETs inside batches and plain requests from one cache', async () => {
    const app = origin((request) =>
      Response.json({ path: new URL(request.url).pathname }, { headers: { 'cache-control': 'max-age=60' } }),
    );
    const handler = createBatchHandler({ fetch: createResponseCache({ fetch: app.fetch }) });
    await handler(get('/api/users/1'));
    const frames = await collectFrames(
      await handler(
        batchRequest([
          { id: 1, path: '/api/users/1' },
          { id: 2, path: '/api/users/1' },
        ]),
      ),
    );
    const results = resultsById(frames);
    expect(results.get(1)?.status).toBe(200);
    expect(results.get(2)?.status).toBe(200);
    expect(app.seen).toHaveLength(1);
  });

  it('refuses bad options with a TypeError', () => {
    expect(() => createResponseCache({} as never)).toThrow(TypeError);
    expect(() => createResponseCache({ fetch: () => new Response(), maxEntryBytes: -1 })).toThrow(
      /maxEntryBytes/,
    );
  });
});
