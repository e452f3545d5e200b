// Regression (issue 9, item 9): the response cache ignored `no-cache`, `max-age` and `Vary`, and its key
// left out the batch's credentials: after logging out and in within one tab, the previous user's GETs
// came back for up to 30 s.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createBatchFetch } from '../../src/index.ts';
import { FakeEndpoint, type Handler, json } from '../../src/test-support/fake-endpoint.ts';

afterEach(() => {
  vi.useRealTimers();
});

function setup(handler: Handler, options: Parameters<typeof createBatchFetch>[0] = {}) {
  const server = new FakeEndpoint(handler);
  const batchFetch = createBatchFetch({
    endpoint: server.endpoint,
    fetch: server.fetch,
    cache: true,
    ...options,
  });
  const read = async (path: string, init?: RequestInit) =>
    (await batchFetch(server.origin + path, init)).json();
  return { server, batchFetch, read };
}

describe('the response cache after a change of user', () => {
  it('never hands one token holder the response fetched with another token (batch headers)', async () => {
    let token = 'alice-token';
    // The server answers for whoever the batch's Authorization header names (the token of the moment).
    const { server, read } = setup(() => json({ user: `Bearer ${token}` }), {
      headers: () => ({ authorization: `Bearer ${token}` }),
    });
    expect(await read('/api/me')).toEqual({ user: 'Bearer alice-token' });
    token = 'bob-token'; // logged out, logged in as someone else
    expect(await read('/api/me')).toEqual({ user: 'Bearer bob-token' });
    expect(server.calls).toHaveLength(2);
    token = 'alice-token';
    expect(await read('/api/me')).toEqual({ user: 'Bearer alice-token' });
    expect(server.calls).toHaveLength(2); // Alice's own entry, still fresh
  });

  it('keys by the call’s own Authorization header too', async () => {
    let n = 0;
    const { server, read } = setup(() => json({ n: ++n }));
    await read('/api/me', { headers: { authorization: 'Bearer a' } });
    await read('/api/me', { headers: { authorization: 'Bearer b' } });
    expect(server.calls).toHaveLength(2);
  });
});

describe('the response cache honours the response’s caching headers (RFC 9111)', () => {
  const counting = (headers: [string, string][]) => {
    let n = 0;
    return setup(() => json({ n: ++n }, 200, headers));
  };

  for (const [label, headers] of [
    ['no-cache', [['cache-control', 'no-cache']]],
    ['must-revalidate', [['cache-control', 'private, must-revalidate']]],
    ['max-age=0', [['cache-control', 'max-age=0']]],
    ['Vary: Cookie', [['vary', 'Accept, Cookie']]],
    ['an Expires in the past', [['expires', 'Thu, 01 Jan 1970 00:00:00 GMT']]],
    [
      'an Age beyond max-age',
      [
        ['cache-control', 'max-age=10'],
        ['age', '11'],
      ],
    ],
  ] as [string, [string, string][]][]) {
    it(`does not reuse a response with ${label}`, async () => {
      const { server, read } = counting(headers);
      expect(await read('/x')).toEqual({ n: 1 });
      expect(await read('/x')).toEqual({ n: 2 });
      expect(server.calls).toHaveLength(2);
    });
  }

  it('keeps a response for its max-age (minus Age), capped by ttlMs; private is fine in a page', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    let n = 0;
    const { read } = setup(
      (call) =>
        json({ n: ++n }, 200, [
          ['cache-control', call.path === '/long' ? 'private, max-age=3600' : 'max-age=5'],
          ['age', call.path === '/long' ? '0' : '2'],
        ]),
      { cache: { ttlMs: 10_000 } },
    );
    expect(await read('/short')).toEqual({ n: 1 });
    expect(await read('/long')).toEqual({ n: 2 });
    vi.advanceTimersByTime(2_999);
    expect(await read('/short')).toEqual({ n: 1 });
    vi.advanceTimersByTime(2);
    expect(await read('/short')).toEqual({ n: 3 }); // 5 s max-age, 2 s already spent elsewhere
    vi.advanceTimersByTime(7_000);
    expect(await read('/long')).toEqual({ n: 4 }); // ttlMs bounds an hour's max-age
  });

  it('is bounded by bytes: the least recently used go first, an oversized response is not kept', async () => {
    let n = 0;
    const { server, read } = setup(
      (call) => json({ n: ++n, pad: 'x'.repeat(call.path === '/big' ? 5000 : 300) }),
      {
        cache: { maxBytes: 1000 },
      },
    );
    await read('/a');
    await read('/b');
    await read('/a'); // hit: /a is now the most recently used
    await read('/c'); // over 1,000 bytes: /b goes
    await read('/a');
    expect(server.calls.map((call) => call.path)).toEqual(['/a', '/b', '/c']);
    await read('/b');
    await read('/big');
    await read('/big');
    expect(server.calls.map((call) => call.path)).toEqual(['/a', '/b', '/c', '/b', '/big', '/big']);
  });
});
