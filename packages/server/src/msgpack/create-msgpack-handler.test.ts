import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { decodeValue, encodeValue } from '@wirepack/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toNodeListener } from '../adapters/node.ts';
import { prefersMsgpack } from './accept.ts';
import { createMsgpackHandler } from './create-msgpack-handler.ts';

let server: Server;
let base: string;
const received: Array<{ contentType: string | null; text: string }> = [];

beforeAll(async () => {
  const app = async (request: Request): Promise<Response> => {
    const path = new URL(request.url).pathname;
    if (request.method === 'POST') {
      const text = await request.text();
      received.push({ contentType: request.headers.get('content-type'), text });
      return Response.json({ echoed: JSON.parse(text) });
    }
    if (path === '/text') return new Response('plain words');
    if (path === '/proto')
      return new Response('{"__proto__":{"admin":true}}', {
        headers: { 'content-type': 'application/json' },
      });
    return Response.json({ id: 7, tags: ['a', 'b'], nested: { ok: true } }, { headers: { etag: '"j1"' } });
  };
  server = createServer(toNodeListener(createMsgpackHandler({ fetch: app, maxBodyBytes: 4096 })));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const MSGPACK = 'application/msgpack';

describe('createMsgpackHandler over HTTP: responses', () => {
  it('sends JSON as MessagePack when Accept prefers it, with Vary: Accept and a weak ETag', async () => {
    const response = await fetch(`${base}/api/item`, {
      headers: { accept: `${MSGPACK}, application/json;q=0.5` },
    });
    expect(response.headers.get('content-type')).toBe(MSGPACK);
    expect(response.headers.get('vary')).toMatch(/accept/i);
    expect(response.headers.get('etag')).toBe('W/"j1"');
    const bytes = new Uint8Array(await response.arrayBuffer());
    expect(Number(response.headers.get('content-length'))).toBe(bytes.byteLength);
    expect(decodeValue(bytes)).toEqual({ id: 7, tags: ['a', 'b'], nested: { ok: true } });
  });

  it.each([
    ['no Accept', undefined],
    ['*/*', '*/*'],
    ['application/*', 'application/*'],
    ['JSON preferred', `application/json, ${MSGPACK};q=0.8`],
    ['msgpack refused', `${MSGPACK};q=0, */*`],
  ])('keeps JSON for %s, still with Vary: Accept', async (_name, accept) => {
    const response = await fetch(`${base}/api/item`, accept === undefined ? {} : { headers: { accept } });
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(response.headers.get('vary')).toMatch(/accept/i);
    expect(await response.json()).toEqual({ id: 7, tags: ['a', 'b'], nested: { ok: true } });
  });

  it('leaves non-JSON responses and JSON the protocol would refuse (__proto__) as they are', async () => {
    const text = await fetch(`${base}/text`, { headers: { accept: MSGPACK } });
    // The app's own text/plain (Node's Response writes `;charset`, @hono/node-server's `; charset`).
    expect(text.headers.get('content-type')).toMatch(/^text\/plain; ?charset=UTF-8$/);
    expect(await text.text()).toBe('plain words');
    const proto = await fetch(`${base}/proto`, { headers: { accept: MSGPACK } });
    expect(proto.headers.get('content-type')).toBe('application/json');
    expect(await proto.text()).toBe('{"__proto__":{"admin":true}}');
  });
});

describe('createMsgpackHandler over HTTP: request bodies', () => {
  async function post(body: Uint8Array, headers: Record<string, string> = {}): Promise<Response> {
    return fetch(`${base}/api/orders`, {
      method: 'POST',
      headers: { 'content-type': MSGPACK, ...headers },
      body: body as Uint8Array<ArrayBuffer>,
    });
  }

  it('hands a MessagePack body to the app as JSON', async () => {
    received.length = 0;
    const when = new Date('2026-02-03T04:05:06.000Z');
    const response = await post(encodeValue({ sku: 'x-1', qty: 2, at: when }));
    expect(response.status).toBe(200);
    expect(received).toEqual([
      { contentType: 'application/json', text: '{"sku":"x-1","qty":2,"at":"2026-02-03T04:05:06.000Z"}' },
    ]);
    expect(await response.json()).toEqual({ echoed: { sku: 'x-1', qty: 2, at: '2026-02-03T04:05:06.000Z' } });
  });

  it('reads a gzip-encoded MessagePack body', async () => {
    const response = await post(gzipSync(encodeValue({ zipped: true })), { 'content-encoding': 'gzip' });
    expect(await response.json()).toEqual({ echoed: { zipped: true } });
  });

  it.each([
    [
      'a __proto__ key',
      () => new Uint8Array([0x81, 0xa9, ...new TextEncoder().encode('__proto__'), 0xc3]),
      400,
      'FORBIDDEN_KEY',
    ],
    ['truncated MessagePack', () => encodeValue({ a: 'long string here' }).subarray(0, 5), 400, 'TRUNCATED'],
    ['a body over maxBodyBytes', () => encodeValue({ big: 'x'.repeat(5000) }), 413, 'BODY_TOO_LARGE'],
    ['a binary value', () => encodeValue({ file: new Uint8Array([1, 2, 3]) }), 400, 'MALFORMED'],
    ['an integer beyond 2^53', () => encodeValue({ n: 2n ** 60n }), 400, 'MALFORMED'],
    [
      'nesting past the depth limit',
      () => new Uint8Array([...new Array(100).fill(0x91), 0x01]),
      400,
      'DEPTH_EXCEEDED',
    ],
  ])('refuses %s with a coded problem, and the app never sees it', async (_name, body, status, code) => {
    received.length = 0;
    const response = await post(body());
    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect((await response.json()).code).toBe(code);
    expect(received).toEqual([]);
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
  });

  it('answers 415 UNSUPPORTED_ENCODING for an unknown Content-Encoding', async () => {
    const response = await post(encodeValue({ a: 1 }), { 'content-encoding': 'zstd-nope' });
    expect(response.status).toBe(415);
    expect((await response.json()).code).toBe('UNSUPPORTED_ENCODING');
  });
});

describe('prefersMsgpack', () => {
  it.each([
    [null, false],
    ['application/msgpack', true],
    ['application/x-msgpack', true],
    ['application/json, application/msgpack', true],
    ['application/msgpack;q=0.5, application/json', false],
    ['application/msgpack;q=0.9, application/*;q=0.5', true],
    ['application/msgpack;q=0.9, */*', false],
    ['application/msgpack;q=abc', true],
    ['APPLICATION/MSGPACK', true],
  ])('%s -> %s', (accept, expected) => {
    expect(prefersMsgpack(accept)).toBe(expected);
  });
});
