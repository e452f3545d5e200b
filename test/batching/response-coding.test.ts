// Which coding a Node client's batch responses travel in. Node's fetch (undici) decodes br but asks
// only for `gzip, deflate`, so the client asks for br itself when batches go through the runtime's
// fetch (br makes a batch stream smaller for less CPU), and asks for nothing extra through a fetch it
// was given, which may not decode br. Real client, real server and Node adapter on 127.0.0.1.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createBatchFetch } from '@wirepack/client';
import { createBatchHandler } from '@wirepack/server';
import { toNodeListener } from '@wirepack/server/node';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

let server: Server;
let origin: string;
/** `Accept-Encoding` of each batch POST, as the server received it. */
const asked: Array<string | null> = [];
/** The coding of each compressed response. */
const sent: string[] = [];

beforeAll(async () => {
  const handler = createBatchHandler({
    fetch: (request) => {
      const id = Number(new URL(request.url).pathname.split('/').pop());
      return Response.json({ id, name: `User ${id}`, email: `user${id}@example.com` });
    },
  });
  server = createServer(
    toNodeListener(
      (request) => {
        if (new URL(request.url).pathname === handler.endpoint)
          asked.push(request.headers.get('accept-encoding'));
        return handler(request);
      },
      { compression: { onCompressed: (coding) => sent.push(coding) } },
    ),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** 100 calls in one batch: a response well past the 1 KiB below which nothing is compressed. */
async function hundredCalls(fetchFn: typeof fetch): Promise<unknown[]> {
  return Promise.all(
    Array.from({ length: 100 }, async (_, id) => (await fetchFn(`${origin}/api/users/${id}`)).json()),
  );
}

describe('batch response coding from Node', () => {
  beforeEach(() => {
    asked.length = 0;
    sent.length = 0;
  });

  it("asks for br through the runtime's fetch, and decodes what comes back", async () => {
    const api = createBatchFetch({ endpoint: `${origin}/__wirepack` });
    const users = await hundredCalls(api);
    expect(users[42]).toEqual({ id: 42, name: 'User 42', email: 'user42@example.com' });
    expect(asked).toEqual(['br, gzip, deflate']);
    expect(sent).toEqual(['br']);
  });

  it('asks for nothing extra through a fetch it was given (it may not decode br)', async () => {
    const api = createBatchFetch({
      endpoint: `${origin}/__wirepack`,
      fetch: (input, init) => globalThis.fetch(input, init),
    });
    const users = await hundredCalls(api);
    expect(users[7]).toEqual({ id: 7, name: 'User 7', email: 'user7@example.com' });
    expect(asked).toEqual(['gzip, deflate']); // undici's own default
    expect(sent).toEqual(['gzip']);
  });

  it("keeps an Accept-Encoding the app set in the client's headers", async () => {
    const api = createBatchFetch({
      endpoint: `${origin}/__wirepack`,
      headers: { 'accept-encoding': 'gzip' },
    });
    await hundredCalls(api);
    expect(asked).toEqual(['gzip']);
    expect(sent).toEqual(['gzip']);
  });
});
