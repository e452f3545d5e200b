// Server CPU per call, in-process (no sockets, so only the server's own work is counted): the peer is
// the app answering each call unbatched (`new Request` + `app(request)` + reading the body, what any
// Web-standard server does per request, minus HTTP), against the same calls through createBatchHandler
// with JSON sent as msgpack values (the default) and as raw bytes, and with zlib response compression.
// The batched figures include building the batch request and draining the response bytes.
//
//   pnpm bench:server            (from the repo root)

import { Duplex } from 'node:stream';
import { createBrotliDecompress } from 'node:zlib';
import { BATCH_MEDIA_TYPE, createBatchId, encodeBatchRequest, NO_BODY, readFrames } from '@wirepack/protocol';
import { nodeCompression } from '../src/adapters/node.ts';
import { type BatchHandlerOptions, createBatchHandler } from '../src/index.ts';

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

function batched(
  jsonAsValues: boolean,
  acceptEncoding = 'identity',
  encoders?: BatchHandlerOptions['encoders'],
): () => Promise<void> {
  const handler = createBatchHandler({
    fetch: app,
    jsonAsValues,
    limits: { concurrency: CALLS_PER_BATCH },
    ...(encoders ? { encoders } : {}),
  });
  let checked = false;
  return async () => {
    const response = await handler(
      new Request(`${ORIGIN}/__wirepack`, {
        method: 'POST',
        headers: { 'content-type': BATCH_MEDIA_TYPE, 'accept-encoding': acceptEncoding },
        body: batchBytes() as Uint8Array<ArrayBuffer>,
      }),
    );
    let body = response.body as ReadableStream<Uint8Array>;
    const encoding = response.headers.get('content-encoding');
    if (encoding === 'gzip') {
      body = body.pipeThrough(
        new DecompressionStream('gzip') as unknown as TransformStream<Uint8Array, Uint8Array>,
      );
    } else if (encoding === 'br') {
      body = body.pipeThrough(
        Duplex.toWeb(createBrotliDecompress()) as unknown as TransformStream<Uint8Array, Uint8Array>,
      );
    }
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
const peer = await measure('unbatched app.fetch (peer)', unbatched);
const values = await measure('batched, JSON as msgpack values', batched(true));
const bytes = await measure('batched, JSON as bytes', batched(false));
const zlibGzip = await measure(
  'batched, gzip (zlib, nodeCompression)',
  batched(true, 'gzip', nodeCompression().encoders),
);
const zlibBr = await measure(
  'batched, br q4 (zlib, nodeCompression)',
  batched(true, 'br', nodeCompression().encoders),
);
console.log(
  `compression cost per call (incl. the reader's inflate): zlib gzip ${(zlibGzip - values).toFixed(1)} us, zlib br ${(zlibBr - values).toFixed(1)} us`,
);
console.log(
  `ratios vs peer: values ${(values / peer).toFixed(2)}x, bytes ${(bytes / peer).toFixed(2)}x; ` +
    `JSON-as-value cost ${(values - bytes).toFixed(1)} us/call`,
);
