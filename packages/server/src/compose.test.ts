import { describe, expect, it } from 'vitest';
import { compose, isPassResponse, passResponse } from './compose.ts';

describe('compose', () => {
  it('answers with the first handler that does not pass, handing the request on untouched', async () => {
    const seen: string[] = [];
    const handler = compose(
      () => passResponse(),
      async (request) => {
        seen.push(`${request.method} ${await request.text()}`);
        return new Response('second');
      },
      () => new Response('third'),
    );
    const response = await handler(new Request('http://x.test/a', { method: 'POST', body: 'payload' }));
    expect(await response.text()).toBe('second');
    expect(seen).toEqual(['POST payload']);
  });

  it('answers a plain 404 when every handler passes, and keeps real 404s', async () => {
    const all = await compose(passResponse, passResponse)(new Request('http://x.test/'));
    expect(all.status).toBe(404);
    expect(isPassResponse(all)).toBe(true);
    const real = await compose(
      () => new Response('gone', { status: 404 }),
      () => new Response('never'),
    )(new Request('http://x.test/'));
    expect(await real.text()).toBe('gone');
    expect(isPassResponse(real)).toBe(false);
  });

  it('refuses what is not a handler', () => {
    expect(() => compose()).toThrow(TypeError);
    expect(() => compose('x' as never)).toThrow(/handler 0 is string/);
  });
});
