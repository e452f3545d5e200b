// Server CPU per call, in-process (no sockets, so only the server's own work is counted): the peer is
// the app answering each call unbatched (`new Request` + `app(request)` + reading the body, what any
// Web-standard server does per request, minus HTTP), against the same calls through createBatchHandler
// with JSON sent as msgpack values (the default) and as raw bytes. The batched figures include building
// the batch request and draining the response bytes.
//
// Then the same batches over real HTTP on 127.0.0.1 through toNodeListener (the Node<->Web bridge and
// the compression stage: identity, gzip, br q4), with a keep-alive node:http client in the same process,
// and plain unbatched GETs of the same app through the same listener. These figures are whole-process
// CPU (client included, the same client for every adapter version), so compare them between runs of
// this script on different commits, not with the in-process ones.
//
//   pnpm bench:server            (from the repo root)

import { Agent, createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BATCH_MEDIA_TYPE, createBatchId, encodeBatchRequest, NO_BODY, readFrames } from '@wirepack/protocol';
import { toNodeListener } from '../src/adapters/node.ts';
import { createBatchHandler, createCallRoutes } from '../src/index.ts';

const CALLS_PER_BATCH = Number(process.env.CALLS ?? 100);
const ROUNDS = Number(process.env.ROUNDS ?? 200);
const ORIGIN = 'http://bench.test';

const user = (id: number) => ({
  id,
  name: `User ${id}`,
  email: `user${id}@example.test`,
  roles: ['reader', 'writer'],
  active: id % 2 === 0,
  score: id * 1.5,
});

const app = async (request: Request): Promise<Response> => {
  const id = Number(new URL(request.url).pathname.split('/').pop());
  return new Response(JSON.stringify(user(id)), { headers: { 'content-type': 'application/json' } });
};

function batchBytes(): Uint8Array {
  return encodeBatchRequest({
    batchId: createBatchId(),
    calls: Array.from({ length: CALLS_PER_BATCH }, (_, id) => ({
      id,
      method: 'GET',
      path: `/api/users/${id + 1}`,
      headers: [['accept', 'application/json']],
      body: NO_BODY,
      priority: 'auto',
    })),
  });
}

async function unbatched(): Promise<void> {
  await Promise.all(
    Array.from({ length: CALLS_PER_BATCH }, async (_, id) => {
      const response = await app(
        new Request(`${ORIGIN}/api/users/${id + 1}`, { headers: { accept: 'application/json' } }),
      );
      JSON.parse(await response.text());
    }),
  );
}

/** The same endpoint as a light route (issue 11): the call object in, the record out. */
const routes = createCallRoutes().get('/api/users/:id', async (call) => {
  // WORK=1: 1 ms of asynchronous work per call, as in bench:batching.
  if (process.env.WORK === '1') await new Promise((resolve) => setTimeout(resolve, 1));
  return user(Number(call.params.id));
});

function batched(jsonAsValues: boolean, light = false): () => Promise<void> {
  const handler = createBatchHandler({
    fetch: app,
    jsonAsValues,
    limits: { concurrency: CALLS_PER_BATCH },
    ...(light ? { routes } : {}),
  });
  let checked = false;
  return async () => {
    const response = await handler(
      new Request(`${ORIGIN}/__wirepack`, {
        method: 'POST',
        headers: { 'content-type': BATCH_MEDIA_TYPE },
        body: batchBytes() as Uint8Array<ArrayBuffer>,
      }),
    );
    const body = response.body as ReadableStream<Uint8Array>;
    if (!checked) {
      // Decode once to prove the answers are right; after that only drain the bytes, so the figures
      // are the server's work and not the client's decoding.
      let frames = 0;
      for await (const _frame of readFrames(body)) frames++;
      if (frames !== CALLS_PER_BATCH + 1)
        throw new Error(`expected ${CALLS_PER_BATCH + 1} frames, got ${frames}`);
      checked = true;
      return;
    }
    const reader = body.getReader();
    while (!(await reader.read()).done) {
      // drain
    }
  };
}

/** A toNodeListener server on 127.0.0.1 and a keep-alive client; the body is drained, not decoded. */
async function overHttp(): Promise<{
  batch: (acceptEncoding: string) => () => Promise<void>;
  plain: () => Promise<void>;
  close: () => Promise<void>;
}> {
  const handler = createBatchHandler({
    fetch: app,
    ...(process.env.CONCURRENCY === 'default' ? {} : { limits: { concurrency: CALLS_PER_BATCH } }),
    ...(process.env.LIGHT === '1' ? { routes } : {}),
  });
  const server = createServer(toNodeListener(handler));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const agent = new Agent({ keepAlive: true, maxSockets: 8 });
  const send = (method: string, path: string, headers: Record<string, string>, body?: Uint8Array) =>
    new Promise<void>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, method, path, headers, agent }, (res) => {
        if (res.statusCode !== 200) reject(new Error(`status ${res.statusCode}`));
        res.on('data', () => undefined);
        res.on('end', resolve);
      });
      req.on('error', reject);
      req.end(body);
    });
  return {
    batch: (acceptEncoding) => () =>
      send(
        'POST',
        '/__wirepack',
        { 'content-type': BATCH_MEDIA_TYPE, 'accept-encoding': acceptEncoding },
        batchBytes(),
      ),
    plain: () =>
      Promise.all(
        Array.from({ length: CALLS_PER_BATCH }, (_, id) =>
          send('GET', `/api/users/${id + 1}`, { accept: 'application/json', 'accept-encoding': 'gzip, br' }),
        ),
      ).then(() => undefined),
    close: async () => {
      agent.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

async function measure(name: string, run: () => Promise<void>): Promise<number> {
  for (let i = 0; i < 20; i++) await run(); // warm up
  const cpu = process.cpuUsage();
  const start = performance.now();
  for (let i = 0; i < ROUNDS; i++) await run();
  const used = process.cpuUsage(cpu);
  const wall = performance.now() - start;
  const calls = ROUNDS * CALLS_PER_BATCH;
  const usPerCall = (used.user + used.system) / calls;
  console.log(
    `${name.padEnd(34)} ${usPerCall.toFixed(1).padStart(6)} us CPU/call  ${(calls / (wall / 1000)).toFixed(0).padStart(7)} calls/s`,
  );
  return usPerCall;
}

console.log(`[wirepack/server bench] ${ROUNDS} rounds x ${CALLS_PER_BATCH} calls, Node ${process.version}`);
if (process.env.ONLY === 'values') {
  // For profiling the batched path alone: ONLY=values node --cpu-prof ...
  await measure('batched, JSON as msgpack values', batched(true));
  process.exit(0);
}
if (process.env.ONLY === 'light') {
  await measure('batched, light route', batched(true, true));
  process.exit(0);
}
if (process.env.ONLY === 'http') {
  // One HTTP figure for profiling (LIGHT=1: the light route): ONLY=http ENCODING=br node --cpu-prof ...
  const http = await overHttp();
  await measure(
    `HTTP batch, ${process.env.ENCODING ?? 'identity'}`,
    http.batch(process.env.ENCODING ?? 'identity'),
  );
  await http.close();
  process.exit(0);
}
const peer = await measure('unbatched app.fetch (peer)', unbatched);
const values = await measure('batched, JSON as msgpack values', batched(true));
const bytes = await measure('batched, JSON as bytes', batched(false));
const light = await measure('batched, light route (routes)', batched(true, true));
console.log(
  `ratios vs peer: values ${(values / peer).toFixed(2)}x, bytes ${(bytes / peer).toFixed(2)}x, light route ${(light / peer).toFixed(2)}x; ` +
    `JSON-as-value cost ${(values - bytes).toFixed(1)} us/call`,
);
const http = await overHttp();
try {
  const identity = await measure('HTTP batch, identity', http.batch('identity'));
  const gzip = await measure('HTTP batch, gzip', http.batch('gzip'));
  const br = await measure('HTTP batch, br q4', http.batch('br'));
  await measure('HTTP unbatched GETs (8 sockets)', http.plain);
  console.log(
    `compression cost per call over HTTP: gzip ${(gzip - identity).toFixed(1)} us, br ${(br - identity).toFixed(1)} us`,
  );
} finally {
  await http.close();
}
