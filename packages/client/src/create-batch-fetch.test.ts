import { brotliCompressSync } from 'node:zlib';
import { WirepackError } from '@wirepack/protocol';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type BatchFetchOptions, createBatchFetch } from './index.ts';
import { bytes, deferred, FakeEndpoint, type Handler, json, problem } from './test-support/fake-endpoint.ts';

const echo: Handler = (call) => json({ method: call.method, path: call.path });

function setup(handler: Handler = echo, options: BatchFetchOptions = {}, endpointOptions = {}) {
  const server = new FakeEndpoint(handler, endpointOptions);
  const batchFetch = createBatchFetch({ endpoint: server.endpoint, fetch: server.fetch, ...options });
  return { server, batchFetch, url: (path: string) => server.origin + path };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('coalescing', () => {
  it('sends the calls of one tick as one request and resolves each with its own response', async () => {
    const { server, batchFetch, url } = setup();
    const responses = await Promise.all([1, 2, 3].map((n) => batchFetch(url(`/api/items/${n}`))));
    expect(server.batches).toHaveLength(1);
    expect(await Promise.all(responses.map((res) => res.json()))).toEqual(
      [1, 2, 3].map((n) => ({ method: 'GET', path: `/api/items/${n}` })),
    );
  });

  it('makes ceil(1000 / maxBatchSize) requests for 1,000 calls', async () => {
    const { server, batchFetch, url } = setup(echo, { maxBatchSize: 64 });
    const responses = await Promise.all(
      Array.from({ length: 1000 }, (_, i) => batchFetch(url(`/api/n/${i}`))),
    );
    expect(server.batches).toHaveLength(Math.ceil(1000 / 64));
    expect(server.batches.map((batch) => batch.request.calls.length).slice(0, -1)).toEqual(
      Array(15).fill(64),
    );
    const bodies = await Promise.all(responses.map((res) => res.json() as Promise<{ path: string }>));
    expect(bodies.every((body, i) => body.path === `/api/n/${i}`)).toBe(true);
  });

  it('splits by maxBatchBytes and sends an oversized call alone, never failing it', async () => {
    const { server, batchFetch, url } = setup(
      (call) => bytes(String(call.body.kind === 'bytes' ? call.body.bytes.length : 0)),
      {
        maxBatchBytes: 4096,
      },
    );
    const small = 'x'.repeat(1000);
    const huge = 'y'.repeat(10_000);
    const sizes = [small, small, small, small, huge, small];
    const responses = await Promise.all(
      sizes.map((body) => batchFetch(url('/api/upload'), { method: 'POST', body })),
    );
    expect(await Promise.all(responses.map((res) => res.text()))).toEqual(
      sizes.map((body) => String(body.length)),
    );
    expect(server.batches.map((batch) => batch.request.calls.length)).toEqual([3, 1, 1, 1]);
    for (const batch of server.batches) {
      if (batch.request.calls.length > 1) expect(batch.wireBytes).toBeLessThanOrEqual(4096);
    }
  });

  it('sends other origins, the endpoint itself and batch: false calls straight to fetch', async () => {
    const { server, batchFetch, url } = setup();
    const results = await Promise.all([
      batchFetch('http://other.test/api/x'),
      batchFetch(url('/api/y'), { batch: false }),
      batchFetch(url('/api/z'), { redirect: 'manual' }),
      batchFetch(url('/api/b')),
    ]);
    expect(server.direct.map((request) => request.url)).toEqual([
      'http://other.test/api/x',
      url('/api/y'),
      url('/api/z'),
    ]);
    expect(results[0]?.headers.get('x-direct')).toBe('1');
    expect(server.calls.map((call) => call.path)).toEqual(['/api/b']);
  });

  it('carries method, path with query, headers and body of each call inside the batch', async () => {
    const { server, batchFetch, url } = setup();
    await Promise.all([
      batchFetch(url('/api/search?q=a%20b#frag'), {
        headers: { 'X-Trace': 't1', Accept: 'application/json' },
      }),
      batchFetch(url('/api/form'), { method: 'post', body: new URLSearchParams({ a: '1' }) }),
      batchFetch(url('/api/text'), { method: 'PUT', body: 'hello' }),
      batchFetch(url('/api/bin'), { method: 'PATCH', body: new Uint8Array([1, 2, 3]) }),
      batchFetch(new Request(url('/api/req'), { method: 'DELETE', headers: { 'x-a': 'b' } })),
    ]);
    const [search, form, text, bin, req] = server.calls;
    expect(search).toMatchObject({
      method: 'GET',
      path: '/api/search?q=a%20b',
      body: { kind: 'none' },
      priority: 'auto',
    });
    expect(search?.headers).toEqual([
      ['accept', 'application/json'],
      ['x-trace', 't1'],
    ]);
    expect(form?.method).toBe('POST');
    expect(form?.headers).toEqual([['content-type', 'application/x-www-form-urlencoded;charset=UTF-8']]);
    expect(text?.headers).toEqual([['content-type', 'text/plain;charset=UTF-8']]);
    expect(text?.body).toEqual({ kind: 'bytes', bytes: new TextEncoder().encode('hello') });
    expect(bin?.body).toEqual({ kind: 'bytes', bytes: new Uint8Array([1, 2, 3]) });
    expect(req).toMatchObject({ method: 'DELETE', path: '/api/req', headers: [['x-a', 'b']] });
  });

  it('serialises FormData through the platform, multipart boundary included', async () => {
    const { server, batchFetch, url } = setup();
    const form = new FormData();
    form.set('name', 'ada');
    await batchFetch(url('/api/form'), { method: 'POST', body: form });
    const call = server.calls[0];
    const type = call?.headers.find(([name]) => name === 'content-type')?.[1] ?? '';
    expect(type).toMatch(/^multipart\/form-data; boundary=/);
    const text = new TextDecoder().decode(call?.body.kind === 'bytes' ? call.body.bytes : undefined);
    expect(text).toContain('name="name"');
    expect(text).toContain('ada');
  });

  it('rejects like fetch does for a GET with a body', async () => {
    const { server, batchFetch, url } = setup();
    await expect(batchFetch(url('/api/x'), { body: 'nope' })).rejects.toThrow(TypeError);
    expect(server.batches).toHaveLength(0);
  });

  it('sends JSON request bodies as bytes by default and as values when asked', async () => {
    const body = JSON.stringify({ a: 1, b: [true, null] });
    const headers = { 'content-type': 'application/json' };
    const plain = setup();
    await plain.batchFetch(plain.url('/api/j'), { method: 'POST', body, headers });
    expect(plain.server.calls[0]?.body.kind).toBe('bytes');
    const values = setup(echo, { jsonBodiesAsValues: true });
    await Promise.all([
      values.batchFetch(values.url('/api/j'), { method: 'POST', body, headers }),
      values.batchFetch(values.url('/api/j'), { method: 'POST', body: '{"__proto__":{"x":1}}', headers }),
      values.batchFetch(values.url('/api/j'), { method: 'POST', body: '{not json', headers }),
    ]);
    expect(values.server.calls.map((call) => call.body.kind)).toEqual(['json', 'bytes', 'bytes']);
    expect(values.server.calls[0]?.body).toEqual({ kind: 'json', value: { a: 1, b: [true, null] } });
  });
});

describe('responses', () => {
  it('behave like fetch responses: status, statusText, headers, url, redirected, type, ok', async () => {
    const { batchFetch, url } = setup(() =>
      bytes('missing', 404, [
        ['content-type', 'text/plain'],
        ['set-cookie', 'a=1'],
        ['set-cookie', 'b=2'],
      ]),
    );
    const res = await batchFetch(url('/api/nope#x'));
    expect(res).toBeInstanceOf(Response);
    expect([res.status, res.statusText, res.ok, res.url, res.redirected, res.type]).toEqual([
      404,
      'Not Found',
      false,
      url('/api/nope'),
      false,
      'basic',
    ]);
    expect(res.headers.get('content-type')).toBe('text/plain');
    expect(res.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
    expect(await res.text()).toBe('missing');
    expect(res.bodyUsed).toBe(true);
  });

  it('hands over a JSON value from json() without serialising it, and consumes the body', async () => {
    const value = { id: 7, name: 'Ada', tags: ['x'], nested: { ok: true, n: null } };
    const { batchFetch, url } = setup(() => json(value));
    const res = await batchFetch(url('/api/users/7'));
    const stringify = vi.spyOn(JSON, 'stringify');
    try {
      expect(await res.json()).toEqual(value);
      expect(stringify).not.toHaveBeenCalled();
    } finally {
      stringify.mockRestore();
    }
    expect(res.bodyUsed).toBe(true);
    await expect(res.json()).rejects.toThrow(TypeError);
    await expect(res.text()).rejects.toThrow(TypeError);
  });

  it('reads a JSON value through text(), arrayBuffer(), blob(), body and clone()', async () => {
    const value = { a: [1, 2.5, 'é'], b: null };
    const { batchFetch, url } = setup(() => json(value));
    const text = JSON.stringify(value);
    expect(await (await batchFetch(url('/a'))).text()).toBe(text);
    expect(new TextDecoder().decode(await (await batchFetch(url('/b'))).arrayBuffer())).toBe(text);
    expect(await (await (await batchFetch(url('/c'))).blob()).text()).toBe(text);
    const streamed = await batchFetch(url('/d'));
    const chunks: Uint8Array[] = [];
    const reader = (streamed.body as ReadableStream<Uint8Array>).getReader();
    for (let read = await reader.read(); !read.done; read = await reader.read()) chunks.push(read.value);
    expect(new TextDecoder().decode(Buffer.concat(chunks))).toBe(text);

    const original = await batchFetch(url('/e'));
    const copy = original.clone();
    expect([copy.url, copy.status, copy.headers.get('content-type')]).toEqual([
      url('/e'),
      200,
      'application/json',
    ]);
    const mine = (await original.json()) as typeof value;
    mine.a.push('mutated');
    expect(await copy.json()).toEqual(value);
    expect(() => original.clone()).toThrow(TypeError);
  });

  it('gives a JSON response a real body stream where the Cache API exists (cache.put reads that)', async () => {
    const value = { id: 3, tags: ['a'] };
    const { batchFetch, url } = setup(() => json(value));
    vi.stubGlobal('caches', {});
    try {
      // What platform APIs such as cache.put() read: the Response's own body, not an overridden getter.
      const stored = await batchFetch(url('/cached'));
      expect(await Response.prototype.text.call(stored)).toBe(JSON.stringify(value));
      const read = await batchFetch(url('/read'));
      expect(await read.json()).toEqual(value);
      expect(read.bodyUsed).toBe(true);
      await expect(read.text()).rejects.toThrow(TypeError);
      const copy = (await batchFetch(url('/copy'))).clone();
      expect(await copy.json()).toEqual(value);
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it('gives 204 and HEAD responses a null body and other empty bodies an empty stream', async () => {
    const { batchFetch, url } = setup((call) =>
      call.path === '/none'
        ? { status: 204, headers: [], body: { kind: 'none' } }
        : { status: 200, headers: [], body: { kind: 'none' } },
    );
    const [noContent, head, empty] = await Promise.all([
      batchFetch(url('/none')),
      batchFetch(url('/h'), { method: 'HEAD' }),
      batchFetch(url('/empty')),
    ]);
    expect([noContent.status, noContent.body, head.body]).toEqual([204, null, null]);
    expect(empty.body).not.toBeNull();
    expect(await empty.text()).toBe('');
  });

  it('warns once per route in a browser when a batched call sets cookies the browser will not store', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    vi.stubGlobal('document', {});
    try {
      const { batchFetch, url } = setup(() => bytes('ok', 200, [['set-cookie', 'session=1']]));
      await Promise.all([batchFetch(url('/login')), batchFetch(url('/login'), { dedupe: false })]);
      await batchFetch(url('/login'));
      expect(warn).toHaveBeenCalledTimes(1);
      expect(String(warn.mock.calls[0]?.[0])).toMatch(/GET \/login .*batch: false/);
    } finally {
      vi.unstubAllGlobals();
      warn.mockRestore();
    }
  });

  it('returns binary bodies byte for byte', async () => {
    const data = new Uint8Array(256).map((_, i) => i);
    const { batchFetch, url } = setup(() => bytes(data, 200, [['content-type', 'application/octet-stream']]));
    expect(new Uint8Array(await (await batchFetch(url('/bin'))).arrayBuffer())).toEqual(data);
  });
});

describe('streaming and settling', () => {
  it('resolves each call when its frame arrives, in completion order', async () => {
    const slow = deferred<void>();
    const { batchFetch, url } = setup(async (call) => {
      if (call.path === '/slow') await slow.promise;
      return json(call.path);
    });
    const order: string[] = [];
    const calls = ['/slow', '/fast1', '/fast2'].map((path) =>
      batchFetch(url(path)).then(async (res) => {
        order.push((await res.json()) as string);
      }),
    );
    await Promise.all(calls.slice(1));
    expect(order).toEqual(['/fast1', '/fast2']);
    slow.resolve();
    await Promise.all(calls);
    expect(order).toEqual(['/fast1', '/fast2', '/slow']);
  });

  it('rejects only the call with an error frame', async () => {
    const { batchFetch, url } = setup((call) =>
      call.path === '/bad' ? { error: new WirepackError('TIMEOUT', 'took too long') } : json('ok'),
    );
    const [bad, good] = await Promise.allSettled([batchFetch(url('/bad')), batchFetch(url('/good'))]);
    expect(bad.status === 'rejected' && bad.reason).toMatchObject({
      name: 'WirepackError',
      code: 'TIMEOUT',
      status: 504,
    });
    expect(good.status).toBe('fulfilled');
  });

  it('rejects a call without a frame with MISSING_RESULT and leaves the others alone', async () => {
    const { batchFetch, url } = setup((call) => (call.path === '/lost' ? { skip: true } : json('ok')));
    const [lost, kept] = await Promise.allSettled([batchFetch(url('/lost')), batchFetch(url('/kept'))]);
    expect(lost.status === 'rejected' && lost.reason).toMatchObject({ code: 'MISSING_RESULT' });
    expect(kept.status).toBe('fulfilled');
  });

  it('rejects the calls without a result when a fatal frame or a truncated stream ends the batch', async () => {
    for (const trailer of [
      { kind: 'fatal', code: 'OVERLOADED', message: 'busy' } as const,
      'truncate' as const,
    ]) {
      const { batchFetch, url } = setup(
        (call) => (call.path === '/done' ? json('ok') : { skip: true }),
        {},
        { trailer: () => trailer },
      );
      const [done, open] = await Promise.allSettled([batchFetch(url('/done')), batchFetch(url('/open'))]);
      expect(done.status).toBe('fulfilled');
      expect(open.status === 'rejected' && open.reason).toMatchObject({
        code: trailer === 'truncate' ? 'TRUNCATED' : 'OVERLOADED',
      });
    }
  });

  it('rejects every call of a refused batch with the problem code and status', async () => {
    const { batchFetch, url } = setup(
      echo,
      {},
      { intercept: () => problem(new WirepackError('TOO_MANY_CALLS', 'limit 2')) },
    );
    const results = await Promise.allSettled([1, 2, 3].map((n) => batchFetch(url(`/x/${n}`))));
    for (const result of results) {
      expect(result.status === 'rejected' && result.reason).toMatchObject({
        code: 'TOO_MANY_CALLS',
        status: 413,
      });
      expect(result.status === 'rejected' && String(result.reason.message)).toMatch(
        /413 TOO_MANY_CALLS.*limit 2/,
      );
    }
  });

  it('rejects every call with BAD_RESPONSE naming the status for a non-wirepack answer', async () => {
    const { batchFetch, url } = setup(
      echo,
      {},
      {
        intercept: () =>
          new Response('<h1>Bad gateway</h1>', { status: 502, headers: { 'content-type': 'text/html' } }),
      },
    );
    const results = await Promise.allSettled([batchFetch(url('/a')), batchFetch(url('/b'))]);
    for (const result of results) {
      expect(result.status === 'rejected' && result.reason).toMatchObject({
        code: 'BAD_RESPONSE',
        status: 502,
      });
      expect(result.status === 'rejected' && String(result.reason.message)).toContain('502 text/html');
    }
  });

  it('rejects every call with NETWORK when the batch request fails', async () => {
    const batchFetch = createBatchFetch({
      endpoint: 'http://app.test/__wirepack',
      fetch: () => Promise.reject(new TypeError('fetch failed', { cause: new Error('ECONNREFUSED') })),
    });
    const results = await Promise.allSettled([
      batchFetch('http://app.test/a'),
      batchFetch('http://app.test/b'),
    ]);
    for (const result of results) {
      expect(result.status === 'rejected' && result.reason).toMatchObject({
        name: 'WirepackError',
        code: 'NETWORK',
      });
      expect(result.status === 'rejected' && result.reason.cause).toBeInstanceOf(TypeError);
    }
  });
});

describe('abort', () => {
  it('rejects at once with the AbortError of an already-aborted signal, sending nothing', async () => {
    const { server, batchFetch, url } = setup();
    const error = await batchFetch(url('/a'), { signal: AbortSignal.abort() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DOMException);
    expect((error as DOMException).name).toBe('AbortError');
    expect(server.batches).toHaveLength(0);
  });

  it('takes a call aborted before dispatch out of its batch, with the signal reason', async () => {
    const { server, batchFetch, url } = setup();
    const controller = new AbortController();
    const aborted = batchFetch(url('/gone'), { signal: controller.signal });
    const kept = batchFetch(url('/kept'));
    controller.abort(new Error('user left'));
    await expect(aborted).rejects.toThrow('user left');
    await kept;
    expect(server.calls.map((call) => call.path)).toEqual(['/kept']);
  });

  it('sends no request when every call left before dispatch', async () => {
    const { server, batchFetch, url } = setup();
    const controller = new AbortController();
    const calls = [1, 2].map((n) => batchFetch(url(`/${n}`), { signal: controller.signal }));
    controller.abort();
    await Promise.allSettled(calls);
    // Batches leave in order: had the abandoned one been sent, it would have arrived before this.
    await batchFetch(url('/later'));
    expect(server.arrivals).toEqual([['/later']]);
  });

  it('after dispatch: rejects at once, sends a cancel message and the handler sees its signal abort', async () => {
    const release = deferred<void>();
    const started = deferred<void>();
    const { server, batchFetch, url } = setup(async (call, signal) => {
      if (call.path === '/slow') {
        started.resolve();
        await Promise.race([
          release.promise,
          new Promise((resolve) => signal.addEventListener('abort', resolve)),
        ]);
        return json('late');
      }
      return json('fast');
    });
    const controller = new AbortController();
    const slow = batchFetch(url('/slow'), { signal: controller.signal });
    const fast = batchFetch(url('/fast'));
    await started.promise;
    await fast;
    controller.abort();
    await expect(slow).rejects.toMatchObject({ name: 'AbortError' });
    await vi.waitFor(() => expect(server.cancels).toHaveLength(1));
    const batch = server.batches[0]?.request;
    expect(server.cancels[0]).toEqual({ batchId: batch?.batchId, ids: [0] });
    expect(server.signals.get(`${batch?.batchId}:0`)?.aborted).toBe(true);
    release.resolve();
  });
});

describe('priorities and windows', () => {
  it("sends 'high' calls at once in their own batch and lets 'low' calls wait for the window", async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const { server, batchFetch, url } = setup(echo, { windowMs: 50, lowPriorityWindowMs: 100 });
    const calls = [
      batchFetch(url('/low'), { priority: 'low' }),
      batchFetch(url('/auto')),
      batchFetch(url('/high'), { priority: 'high' }),
      batchFetch(url('/auto2')),
    ];
    await vi.advanceTimersByTimeAsync(0);
    expect(server.arrivals).toEqual([['/high']]);
    await vi.advanceTimersByTimeAsync(49);
    expect(server.arrivals).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(server.arrivals).toEqual([['/high'], ['/auto', '/auto2']]);
    await vi.advanceTimersByTimeAsync(49);
    expect(server.arrivals).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(server.arrivals).toEqual([['/high'], ['/auto', '/auto2'], ['/low']]);
    await Promise.all(calls);
    expect(server.calls.map((call) => `${call.path}:${call.priority}`).sort()).toEqual([
      '/auto2:auto',
      '/auto:auto',
      '/high:high',
      '/low:low',
    ]);
  });

  it('sends same-tick calls before any timer runs when there is no window', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setImmediate', 'Date'] });
    const { server, batchFetch, url } = setup();
    const calls = [batchFetch(url('/a')), batchFetch(url('/b'))];
    await new Promise((resolve) => process.nextTick(resolve));
    await Promise.resolve();
    expect(server.arrivals).toEqual([['/a', '/b']]);
    await Promise.all(calls);
  });

  it('with a window, waits windowMs after the last call, at most maxWaitMs after the first', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const { server, batchFetch, url } = setup(echo, { windowMs: 10, maxWaitMs: 25 });
    const calls = [batchFetch(url('/0'))];
    for (let i = 1; i <= 4; i++) {
      await vi.advanceTimersByTimeAsync(8); // keeps the window open: 8 ms < 10 ms
      calls.push(batchFetch(url(`/${i}`)));
    }
    // t = 32: the 25 ms deadline has fired with the calls made by t = 24.
    expect(server.batches.map((batch) => batch.request.calls.length)).toEqual([4]);
    await vi.advanceTimersByTimeAsync(10);
    expect(server.batches.map((batch) => batch.request.calls.length)).toEqual([4, 1]);
    await Promise.all(calls);
  });

  it('sends a full batch at once instead of waiting for its window', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const { server, batchFetch, url } = setup(echo, { windowMs: 1000, maxBatchSize: 3 });
    const calls = [1, 2, 3, 4].map((n) => batchFetch(url(`/${n}`)));
    await vi.advanceTimersByTimeAsync(0);
    expect(server.batches.map((batch) => batch.request.calls.length)).toEqual([3]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(server.batches.map((batch) => batch.request.calls.length)).toEqual([3, 1]);
    await Promise.all(calls);
  });
});

describe('dedupe and cache', () => {
  it('shares one sub-request between identical in-flight GETs, each with its own value', async () => {
    const { server, batchFetch, url } = setup(() => json({ list: [1] }));
    const [a, b, other, opted, post] = await Promise.all([
      batchFetch(url('/same')),
      batchFetch(url('/same')),
      batchFetch(url('/same'), { headers: { 'x-user': '2' } }),
      batchFetch(url('/same'), { dedupe: false }),
      batchFetch(url('/same'), { method: 'POST' }),
    ]);
    expect(server.calls).toHaveLength(4);
    const first = (await a?.json()) as { list: number[] };
    first.list.push(2);
    expect(await b?.json()).toEqual({ list: [1] });
    expect([other?.status, opted?.status, post?.status]).toEqual([200, 200, 200]);
  });

  it("does not make a 'high' call wait for an identical queued 'low' call", async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const { server, batchFetch, url } = setup(echo, { lowPriorityWindowMs: 50 });
    const low = batchFetch(url('/same'), { priority: 'low' });
    const high = batchFetch(url('/same'), { priority: 'high' });
    const alsoHigh = batchFetch(url('/same'), { priority: 'high' });
    await vi.advanceTimersByTimeAsync(0);
    expect(server.arrivals).toEqual([['/same']]);
    await Promise.all([high, alsoHigh]);
    await vi.advanceTimersByTimeAsync(50);
    await low;
    expect(server.arrivals).toEqual([['/same'], ['/same']]);
  });

  it('keeps a shared call alive while one of its callers still waits', async () => {
    const release = deferred<void>();
    const { server, batchFetch, url } = setup(async () => {
      await release.promise;
      return json('v');
    });
    const controller = new AbortController();
    const leaving = batchFetch(url('/same'), { signal: controller.signal });
    const staying = batchFetch(url('/same'));
    await vi.waitFor(() => expect(server.batches).toHaveLength(1));
    controller.abort();
    await expect(leaving).rejects.toMatchObject({ name: 'AbortError' });
    release.resolve();
    expect(await (await staying).json()).toBe('v');
    expect(server.cancels).toHaveLength(0);
  });

  it('caches successful GETs when asked, bounded by entries and age, and clears on demand', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    let n = 0;
    const { server, batchFetch, url } = setup(
      (call) =>
        call.path === '/nostore' ? json(++n, 200, [['cache-control', 'no-store']]) : json({ n: ++n }),
      { cache: { maxEntries: 2, ttlMs: 1000 } },
    );
    const read = async (path: string, init?: RequestInit) => (await batchFetch(url(path), init)).json();
    expect(await read('/a')).toEqual({ n: 1 });
    const hit = (await read('/a')) as { n: number };
    expect(hit).toEqual({ n: 1 });
    hit.n = 99; // a hit is the caller's own copy
    expect(await read('/a')).toEqual({ n: 1 });
    expect(await read('/a', { cache: 'no-store' })).toEqual({ n: 2 });
    await read('/b');
    await read('/c'); // evicts /a (least recently used)
    expect(await read('/a')).toEqual({ n: 5 });
    vi.advanceTimersByTime(1001);
    expect(await read('/a')).toEqual({ n: 6 });
    batchFetch.clearCache();
    expect(await read('/a')).toEqual({ n: 7 });
    await read('/nostore');
    await read('/nostore');
    expect(server.calls.filter((call) => call.path === '/nostore')).toHaveLength(2);
  });
});

describe('redirects', () => {
  const redirecting: Handler = (call) => {
    if (call.path === '/old') return bytes('', 302, [['location', '/new?x=1']]);
    if (call.path === '/post') return bytes('', 303, [['location', '/done']]);
    if (call.path === '/keep') return bytes('', 307, [['location', '/kept']]);
    if (call.path === '/away') return bytes('', 301, [['location', 'http://other.test/there']]);
    if (call.path === '/loop') return bytes('', 302, [['location', '/loop']]);
    return json({ method: call.method, path: call.path, body: call.body.kind });
  };

  it('follows same-origin redirects through the batch like fetch, rewriting the method as fetch does', async () => {
    const { server, batchFetch, url } = setup(redirecting);
    const moved = await batchFetch(url('/old'));
    expect([moved.status, moved.redirected, moved.url]).toEqual([200, true, url('/new?x=1')]);
    expect(await moved.json()).toEqual({ method: 'GET', path: '/new?x=1', body: 'none' });
    const posted = await batchFetch(url('/post'), {
      method: 'POST',
      body: 'x',
      headers: { 'content-type': 'text/plain' },
    });
    expect(await posted.json()).toEqual({ method: 'GET', path: '/done', body: 'none' });
    expect(server.calls.find((call) => call.path === '/done')?.headers).toEqual([]);
    const kept = await batchFetch(url('/keep'), { method: 'PUT', body: 'x' });
    expect(await kept.json()).toEqual({ method: 'PUT', path: '/kept', body: 'bytes' });
  });

  it("follows a redirect to another origin with plain fetch; rejects on 'error' mode and on loops", async () => {
    const { server, batchFetch, url } = setup(redirecting);
    const away = await batchFetch(url('/away'));
    expect(away.redirected).toBe(true);
    expect(away.headers.get('x-direct')).toBe('1');
    expect(server.direct.map((request) => request.url)).toEqual(['http://other.test/there']);
    await expect(batchFetch(url('/old'), { redirect: 'error' })).rejects.toThrow(TypeError);
    await expect(batchFetch(url('/loop'))).rejects.toThrow(TypeError);
    expect(server.calls.filter((call) => call.path === '/loop')).toHaveLength(21);
  });
});

describe('request compression', () => {
  const big = 'z'.repeat(20_000); // past compressMinBytes

  it("'auto' compresses only after the server advertised gzip (RFC 7694)", async () => {
    const { server, batchFetch, url } = setup(echo, {}, { advertise: true });
    await batchFetch(url('/1'), { method: 'POST', body: big });
    await batchFetch(url('/2'), { method: 'POST', body: big });
    await batchFetch(url('/3'), { method: 'POST', body: 'small' });
    expect(server.batches.map((batch) => batch.encoding)).toEqual([null, 'gzip', null]);
    expect(server.batches[1]?.wireBytes).toBeLessThan(200);
  });

  it("'gzip' falls back to identity for good after a 415 UNSUPPORTED_ENCODING", async () => {
    const { server, batchFetch, url } = setup(echo, { compressRequests: 'gzip' }, { acceptEncoding: [] });
    expect((await batchFetch(url('/1'), { method: 'POST', body: big })).status).toBe(200);
    await batchFetch(url('/2'), { method: 'POST', body: big });
    expect(server.batches.map((batch) => batch.encoding)).toEqual([null, null]);
  });

  it("'br' uses the lazily loaded brotli encoder", async () => {
    const loadBrotli = vi.fn(async () => ({
      compress: (data: Uint8Array) => new Uint8Array(brotliCompressSync(data)),
    }));
    const { server, batchFetch, url } = setup(
      echo,
      { compressRequests: 'br', loadBrotli },
      { acceptEncoding: ['br'] },
    );
    expect(loadBrotli).not.toHaveBeenCalled();
    await batchFetch(url('/1'), { method: 'POST', body: big });
    await batchFetch(url('/2'), { method: 'POST', body: big });
    expect(server.batches.map((batch) => batch.encoding)).toEqual(['br', 'br']);
    expect(loadBrotli).toHaveBeenCalledTimes(1);
  });
});

describe('options', () => {
  it('refuses impossible options with a TypeError naming the option', () => {
    expect(() => createBatchFetch({ maxBatchSize: 0 })).toThrow(/maxBatchSize/);
    expect(() => createBatchFetch({ windowMs: -1 })).toThrow(/windowMs/);
    expect(() => createBatchFetch({ compressRequests: 'zstd' as never })).toThrow(/compressRequests/);
    expect(() => createBatchFetch({ cache: { maxEntries: 1.5 } })).toThrow(/cache.maxEntries/);
  });

  it('resolves a relative endpoint against the page and fails clearly without one', async () => {
    const batchFetch = createBatchFetch({ fetch: () => Promise.reject(new Error('unused')) });
    await expect(batchFetch('http://app.test/x')).rejects.toThrow(/options.endpoint .*absolute URL/);
  });

  it('sends extra batch headers from options', async () => {
    const { server, batchFetch, url } = setup(echo, { headers: () => ({ 'x-csrf': 'token' }) });
    await batchFetch(url('/a'));
    expect(server.batches[0]?.headers.get('x-csrf')).toBe('token');
  });
});
