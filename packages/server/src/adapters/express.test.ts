import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BATCH_MEDIA_TYPE, createBatchId, type ResultFrame, readFrames } from '@wirepack/protocol';
import DataLoader from 'dataloader';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { getBatchContext, getSubRequestInfo } from '../index.ts';
import {
  batchBody,
  bodyText,
  cancelRequest,
  collectFrames,
  resultsById,
  sendOverHttp,
} from '../test-support/batch.ts';
import { createExpressMiddleware } from './node.ts';

interface Ctx {
  readonly users: DataLoader<string, { id: string }>;
}

let queries = 0;
const aborted: string[] = [];
const started: string[] = [];
const loadUsers = async (ids: readonly string[]) => {
  queries++;
  return ids.map((id) => ({ id }));
};

const app = express();
// Production error pages: the final handler then keeps error details off the wire, batched or not.
app.set('env', 'production');
const middleware = createExpressMiddleware<Ctx>({
  createContext: () => ({ users: new DataLoader(loadUsers, { cache: false }) }),
  onError: () => {
    // Asserted through the frames.
  },
});
app.use(middleware);
app.use(express.json());
app.use((_req, res, next) => {
  // An app middleware that runs for batched and unbatched requests alike (sessions, auth ...).
  res.setHeader('x-app-middleware', 'ran');
  next();
});
app.get('/api/users/:id', async (req, res) => {
  const loader = getBatchContext<Ctx>(req)?.users ?? new DataLoader(loadUsers);
  res.json(await loader.load(req.params.id));
});
app.post('/api/echo', (req, res) => {
  res.json({
    body: req.body,
    cookie: req.headers.cookie ?? null,
    ip: req.ip,
    batched: !!getSubRequestInfo(req),
  });
});
app.get('/api/text', (_req, res) => {
  res.type('text/plain').send('plain text');
});
/** Wakes the `/api/after-abort?key=` requests waiting for that key's hanging request to be aborted. */
const abortWaiters = new Map<string, Array<() => void>>();
const whenAborted = (key: string): Promise<void> =>
  aborted.includes(key)
    ? Promise.resolve()
    : new Promise((resolve) => abortWaiters.set(key, [...(abortWaiters.get(key) ?? []), resolve]));
app.get('/api/after-abort', async (req, res) => {
  // A call that finishes after another one was cancelled, whatever the machine's speed.
  await whenAborted(String(req.query.key));
  res.json({ after: 'abort' });
});
app.get('/api/hang', (req, res) => {
  const key = String(req.query.key);
  started.push(key);
  res.on('close', () => {
    if (res.writableFinished) return;
    aborted.push(key);
    for (const wake of abortWaiters.get(key) ?? []) wake();
    abortWaiters.delete(key);
  });
});
app.get('/api/pad', (req, res) => {
  res.json({ pad: 'x'.repeat(Number(req.query.n ?? 0)) });
});
app.get('/api/redirect', (_req, res) => res.redirect(302, '/api/text'));
app.get('/api/throw', () => {
  throw new Error('express route failure (secret)');
});
app.post('/api/ignore-body', (_req, res) => res.send('ignored'));
app.use((_error: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
  res.status(500).type('text/plain').send('Internal Server Error');
});

let server: Server;
let base: string;
let connections = 0;

beforeAll(async () => {
  server = createServer(app);
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

async function postBatch(body: Uint8Array, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${base}/__wirepack`, {
    method: 'POST',
    headers: { 'content-type': BATCH_MEDIA_TYPE, ...headers },
    body: body as Uint8Array<ArrayBuffer>,
  });
}

describe('createExpressMiddleware', () => {
  it('compresses batch responses from a 1 KiB first chunk, as toNodeListener does', async () => {
    for (const [n, encoding] of [
      [2000, 'gzip'],
      [10, null],
    ] as const) {
      const response = await postBatch(batchBody([{ id: 1, path: `/api/pad?n=${n}` }]), {
        'accept-encoding': 'gzip',
      });
      expect(response.headers.get('content-encoding')).toBe(encoding);
      expect(response.headers.get('vary')).toBe('accept-encoding');
      expect(resultsById(await collectFrames(response)).get(1)?.body).toEqual({
        kind: 'json',
        value: { pad: 'x'.repeat(n) },
      });
    }
  });

  it('dispatches sub-requests into the same Express app in-process (one connection, app middleware runs)', async () => {
    const before = connections;
    const response = await postBatch(
      batchBody([
        { id: 1, path: '/api/users/a' },
        { id: 2, path: '/api/users/b' },
        { id: 3, path: '/api/echo', method: 'POST', body: { kind: 'json', value: { hello: 'express' } } },
        { id: 4, path: '/api/text' },
        { id: 5, path: '/api/redirect' },
        { id: 6, path: '/api/missing' },
        { id: 7, path: '/api/throw' },
      ]),
      { cookie: 'sid=1', connection: 'close' },
    );
    const frames = await collectFrames(response);
    expect(connections - before).toBe(1);
    const results = resultsById(frames);
    expect(results.get(1)?.body).toEqual({ kind: 'json', value: { id: 'a' } });
    expect(results.get(3)?.body).toEqual({
      kind: 'json',
      value: { body: { hello: 'express' }, cookie: 'sid=1', ip: '127.0.0.1', batched: true },
    });
    expect(bodyText((results.get(4) as ResultFrame).body)).toBe('plain text');
    expect(new Headers(results.get(4)?.headers as Array<[string, string]>).get('x-app-middleware')).toBe(
      'ran',
    );
    expect(results.get(5)?.status).toBe(302);
    expect(new Headers(results.get(5)?.headers as Array<[string, string]>).get('location')).toBe('/api/text');
    expect(results.get(6)?.status).toBe(404);
    expect(results.get(7)?.status).toBe(500);
    expect(JSON.stringify(frames)).not.toContain('secret');
  });

  it('answers exactly like an unbatched request to the same app', async () => {
    for (const path of ['/api/text', '/api/users/x', '/api/missing', '/api/throw']) {
      const direct = await fetch(`${base}${path}`);
      const bytes = Buffer.from(await direct.arrayBuffer());
      const frame = resultsById(await collectFrames(await postBatch(batchBody([{ id: 1, path }])))).get(1);
      expect(frame?.status).toBe(direct.status);
      expect(bodyText((frame as ResultFrame).body)).toBe(bytes.toString());
      expect(new Headers(frame?.headers as Array<[string, string]>).get('content-type')).toBe(
        direct.headers.get('content-type'),
      );
    }
  });

  it('shares a DataLoader per batch through getBatchContext(req)', async () => {
    queries = 0;
    const calls = Array.from({ length: 10 }, (_, id) => ({ id, path: `/api/users/u${id}` }));
    await collectFrames(await postBatch(batchBody(calls)));
    expect(queries).toBe(1);
  });

  it('streams in completion order and cancels a running Express handler', async () => {
    const batchId = createBatchId();
    const response = await postBatch(
      batchBody(
        [
          { id: 1, path: '/api/hang?key=express-cancel' },
          { id: 2, path: '/api/after-abort?key=express-cancel' },
          { id: 3, path: '/api/text' },
        ],
        batchId,
      ),
    );
    // Each step waits on the event before it: call 3's frame while 1 and 2 are still open, then the
    // cancel's frame, then call 2, which the app answers only once call 1 was aborted.
    const frames = readFrames(response.body as ReadableStream<Uint8Array>);
    expect((await frames.next()).value).toMatchObject({ kind: 'result', id: 3, status: 200 });
    await vi.waitFor(() => expect(started).toContain('express-cancel'));
    const answer = await sendOverHttp(cancelRequest(batchId, [1], base));
    expect(answer.status).toBe(204);
    expect((await frames.next()).value).toMatchObject({ kind: 'error', id: 1, code: 'CANCELED' });
    expect((await frames.next()).value).toMatchObject({ kind: 'result', id: 2, status: 200 });
    expect((await frames.next()).value).toMatchObject({ kind: 'end' });
    expect(aborted).toContain('express-cancel');
    expect(middleware.metrics()?.cancels).toBeGreaterThanOrEqual(1);
  });

  it('keeps serving real requests to the same app after injections (regression: light-my-request)', async () => {
    await collectFrames(await postBatch(batchBody([{ id: 1, path: '/api/text' }])));
    // An unread POST body on a real socket, then a JSON one: both must work and the server stay up.
    const ignored = await fetch(`${base}/api/ignore-body`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify({ big: 'y'.repeat(200_000) }),
    });
    expect(await ignored.text()).toBe('ignored');
    const echo = await fetch(`${base}/api/echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ real: true }),
    });
    expect(await echo.json()).toMatchObject({ body: { real: true }, batched: false });
  });

  it('refuses hostile batches with a problem and keeps serving', async () => {
    const bytes = new Uint8Array(64);
    crypto.getRandomValues(bytes);
    const response = await postBatch(bytes);
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
    await response.body?.cancel();
    const frames = await collectFrames(await postBatch(batchBody([{ id: 1, path: '/api/text' }])));
    expect(resultsById(frames).get(1)?.status).toBe(200);
  });

  it('works outside Express with options.app (a plain node:http listener)', async () => {
    const plainApp = (req: IncomingMessage, res: ServerResponse): void => {
      const info = getSubRequestInfo(req);
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ url: req.url, batched: info !== undefined, ip: req.socket.remoteAddress }));
    };
    const plain = createExpressMiddleware({ app: plainApp });
    const plainServer = createServer((req, res) => plain(req, res, () => plainApp(req, res)));
    await new Promise<void>((resolve) => plainServer.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(plainServer.address() as AddressInfo).port}/__wirepack`;
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': BATCH_MEDIA_TYPE },
        body: batchBody([{ id: 1, path: '/hello?x=1' }]) as Uint8Array<ArrayBuffer>,
      });
      const frames = await collectFrames(response);
      expect(resultsById(frames).get(1)?.body).toEqual({
        kind: 'json',
        value: { url: '/hello?x=1', batched: true, ip: '127.0.0.1' },
      });
    } finally {
      plainServer.closeAllConnections();
      await new Promise((resolve) => plainServer.close(resolve));
    }
  });
});
