import { describe, expect, it } from 'vitest';
import { createBatchFetch } from './index.ts';
import { bytes, FakeEndpoint, type Handler, json } from './test-support/fake-endpoint.ts';

function setup(handler: Handler) {
  const server = new FakeEndpoint(handler);
  const batchFetch = createBatchFetch({ endpoint: server.endpoint, fetch: server.fetch });
  return { server, batchFetch, url: (path: string) => server.origin + path };
}

describe('batchFetch.call', () => {
  it('answers what batchFetch answers, without a Response: status, headers, the JSON value', async () => {
    const { server, batchFetch, url } = setup((call) =>
      call.path === '/missing' ? json({ error: 'no' }, 404) : json({ path: call.path }, 200, [['x-a', '1']]),
    );
    const [light, missing, response] = await Promise.all([
      batchFetch.call(url('/a')),
      batchFetch.call(url('/missing')),
      batchFetch(url('/a')),
    ]);
    expect(server.batches).toHaveLength(1); // the three calls travel together
    expect(light).toMatchObject({ status: 200, ok: true, body: await response.json() });
    expect(light.header('X-A')).toBe(response.headers.get('x-a'));
    expect(light.header('content-type')).toBe('application/json');
    expect(missing).toMatchObject({ status: 404, ok: false, body: { error: 'no' } });
  });

  it('parses a JSON text body, keeps other bytes, has no body for 204 and HEAD', async () => {
    const { batchFetch, url } = setup((call) => {
      if (call.path === '/text-json') return bytes('{"a":[1]}', 200, [['content-type', 'application/json']]);
      if (call.path === '/plain') return bytes('hello', 200, [['content-type', 'text/plain']]);
      if (call.path === '/empty') return { status: 204, headers: [], body: { kind: 'none' } };
      return json({ ignored: true });
    });
    expect((await batchFetch.call(url('/text-json'))).body).toEqual({ a: [1] });
    const plain = await batchFetch.call(url('/plain'));
    expect(new TextDecoder().decode(plain.body as Uint8Array)).toBe('hello');
    expect((await batchFetch.call(url('/empty'))).body).toBeUndefined();
    expect((await batchFetch.call(url('/head'), { method: 'HEAD' })).body).toBeUndefined();
  });

  it('rejects with the signal reason when aborted, as batchFetch does', async () => {
    const { batchFetch, url } = setup(() => new Promise(() => undefined));
    const controller = new AbortController();
    const pending = batchFetch.call(url('/slow'), { signal: controller.signal });
    controller.abort(new Error('user left'));
    await expect(pending).rejects.toThrow('user left');
    await expect(batchFetch.call(url('/x'), { signal: AbortSignal.abort() })).rejects.toMatchObject({
      name: 'AbortError',
    });
  });

  it('follows a redirect from the frame it received, sending the call once', async () => {
    const { server, batchFetch, url } = setup((call) =>
      call.path === '/old'
        ? { status: 301, headers: [['location', '/new']], body: { kind: 'none' } }
        : json({ at: call.path }),
    );
    const result = await batchFetch.call(url('/old'));
    expect(result).toMatchObject({ status: 200, body: { at: '/new' } });
    const paths = server.batches.flatMap((batch) => batch.request.calls.map((call) => call.path));
    expect(paths).toEqual(['/old', '/new']);
  });

  it('sends calls it cannot batch through the underlying fetch and reads their answer', async () => {
    const { server, batchFetch, url } = setup(() => json({ batched: true }));
    const result = await batchFetch.call(url('/direct'), { batch: false });
    expect(server.direct).toHaveLength(1);
    expect(result).toMatchObject({ status: 200, ok: true });
    expect(result.header('x-direct')).toBe('1');
    expect(new TextDecoder().decode(result.body as Uint8Array)).toBe('direct GET /direct');
  });
});
