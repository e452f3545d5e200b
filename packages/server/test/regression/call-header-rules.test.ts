import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ResultFrame } from '@wirepack/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRestApi, type RestApi } from '../../../../fixtures/rest-api/src/index.ts'; // by path: a dependency would make a workspace cycle
import { toNodeListener } from '../../src/adapters/node.ts';
import { type BatchHandlerOptions, createBatchHandler } from '../../src/index.ts';
import { batchRequest, collectFrames, resultsById, sendOverHttp } from '../../src/test-support/batch.ts';

// Issue 9, item 6. A call could set headers a page's fetch cannot (origin, referer, sec-fetch-*, cookie,
// host, ...) and proxy-trust headers missing from the drop list (x-client-ip, x-cluster-client-ip,
// x-original-url, x-forwarded-prefix), while the batch request's Origin and Sec-Fetch-* never reached the
// calls: an app's CSRF and origin checks saw forged values. And Set-Cookie, HttpOnly included, travelled
// in frames that page script reads. Sent over a real loopback socket, as a browser's batch arrives.

const api: RestApi = createRestApi();
const servers: Server[] = [];
afterAll(async () => {
  for (const server of servers) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  api.close();
});

/** A loopback server for these options; returns its origin. */
async function serve(options: Partial<BatchHandlerOptions> = {}): Promise<string> {
  const server = createServer(
    toNodeListener(createBatchHandler({ fetch: api.fetch, onError: () => {}, ...options })),
  );
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

let origin: string;
beforeAll(async () => {
  origin = await serve();
});

/** What the browser puts on the batch request of a page at https://app.example (a same-origin POST). */
const BROWSER_HEADERS = {
  origin: 'https://app.example',
  referer: 'https://app.example/orders',
  cookie: 'session=real',
  'sec-fetch-site': 'same-origin',
  'sec-fetch-mode': 'cors',
  'sec-fetch-dest': 'empty',
};

/** Forged by a call: every one is something a page's fetch may not set, or a proxy's word. */
const FORGED: Array<[string, string]> = [
  ['origin', 'https://evil.example'],
  ['referer', 'https://evil.example/'],
  ['cookie', 'session=forged'],
  ['sec-fetch-site', 'cross-site'],
  ['sec-fetch-user', '?1'],
  ['sec-ch-ua', '"Forged"'],
  ['host', 'evil.example'],
  ['accept-charset', 'utf-7'],
  ['accept-encoding', 'gzip'],
  ['access-control-request-method', 'DELETE'],
  ['access-control-request-headers', 'x-a'],
  ['cookie2', '$Version=1'],
  ['date', 'Thu, 01 Jan 1970 00:00:00 GMT'],
  ['dnt', '1'],
  ['via', '1.1 evil'],
  ['set-cookie', 'a=1'],
  ['keep-alive', 'timeout=5'],
  ['proxy-authorization', 'Basic Zm9vOmJhcg=='],
  ['proxy-foo', '1'],
  ['x-http-method-override', 'TRACE'],
  ['x-http-method', 'get, CONNECT'],
  ['x-method-override', 'track'],
  ['x-client-ip', '6.6.6.6'],
  ['x-cluster-client-ip', '6.6.6.6'],
  ['x-original-url', '/admin'],
  ['x-rewrite-url', '/admin'],
  ['x-forwarded-prefix', '/admin'],
  ['x-forwarded-server', 'evil'],
  ['x-forwarded-for', '6.6.6.6'],
  ['forwarded', 'for=6.6.6.6'],
  ['x-real-ip', '6.6.6.6'],
  ['true-client-ip', '6.6.6.6'],
  ['cf-connecting-ip', '6.6.6.6'],
  ['fastly-client-ip', '6.6.6.6'],
];

async function echoedHeaders(
  base: string,
  headers: Array<[string, string]>,
  parent: Record<string, string>,
): Promise<Record<string, string>> {
  const request = batchRequest([{ id: 1, path: '/api/echo', headers }], { headers: parent, origin: base });
  const frames = await collectFrames(await sendOverHttp(request));
  const result = resultsById(frames).get(1) as ResultFrame;
  return (result.body as { value: { headers: Record<string, string> } }).value.headers;
}

describe('headers a call may set', () => {
  it('drops every forbidden request header and proxy header a call sets, and passes the outer ones on', async () => {
    const seen = await echoedHeaders(
      origin,
      [...FORGED, ['x-http-method-override', 'DELETE']],
      BROWSER_HEADERS,
    );
    // The batch request's own values, as the browser sent them.
    for (const [name, value] of Object.entries(BROWSER_HEADERS)) expect(seen[name], name).toBe(value);
    for (const [name] of FORGED) {
      if (name in BROWSER_HEADERS || name === 'x-http-method-override') continue;
      expect(seen[name], name).toBeUndefined();
    }
    // A method override naming an ordinary method is the app's business, as in fetch.
    expect(seen['x-http-method-override']).toBe('DELETE');
  });

  it('without a browser in front, a call still cannot claim an origin, cookie or fetch metadata', async () => {
    const seen = await echoedHeaders(origin, FORGED, {});
    for (const name of ['origin', 'referer', 'cookie', 'sec-fetch-site', 'sec-fetch-user', 'x-client-ip']) {
      expect(seen[name], name).toBeUndefined();
    }
  });

  it('passes on proxy headers of the batch request only, every x-forwarded-* included', async () => {
    const seen = await echoedHeaders(origin, FORGED, {
      'x-forwarded-for': '203.0.113.7',
      'x-forwarded-prefix': '/app',
      'x-client-ip': '203.0.113.7',
    });
    expect(seen['x-forwarded-for']).toBe('203.0.113.7');
    expect(seen['x-forwarded-prefix']).toBe('/app');
    expect(seen['x-client-ip']).toBe('203.0.113.7');
    expect(seen['x-original-url']).toBeUndefined();
  });
});

describe('Set-Cookie in frames', () => {
  const cookies = async (base: string): Promise<string[]> => {
    const request = batchRequest([{ id: 1, path: '/api/cookies' }], { origin: base });
    const result = resultsById(await collectFrames(await sendOverHttp(request))).get(1) as ResultFrame;
    expect(result.status).toBe(200);
    return result.headers.filter(([name]) => name === 'set-cookie').map(([, value]) => value);
  };

  it('is dropped by default: page script reads frames, and HttpOnly would be bypassed', async () => {
    expect(await cookies(origin)).toStrictEqual([]);
  });

  it('travels, each cookie on its own, when the app opts in with exposeSetCookie', async () => {
    const exposed = await serve({ exposeSetCookie: true });
    expect(await cookies(exposed)).toStrictEqual(['a=1; Path=/; HttpOnly', 'b=2; Path=/']);
  });
});
