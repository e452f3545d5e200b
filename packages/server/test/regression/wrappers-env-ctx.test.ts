// Stop 14 noticed, issue 13 follow-up: createBatchHandler hands `env` and `ctx` of a Workers
// `fetch(request, env, ctx)` to the app, but the layers one puts in front of the app dropped them:
// compose(), createResponseCache() and createMsgpackHandler() called the next handler with the
// request only, so a Hono route behind any of them saw no `c.env` and threw on `c.executionCtx`.

import { encodeValue } from '@wirepack/protocol';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { createResponseCache } from '../../src/cache/create-response-cache.ts';
import { compose, passResponse } from '../../src/compose.ts';
import { createMsgpackHandler } from '../../src/msgpack/create-msgpack-handler.ts';
import { ExecutionContext, type GreetingEnv } from '../../src/test-support/workers.ts';

const app = new Hono<{ Bindings: GreetingEnv }>()
  .get('/api/hello/:name', (c) => {
    c.executionCtx.waitUntil(Promise.resolve(c.req.param('name')));
    c.header('cache-control', 'max-age=60');
    return c.json({ greeting: `${c.env.GREETING}, ${c.req.param('name')}` });
  })
  .post('/api/echo', async (c) => {
    c.executionCtx.waitUntil(Promise.resolve('echo'));
    return c.json({ greeting: c.env.GREETING, body: await c.req.json() });
  });

const wrappers = {
  compose: () => compose(() => passResponse(), app.fetch),
  createResponseCache: () => createResponseCache({ fetch: app.fetch }),
  createMsgpackHandler: () => createMsgpackHandler({ fetch: app.fetch }),
};

describe.each(Object.entries(wrappers))('%s hands env and ctx to the app', (_name, wrap) => {
  it('on a GET', async () => {
    const ctx = new ExecutionContext();
    const response = await wrap()(new Request('http://app.test/api/hello/ada'), { GREETING: 'hi' }, ctx);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ greeting: 'hi, ada' });
    expect(await Promise.all(ctx.waited)).toEqual(['ada']);
  });
});

describe('the msgpack and cache layers forward env and ctx past their own work', () => {
  it('a msgpack body decoded for a JSON route', async () => {
    const ctx = new ExecutionContext();
    const request = new Request('http://app.test/api/echo', {
      method: 'POST',
      headers: { 'content-type': 'application/msgpack' },
      body: encodeValue({ n: 1 }) as Uint8Array<ArrayBuffer>,
    });
    const response = await createMsgpackHandler({ fetch: app.fetch })(request, { GREETING: 'yo' }, ctx);
    expect(await response.json()).toEqual({ greeting: 'yo', body: { n: 1 } });
    expect(await Promise.all(ctx.waited)).toEqual(['echo']);
  });

  it('a cache miss reaches the app with them, a hit does not call it', async () => {
    const cache = createResponseCache({ fetch: app.fetch });
    const ctx = new ExecutionContext();
    const first = await cache(new Request('http://app.test/api/hello/grace'), { GREETING: 'hey' }, ctx);
    expect(await first.json()).toEqual({ greeting: 'hey, grace' });
    const second = await cache(new Request('http://app.test/api/hello/grace'), { GREETING: 'other' }, ctx);
    expect(await second.json()).toEqual({ greeting: 'hey, grace' });
    expect(ctx.waited).toHaveLength(1);
  });
});
