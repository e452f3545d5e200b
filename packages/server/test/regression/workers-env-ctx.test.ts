// Issue 13: on Cloudflare Workers the runtime calls `fetch(request, env, ctx)`, but createBatchHandler
// called `options.fetch(request)` only, so a Hono route behind it saw no `c.env` (bindings) and threw
// on `c.executionCtx`. Both must reach the route, for batched calls and for pass-through requests,
// with and without server-wide admission (which wraps the app).
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { createAdmissionController } from '../../src/admission/admission-controller.ts';
import { createBatchHandler } from '../../src/create-batch-handler.ts';
import { batchRequest, bodyText, collectFrames, ORIGIN, resultsById } from '../../src/test-support/batch.ts';
import { ExecutionContext, type GreetingEnv } from '../../src/test-support/workers.ts';

function worker(withAdmission: boolean) {
  const app = new Hono<{ Bindings: GreetingEnv }>().get('/api/hello/:name', (c) => {
    c.executionCtx.waitUntil(Promise.resolve(c.req.param('name')));
    return c.json({ greeting: `${c.env.GREETING}, ${c.req.param('name')}` });
  });
  return createBatchHandler({
    fetch: app.fetch,
    ...(withAdmission ? { admission: createAdmissionController({ concurrency: 4 }) } : {}),
  });
}

describe.each([false, true])('env and ctx reach a Hono route (admission: %s)', (withAdmission) => {
  it('for a request that is not for the batch endpoint', async () => {
    const handler = worker(withAdmission);
    const ctx = new ExecutionContext();
    const response = await handler(new Request(`${ORIGIN}/api/hello/ada`), { GREETING: 'hi' }, ctx);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ greeting: 'hi, ada' });
    expect(await Promise.all(ctx.waited)).toEqual(['ada']);
  });

  it('for every call of a batch', async () => {
    const handler = worker(withAdmission);
    const ctx = new ExecutionContext();
    const request = batchRequest([
      { id: 1, path: '/api/hello/ada' },
      { id: 2, path: '/api/hello/grace' },
    ]);
    const response = await handler(request, { GREETING: 'hello' }, ctx);
    expect(response.status).toBe(200);
    const results = resultsById(await collectFrames(response));
    expect(results.get(1)?.status).toBe(200);
    expect(JSON.parse(bodyText(results.get(1)!.body))).toEqual({ greeting: 'hello, ada' });
    expect(JSON.parse(bodyText(results.get(2)!.body))).toEqual({ greeting: 'hello, grace' });
    expect((await Promise.all(ctx.waited)).sort()).toEqual(['ada', 'grace']);
  });
});

it('a handler called with the request alone still calls the app with the request alone', async () => {
  const seen: number[] = [];
  const handler = createBatchHandler({
    fetch: (...args: unknown[]) => {
      seen.push(args.length);
      return new Response('ok');
    },
  });
  await handler(new Request(`${ORIGIN}/x`));
  await collectFrames(await handler(batchRequest([{ id: 1, path: '/x' }])));
  expect(seen).toEqual([1, 1]);
});
