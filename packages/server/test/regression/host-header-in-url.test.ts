// Issue 9 item 7: toWebRequest pasted the Host header into the URL unchecked, so `/`, `?`, `#`, `@`,
// `\` or a space in Host changed the path (or the origin) the handler saw. A request with such a Host
// must be refused with 400 before the app runs; a valid Host (reg-name, IPv4, IP-literal, with a port)
// still reaches it. Sent over a real socket with raw writes: fetch and node:http clients refuse to
// send these hosts at all.
import { createServer, type Server } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toNodeListener } from '../../src/adapters/node.ts';

const seen: string[] = [];
let server: Server;
let port: number;

beforeAll(async () => {
  server = createServer(
    toNodeListener((request) => {
      seen.push(request.url);
      return new Response(null, { status: 200, headers: { 'x-path': new URL(request.url).pathname } });
    }),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

/** Writes one HTTP/1.1 request with this Host line; returns the status and the path the app saw. */
function rawRequest(host: string, target = '/api/x'): Promise<{ status: number; path: string | undefined }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      text += chunk;
    });
    socket.on('error', reject);
    socket.on('close', () => {
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
      resolve({ status, path: /\r\nx-path: ([^\r]*)\r\n/i.exec(text)?.[1] });
    });
    socket.write(`GET ${target} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`, 'latin1');
  });
}

describe('a Host header that is not an RFC 3986 authority is refused with 400', () => {
  for (const host of [
    'evil.test/admin?', // "/" starts a path: the app would see /admin?/api/x
    'evil.test?x=', // "?" starts a query: the path would be lost
    'evil.test#', // "#" starts a fragment: the path would be lost
    'user@evil.test', // userinfo: the origin the app sees would be evil.test
    'evil.test\\admin', // WHATWG URL reads "\" as "/"
    'evil test', // a space
    'evil.test:80/x', // a path after the port
    'evil.test:8o', // a port that is not digits
    'evil.test:99999', // a port past 65535
    '[::1', // an unclosed IP-literal
    '[not-an-ip]', // an IP-literal that is not an address
    'a%2fb', // a percent-encoded "/": URL decodes it
    '', // empty
  ]) {
    it(JSON.stringify(host), async () => {
      seen.length = 0;
      const answer = await rawRequest(host);
      expect(answer.status).toBe(400);
      expect(seen).toEqual([]);
    });
  }

  it('passes valid hosts to the app with the path unchanged', async () => {
    for (const host of [
      'app.test',
      'APP.test:8080',
      '127.0.0.1',
      `127.0.0.1:${port}`,
      '[::1]:3000',
      'xn--bcher-kva.test',
    ]) {
      seen.length = 0;
      const answer = await rawRequest(host);
      expect(answer.status, host).toBe(200);
      expect(answer.path, host).toBe('/api/x');
      expect(new URL(seen[0] as string).pathname, host).toBe('/api/x');
    }
  });
});
