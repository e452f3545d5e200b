// End to end: @wirepack/client against the real @wirepack/server and the REST fixture, over HTTP on
// 127.0.0.1 through the server's Node adapter. Unbatched calls go to the same server, so every
// batched answer is compared with what plain fetch gets for the same call.
import { type BatchFetchOptions, createBatchFetch, isWirepackError } from '@wirepack/client';
import { BINARY_BODY, JSON_BODY } from '@wirepack/fixture-rest-api';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type Served, serve } from './serve.ts';

let served: Served;

beforeAll(async () => {
  served = await serve();
});

afterAll(async () => {
  await served?.close();
});

function client(options: BatchFetchOptions = {}) {
  return createBatchFetch({ endpoint: served.endpoint, ...options });
}

const url = (path: string): string => served.origin + path;

/** Everything a caller can observe of a response, body read as bytes. */
async function observe(response: Response) {
  return {
    status: response.status,
    statusText: response.statusText,
    ok: response.ok,
    redirected: response.redirected,
    url: response.url,
    contentType: response.headers.get('content-type'),
    setCookie: response.headers.getSetCookie(),
    body: response.body === null ? null : new Uint8Array(await response.arrayBuffer()),
  };
}

describe('batched answers equal unbatched ones', () => {
  const paths = [
    '/api/json',
    '/api/text',
    '/api/binary',
    '/api/empty',
    '/api/error',
    '/api/nope',
    '/api/redirect',
    '/api/moved',
    '/api/cookies',
    '/api/users/7',
    '/api/users/100000',
    '/api/proto',
    '/api/deep?depth=20',
  ];

  it('for JSON, text, binary, 204, 404, 500, redirects and cookies, as bytes', async () => {
    const batchFetch = client();
    const before = served.batches();
    const batched = await Promise.all(paths.map((path) => batchFetch(url(path))));
    // The redirects' follow-ups make one more batch, unless dedupe shares them with the
    // /api/json and /api/text calls still in flight.
    expect(served.batches() - before).toBeGreaterThanOrEqual(1);
    expect(served.batches() - before).toBeLessThanOrEqual(2);
    for (const [index, path] of paths.entries()) {
      const plain = await observe(await fetch(url(path)));
      // Except Set-Cookie: the server leaves it out of frames unless it has exposeSetCookie (page script
      // reads frames, and would see HttpOnly cookies there; see the next test).
      const expected = path === '/api/cookies' ? { ...plain, setCookie: [] } : plain;
      expect({ path, ...(await observe(batched[index] as Response)) }).toEqual({ path, ...expected });
    }
  });

  it('for Set-Cookie too, when the server has exposeSetCookie', async () => {
    const exposing = await serve({ exposeSetCookie: true });
    try {
      const batchFetch = createBatchFetch({ endpoint: exposing.endpoint });
      const cookies = (await batchFetch(`${exposing.origin}/api/cookies`)).headers.getSetCookie();
      expect(cookies).toStrictEqual(['a=1; Path=/; HttpOnly', 'b=2; Path=/']);
      expect(cookies).toStrictEqual((await fetch(`${exposing.origin}/api/cookies`)).headers.getSetCookie());
    } finally {
      await exposing.close();
    }
  });

  it('for json() of every JSON route', async () => {
    const batchFetch = client();
    const jsonPaths = [
      '/api/json',
      '/api/error',
      '/api/nope',
      '/api/users/7',
      '/api/redirect',
      '/api/proto',
      '/api/deep?depth=20',
    ];
    const batched = await Promise.all(jsonPaths.map(async (path) => (await batchFetch(url(path))).json()));
    for (const [index, path] of jsonPaths.entries()) {
      expect(batched[index], path).toEqual(await (await fetch(url(path))).json());
    }
    expect(batched[0]).toEqual(JSON_BODY);
    expect(Object.hasOwn(batched[5] as object, '__proto__')).toBe(true);
  });

  it('for a route that throws: a 500 for that call only', async () => {
    const batchFetch = client();
    const [thrown, fine] = await Promise.all([batchFetch(url('/api/throw')), batchFetch(url('/api/json'))]);
    const plain = await fetch(url('/api/throw'));
    expect([thrown.status, fine.status]).toEqual([plain.status, 200]);
    expect(await thrown.text()).not.toContain('secret');
  });

  it('for methods, queries, headers and bodies the app echoes', async () => {
    const batchFetch = client();
    const inits: Array<[string, RequestInit]> = [
      ['/api/echo?a=1&b=two', { headers: { 'x-trace': 't-1' } }],
      [
        '/api/echo',
        {
          method: 'POST',
          body: JSON.stringify({ hi: 'there' }),
          headers: { 'content-type': 'application/json' },
        },
      ],
      ['/api/echo', { method: 'PUT', body: 'plain text ✓' }],
      ['/api/echo', { method: 'PATCH', body: new URLSearchParams({ q: 'x y' }) }],
      ['/api/echo', { method: 'DELETE' }],
    ];
    const pick = (value: {
      method: string;
      path: string;
      query: unknown;
      headers: Record<string, string>;
      body: unknown;
    }) => ({
      method: value.method,
      path: value.path,
      query: value.query,
      // A bodiless request reaches the app with body null or '' depending on the adapter.
      body: value.body || null,
      trace: value.headers['x-trace'],
      type: value.headers['content-type'],
    });
    const batched = await Promise.all(
      inits.map(async ([path, init]) => pick(await (await batchFetch(url(path), init)).json())),
    );
    for (const [index, [path, init]] of inits.entries()) {
      expect(batched[index]).toEqual(pick(await (await fetch(url(path), init)).json()));
    }
  });

  it('follows redirects like fetch: redirected, final url, same body', async () => {
    const batchFetch = client();
    const [batched, plain] = await Promise.all([batchFetch(url('/api/moved')), fetch(url('/api/moved'))]);
    expect([batched.redirected, batched.url]).toEqual([true, url('/api/text')]);
    expect(await observe(batched)).toEqual(await observe(plain));
  });

  it('returns binary bodies byte for byte', async () => {
    const response = await client()(url('/api/binary'));
    expect(new Uint8Array(await response.arrayBuffer())).toEqual(BINARY_BODY);
  });
});

describe('batching', () => {
  it('makes ceil(1000 / maxBatchSize) requests for 1,000 calls, and one user query per batch', async () => {
    const batchFetch = client({ maxBatchSize: 100 });
    served.api.resetStats();
    const before = served.batches();
    const users = await Promise.all(
      Array.from({ length: 1000 }, (_, i) =>
        batchFetch(url(`/api/users/${(i % 200) + 1}`), { dedupe: false }).then((res) => res.json()),
      ),
    );
    expect(served.batches() - before).toBe(10);
    expect(users.every((user, i) => (user as { id: number }).id === (i % 200) + 1)).toBe(true);
    // The fixture's loader is shared by the calls of one batch: the batch's 100 calls (the server runs
    // all of them at once by default, `concurrency` 256) share one query, instead of one per call.
    expect(served.api.stats().userQueries).toBeLessThanOrEqual(10);
  });

  it('resolves fast calls before a 250 ms call of the same batch', async () => {
    const batchFetch = client();
    const before = served.batches();
    const order: string[] = [];
    const calls = ['/api/slow?ms=250', '/api/json', '/api/text', '/api/users/1'].map((path) =>
      batchFetch(url(path)).then(async (res) => {
        await res.arrayBuffer();
        order.push(path);
      }),
    );
    await Promise.all(calls);
    expect(served.batches() - before).toBe(1);
    expect(order.at(-1)).toBe('/api/slow?ms=250');
  });

  it('deduplicates identical in-flight GETs unless a call opts out', async () => {
    const batchFetch = client();
    served.api.resetStats();
    const shared = await Promise.all([1, 2, 3].map(() => batchFetch(url('/api/slow?ms=20&key=shared'))));
    expect(served.api.stats().started).toEqual(['shared']);
    expect(await Promise.all(shared.map((res) => res.json()))).toEqual([1, 2, 3].map(() => ({ slept: 20 })));
    served.api.resetStats();
    await Promise.all([1, 2].map(() => batchFetch(url('/api/slow?ms=20&key=own'), { dedupe: false })));
    expect(served.api.stats().started).toEqual(['own', 'own']);
  });

  it("sends 'high' calls in their own batch and 'low' calls after the window", async () => {
    const batchFetch = client({ lowPriorityWindowMs: 30 });
    const before = served.batches();
    const responses = await Promise.all([
      batchFetch(url('/api/json'), { priority: 'low' }),
      batchFetch(url('/api/json?b'), { priority: 'low' }),
      batchFetch(url('/api/text')),
      batchFetch(url('/api/binary')),
      batchFetch(url('/api/users/3'), { priority: 'high' }),
    ]);
    expect(responses.map((res) => res.status)).toEqual([200, 200, 200, 200, 200]);
    expect(served.batches() - before).toBe(3);
  });
});

describe('abort', () => {
  it('before dispatch: the call leaves its batch and never reaches the app', async () => {
    const batchFetch = client();
    served.api.resetStats();
    const controller = new AbortController();
    const aborted = batchFetch(url('/api/slow?ms=10&key=left'), { signal: controller.signal });
    const kept = batchFetch(url('/api/slow?ms=10&key=kept'));
    controller.abort();
    await expect(aborted).rejects.toMatchObject({ name: 'AbortError' });
    expect((await kept).status).toBe(200);
    expect(served.api.stats().started).toEqual(['kept']);
  });

  it('after dispatch: rejects at once and the server-side handler sees its signal abort', async () => {
    const batchFetch = client();
    served.api.resetStats();
    const cancelsBefore = served.cancels();
    const controller = new AbortController();
    const hanging = batchFetch(url('/api/hang?key=h1'), { signal: controller.signal });
    const fast = await batchFetch(url('/api/json'));
    expect(fast.status).toBe(200);
    await vi.waitFor(() => expect(served.api.stats().started).toContain('h1'));
    controller.abort();
    await expect(hanging).rejects.toMatchObject({ name: 'AbortError' });
    await vi.waitFor(() => expect(served.api.stats().aborted).toContain('h1'));
    expect(served.cancels() - cancelsBefore).toBeGreaterThanOrEqual(1);
  });

  it('after dispatch, with other calls still running: only the aborted one stops', async () => {
    const batchFetch = client();
    served.api.resetStats();
    const controller = new AbortController();
    const aborted = batchFetch(url('/api/hang?key=gone'), { signal: controller.signal });
    const running = batchFetch(url('/api/slow?ms=150&key=stays'));
    await vi.waitFor(() =>
      expect(served.api.stats().started).toEqual(expect.arrayContaining(['gone', 'stays'])),
    );
    controller.abort();
    await expect(aborted).rejects.toMatchObject({ name: 'AbortError' });
    expect(await (await running).json()).toEqual({ slept: 150 });
    await vi.waitFor(() => expect(served.api.stats().aborted).toEqual(['gone']));
  });
});

describe('failures settle every call', () => {
  it('a batch over the server limit rejects each of its calls with TOO_MANY_CALLS (413)', async () => {
    const strict = await serve({ limits: { maxCalls: 3 } });
    try {
      const batchFetch = createBatchFetch({ endpoint: strict.endpoint, maxBatchSize: 5 });
      const results = await Promise.allSettled(
        Array.from({ length: 5 }, (_, i) => batchFetch(`${strict.origin}/api/users/${i + 1}`)),
      );
      for (const result of results) {
        expect(result.status).toBe('rejected');
        const reason = (result as PromiseRejectedResult).reason;
        expect(isWirepackError(reason) && [reason.code, reason.status]).toEqual(['TOO_MANY_CALLS', 413]);
      }
    } finally {
      await strict.close();
    }
  });

  it('a server that is gone rejects every call with NETWORK', async () => {
    const gone = await serve();
    const endpoint = gone.endpoint;
    const origin = gone.origin;
    await gone.close();
    const batchFetch = createBatchFetch({ endpoint });
    const results = await Promise.allSettled([
      batchFetch(`${origin}/api/json`),
      batchFetch(`${origin}/api/text`),
    ]);
    for (const result of results) {
      expect(result.status === 'rejected' && result.reason).toMatchObject({
        name: 'WirepackError',
        code: 'NETWORK',
      });
    }
  });

  it('a connection lost mid-stream keeps delivered results and rejects the calls still open', async () => {
    const dying = await serve();
    try {
      const batchFetch = createBatchFetch({ endpoint: dying.endpoint });
      const fast = batchFetch(`${dying.origin}/api/json`);
      const hanging = batchFetch(`${dying.origin}/api/hang?key=cut`).catch((error: unknown) => error);
      expect((await fast).status).toBe(200);
      await vi.waitFor(() => expect(dying.api.stats().started).toContain('cut'));
      await dying.close(); // drops the open connection under the streaming response
      const error = await hanging;
      expect(isWirepackError(error) && ['NETWORK', 'TRUNCATED'].includes(error.code)).toBe(true);
    } finally {
      await dying.close().catch(() => {});
    }
  });

  it('an endpoint that is not wirepack rejects every call with BAD_RESPONSE naming the status', async () => {
    const batchFetch = client({ endpoint: url('/api/nope') });
    const results = await Promise.allSettled([batchFetch(url('/api/json')), batchFetch(url('/api/text'))]);
    for (const result of results) {
      expect(result.status === 'rejected' && result.reason).toMatchObject({
        code: 'BAD_RESPONSE',
        status: 404,
      });
    }
  });
});

describe('request compression', () => {
  it("compresses by default ('auto') from the batch after the server advertised what it reads", async () => {
    const received: number[] = [];
    const own = await serve({ onBatch: (summary) => received.push(summary.bytesIn) });
    try {
      const batchFetch = createBatchFetch({ endpoint: own.endpoint }); // compressRequests: 'auto'
      const body = JSON.stringify({
        rows: Array.from({ length: 1000 }, (_, i) => ({ id: i, name: `row ${i}` })), // past compressMinBytes
      });
      const echo = async () => {
        const response = await batchFetch(`${own.origin}/api/echo`, {
          method: 'POST',
          body,
          headers: { 'content-type': 'application/json' },
        });
        return ((await response.json()) as { body: string }).body;
      };
      // The first batch goes out as is: nothing has told the client yet what the server reads.
      expect(await echo()).toBe(body);
      // Its response said `Accept-Encoding: gzip, deflate, br`: the next large body is compressed (gzip;
      // brotli-wasm's web build cannot load in Node, and in a browser it is used once loaded).
      expect(await echo()).toBe(body);
      expect(own.encodings).toEqual([null, 'gzip']);
      // What the server read off the wire (onBatch's bytesIn, before decoding): the second body is
      // much smaller than the first.
      expect(received).toHaveLength(2);
      expect(received[0]).toBeGreaterThan(body.length);
      expect(received[1]).toBeLessThan((received[0] as number) / 3);
    } finally {
      await own.close();
    }
  });

  it('gzips large batch bodies, and the server reads them', async () => {
    const sent: Array<string | null> = [];
    const batchFetch = client({
      compressRequests: 'gzip',
      fetch: (input, init) => {
        sent.push(new Headers(init?.headers).get('content-encoding'));
        return fetch(input, init);
      },
    });
    const body = JSON.stringify({
      rows: Array.from({ length: 1000 }, (_, i) => ({ id: i, name: `row ${i}` })),
    });
    const response = await batchFetch(url('/api/echo'), {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json' },
    });
    expect(((await response.json()) as { body: string }).body).toBe(body);
    expect(sent[0]).toBe('gzip');
  });
});
