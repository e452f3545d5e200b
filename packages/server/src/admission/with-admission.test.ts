import { describe, expect, it } from 'vitest';
import { createAdmissionController } from './admission-controller.ts';
import { parseUrgency, priorityFromHeader } from './priority-header.ts';
import { withAdmission } from './with-admission.ts';

function deferred<TValue = void>() {
  let resolve!: (value: TValue) => void;
  const promise = new Promise<TValue>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('parseUrgency (RFC 9218 Priority header)', () => {
  it.each([
    [null, 3],
    ['', 3],
    ['u=0', 0],
    ['u=7', 7],
    ['u=5, i', 5],
    ['i, u=1', 1],
    [' u = 2 ', 2],
    ['u=1;x=2', 1],
    ['u=1, u=6', 6], // a repeated key: the last value wins (RFC 8941 section 3.2)
    ['u=8', 3], // out of range: ignored
    ['u=-1', 3],
    ['u=1.5', 3],
    ['u=?1', 3],
    ['u', 3],
    ['x=1', 3],
    [`${'x'.repeat(300)}, u=0`, 3], // only the first 256 characters are read
  ])('%j -> %d', (header, urgency) => {
    expect(parseUrgency(header)).toBe(urgency);
  });

  it('maps urgency onto the protocol priorities', () => {
    const request = (priority?: string) =>
      new Request('http://app.test/', priority === undefined ? {} : { headers: { priority } });
    expect(priorityFromHeader(request('u=0'))).toBe('high');
    expect(priorityFromHeader(request('u=2'))).toBe('high');
    expect(priorityFromHeader(request())).toBe('auto');
    expect(priorityFromHeader(request('u=3'))).toBe('auto');
    expect(priorityFromHeader(request('u=4'))).toBe('low');
    expect(priorityFromHeader(request('u=7, i'))).toBe('low');
  });
});

describe('withAdmission', () => {
  it('runs requests within the limit, sheds the rest with 503, Retry-After and problem details', async () => {
    const admission = createAdmissionController({ concurrency: 1, reservedForHigh: 0, maxQueue: 1 });
    const gate = deferred();
    const seen: string[] = [];
    const handler = withAdmission(async (request) => {
      seen.push(new URL(request.url).pathname);
      await gate.promise;
      return new Response('ok');
    }, admission);
    const first = handler(new Request('http://app.test/first'));
    const second = handler(new Request('http://app.test/second'));
    const third = await handler(new Request('http://app.test/third'));
    expect(third.status).toBe(503);
    expect(third.headers.get('retry-after')).toBe('1');
    expect(third.headers.get('cache-control')).toBe('no-store');
    expect(third.headers.get('content-type')).toBe('application/problem+json');
    expect(await third.json()).toMatchObject({ code: 'OVERLOADED', status: 503 });
    await flush();
    expect(seen).toEqual(['/first']);
    gate.resolve();
    expect(await (await first).text()).toBe('ok');
    expect(await (await second).text()).toBe('ok');
    expect(seen).toEqual(['/first', '/second']);
    expect(admission.stats()).toMatchObject({ inFlight: 0, queued: 0, shed: { auto: 1 } });
  });

  it('releases the permit when the handler throws, and passes the error on', async () => {
    const admission = createAdmissionController({ concurrency: 1, reservedForHigh: 0 });
    const handler = withAdmission(() => {
      throw new Error('app failed');
    }, admission);
    await expect(handler(new Request('http://app.test/'))).rejects.toThrow('app failed');
    expect(admission.stats().inFlight).toBe(0);
  });

  it('admits by the Priority header: a u=0 request jumps queued u=6 ones and evicts one when full', async () => {
    const admission = createAdmissionController({ concurrency: 1, reservedForHigh: 0, maxQueue: 2 });
    const gate = deferred();
    const order: string[] = [];
    const handler = withAdmission(async (request) => {
      order.push(new URL(request.url).pathname);
      await gate.promise;
      return new Response('ok');
    }, admission);
    const get = (path: string, priority: string) =>
      handler(new Request(`http://app.test${path}`, { headers: { priority } }));
    const running = get('/running', 'u=6');
    const lowA = get('/low-a', 'u=6');
    const lowB = get('/low-b', 'u=6');
    const urgent = get('/urgent', 'u=0'); // the queue is full: /low-b gives up its place
    expect((await lowB).status).toBe(503);
    gate.resolve();
    await Promise.all([running, lowA, urgent]);
    expect(order).toEqual(['/running', '/urgent', '/low-a']);
  });

  it('skips admission for bypassed requests, and takes a custom priorityOf', async () => {
    const admission = createAdmissionController({ concurrency: 1, reservedForHigh: 0, maxQueue: 1 });
    const gate = deferred();
    const handler = withAdmission(
      async (request) => {
        if (new URL(request.url).pathname === '/slow') await gate.promise;
        return new Response('ok');
      },
      admission,
      {
        bypass: (request) => new URL(request.url).pathname === '/health',
        priorityOf: (request) => (request.headers.has('authorization') ? 'high' : 'low'),
      },
    );
    const slow = handler(new Request('http://app.test/slow'));
    expect((await handler(new Request('http://app.test/health'))).status).toBe(200);
    expect(admission.stats().admitted).toEqual({ high: 0, auto: 0, low: 1 });
    gate.resolve();
    await slow;
  });

  it('drops a queued request whose client went away, without running it', async () => {
    const admission = createAdmissionController({ concurrency: 1, reservedForHigh: 0 });
    const gate = deferred();
    let runs = 0;
    const handler = withAdmission(async () => {
      runs++;
      await gate.promise;
      return new Response('ok');
    }, admission);
    const first = handler(new Request('http://app.test/'));
    const controller = new AbortController();
    const gone = handler(new Request('http://app.test/', { signal: controller.signal }));
    controller.abort();
    expect((await gone).status).toBe(499); // answered, not thrown: the adapter would log a throw as a failure
    expect(admission.stats().queued).toBe(0);
    gate.resolve();
    await first;
    expect(runs).toBe(1);
  });

  it('refuses a handler that is not a function', () => {
    const admission = createAdmissionController();
    expect(() => withAdmission(undefined as never, admission)).toThrow(TypeError);
  });
});
