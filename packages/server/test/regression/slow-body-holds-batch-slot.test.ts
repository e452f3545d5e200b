// Issue 9, item 4: a batch took its slot before its body was read, and reading had no deadline, so
// three clients trickling their bodies at a byte a second kept a maxConcurrentBatches=3 server at 503
// for everyone. The body is now read before the slot is taken, against a deadline (408 BODY_TIMEOUT).
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect, type Socket } from 'node:net';
import { BATCH_MEDIA_TYPE } from '@wirepack/protocol';
import { afterEach, expect, it } from 'vitest';
import { toNodeListener } from '../../src/adapters/node.ts';
import { createBatchHandler } from '../../src/index.ts';
import { batchBody, collectFrames, resultsById } from '../../src/test-support/batch.ts';

let server: Server | undefined;
const sockets: Socket[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
});

/** A server whose `arrived(n)` resolves once n requests have reached the handler. */
async function start(
  limits: Record<string, number>,
): Promise<{ port: number; arrived: (n: number) => Promise<void> }> {
  const handler = createBatchHandler({
    fetch: () => Response.json({ ok: true }),
    limits,
    onError: () => {
      // Nothing in these tests throws.
    },
  });
  const listener = toNodeListener(handler, { compression: false });
  let count = 0;
  const waiters: Array<[number, () => void]> = [];
  server = createServer((req: IncomingMessage, res) => {
    count++;
    for (const [n, resolve] of waiters) if (count >= n) resolve();
    listener(req, res);
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const arrived = (n: number): Promise<void> =>
    count >= n ? Promise.resolve() : new Promise((resolve) => waiters.push([n, resolve]));
  return { port, arrived };
}

/** Opens a connection that sends a batch's head and its first byte, then nothing more. */
function trickle(port: number): { socket: Socket; answer: Promise<string> } {
  const body = batchBody([{ id: 1, path: '/x' }]);
  const socket = connect(port, '127.0.0.1');
  sockets.push(socket);
  socket.write(
    `POST /__wirepack HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: ${BATCH_MEDIA_TYPE}\r\ncontent-length: ${body.byteLength}\r\n\r\n`,
  );
  socket.write(body.subarray(0, 1));
  let text = '';
  const answer = new Promise<string>((resolve) => {
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1');
    });
    socket.on('close', () => resolve(text));
    socket.on('error', () => resolve(text));
  });
  return { socket, answer };
}

async function postBatch(port: number): Promise<Response> {
  return fetch(`http://127.0.0.1:${port}/__wirepack`, {
    method: 'POST',
    headers: { 'content-type': BATCH_MEDIA_TYPE },
    body: batchBody([{ id: 7, path: '/x' }]) as Uint8Array<ArrayBuffer>,
  });
}

it('serves other clients while three bodies trickle in on a maxConcurrentBatches=3 server', async () => {
  const { port, arrived } = await start({ maxConcurrentBatches: 3 });
  for (let i = 0; i < 3; i++) trickle(port);
  await arrived(3); // the three slow batches are in the handler, reading their bodies
  const response = await postBatch(port);
  expect(response.status).toBe(200);
  expect(resultsById(await collectFrames(response)).get(7)?.status).toBe(200);
});

it('answers a body that stops arriving with 408 BODY_TIMEOUT and closes the connection', async () => {
  const { port, arrived } = await start({ bodyTimeoutMs: 200, minBodyBytesPerSecond: 1024 });
  const slow = trickle(port);
  await arrived(1);
  const answer = await slow.answer; // the server closes the connection after its answer
  expect(answer).toMatch(/^HTTP\/1\.1 408 /);
  expect(answer.toLowerCase()).toContain('connection: close');
  expect(answer).toContain('"code":"BODY_TIMEOUT"');
  // The server is still up and serves the next batch.
  expect((await postBatch(port)).status).toBe(200);
}, 10_000);
