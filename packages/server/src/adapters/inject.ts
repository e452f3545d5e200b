import { IncomingMessage, ServerResponse } from 'node:http';
import { Writable } from 'node:stream';
import { WirepackError } from '@wirepack/protocol';

/** A Node-style app: Express, Connect, or a plain `node:http` listener. */
export type NodeApp = (req: IncomingMessage, res: ServerResponse, next?: (error?: unknown) => void) => void;

/** Where an injected request seems to come from (the batch request's socket). */
export interface InjectPeer {
  readonly remoteAddress?: string | undefined;
  readonly remotePort?: number | undefined;
  readonly encrypted?: boolean | undefined;
}

/** @internal Called with the fake request before the app sees it (to register the batch context). */
export type BeforeDispatch = (req: IncomingMessage) => void;

/** Limits of {@link injectNode}. */
export interface InjectOptions {
  /**
   * Most body bytes the app may write; past it the app is stopped (its request and response are
   * destroyed, as on a disconnect) and the call fails with FRAME_TOO_LARGE.
   * @default Infinity
   */
  readonly maxBodyBytes?: number;
}

const DROPPED_RESPONSE_HEADERS = new Set(['connection', 'keep-alive', 'transfer-encoding']);

/**
 * Runs a Web Request through a Node-style app in-process, no socket, and returns its answer as a Web
 * Response. The app gets a genuine `http.IncomingMessage` and `http.ServerResponse` (so Express sets its
 * prototypes on them as on any request), wired to an in-memory socket that records what the app writes.
 *
 * Why not light-my-request: for Express it re-parents Express's shared request and response
 * prototypes onto its own mock classes, and real requests to the same app then crash (reproduced:
 * an unread POST body throws in light-my-request's destroy). A batch endpoint shares its app with
 * real traffic, so the injection here keeps Node's own classes.
 *
 * When `signal` aborts, the request is destroyed and the response emits `close` (what a client
 * disconnect looks like to the app), and the returned promise rejects.
 *
 * The body is counted as the app writes it: past `maxBodyBytes` the app is stopped the same way (and
 * its response destroyed, so further writes fail) and the promise rejects with FRAME_TOO_LARGE,
 * rather than the whole output being buffered first (issue 9: a 96 MiB route cost 195 MiB of RSS).
 */
export async function injectNode(
  app: NodeApp,
  request: Request,
  peer: InjectPeer,
  beforeDispatch?: BeforeDispatch,
  options: InjectOptions = {},
): Promise<Response> {
  const maxBodyBytes = options.maxBodyBytes ?? Number.POSITIVE_INFINITY;
  const signal = request.signal;
  signal.throwIfAborted();
  const body = request.body === null ? null : new Uint8Array(await request.arrayBuffer());
  const url = new URL(request.url);

  return new Promise<Response>((resolve, reject) => {
    let head: string | undefined;
    let headText = '';
    const chunks: Buffer[] = [];
    let bodyBytes = 0;
    let stopped = false;
    const keep = (chunk: Buffer): void => {
      if (stopped) return;
      bodyBytes += chunk.byteLength;
      if (bodyBytes > maxBodyBytes) {
        stop(
          new WirepackError(
            'FRAME_TOO_LARGE',
            `the sub-response body exceeds the limit of ${maxBodyBytes} bytes`,
          ),
        );
        return;
      }
      chunks.push(chunk);
    };
    const socket = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        if (head === undefined) {
          // Node writes the head first, possibly with the start of a string body.
          headText += chunk.toString('latin1');
          const end = headText.indexOf('\r\n\r\n');
          if (end !== -1) {
            head = headText.slice(0, end);
            const rest = Buffer.from(headText.slice(end + 4), 'latin1');
            headText = '';
            if (rest.byteLength > 0) keep(rest);
          }
        } else {
          keep(chunk);
        }
        callback();
      },
    });
    Object.assign(socket, {
      remoteAddress: peer.remoteAddress ?? '127.0.0.1',
      remotePort: peer.remotePort ?? 0,
      encrypted: peer.encrypted === true ? true : undefined,
      // Readable, so on-finished (body-parser) does not take the request for finished before its body is read;
      // IncomingMessage then calls resume() on it, which has nothing to do here.
      readable: true,
      resume: () => socket,
      pause: () => socket,
      setTimeout: () => socket,
      setNoDelay: () => socket,
      setKeepAlive: () => socket,
    });
    const req = new IncomingMessage(socket as never);
    req.method = request.method;
    req.url = `${url.pathname}${url.search}`;
    req.httpVersion = '1.1';
    req.httpVersionMajor = 1;
    req.httpVersionMinor = 1;
    const rawHeaders: string[] = [];
    const headers: Record<string, string | string[]> = {};
    rawHeaders.push('host', url.host);
    headers.host = url.host;
    for (const [name, value] of request.headers) {
      if (name === 'host') continue;
      rawHeaders.push(name, value);
      const existing = headers[name];
      if (existing === undefined) headers[name] = value;
      else if (Array.isArray(existing)) existing.push(value);
      else headers[name] = name === 'cookie' ? `${existing}; ${value}` : `${existing}, ${value}`;
    }
    if (body !== null) {
      rawHeaders.push('content-length', String(body.byteLength));
      headers['content-length'] = String(body.byteLength);
      if (body.byteLength > 0) req.push(Buffer.from(body.buffer, body.byteOffset, body.byteLength));
    }
    req.push(null);
    req.complete = true;
    req.rawHeaders = rawHeaders;
    req.headers = headers;

    const res = new ServerResponse(req);
    // No chunked framing and no keep-alive: the socket records the body bytes exactly as the app wrote them.
    res.useChunkedEncodingByDefault = false;
    res.shouldKeepAlive = false;
    res.assignSocket(socket as never);

    /** Ends the app's side: what a client disconnect looks like to it. */
    const stop = (reason: unknown): void => {
      if (stopped) return;
      stopped = true;
      chunks.length = 0;
      signal.removeEventListener('abort', onAbort);
      req.destroy();
      // Past the limit, writes must fail from now on; after an abort the app may still finish normally.
      if (reason instanceof WirepackError) res.destroy();
      res.emit('close');
      reject(reason);
    };
    const onAbort = (): void => stop(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    res.once('finish', () => {
      signal.removeEventListener('abort', onAbort);
      if (stopped) return;
      try {
        resolve(toResponse(head ?? '', chunks, request.method));
      } catch (error) {
        reject(error);
      }
    });

    beforeDispatch?.(req);
    try {
      // No `next`: Express and Connect then end the request with their own final handler (404, error
      // page), exactly as they answer the same request unbatched.
      app(req, res);
    } catch (error) {
      signal.removeEventListener('abort', onAbort);
      reject(error);
    }
  });
}

function toResponse(head: string, chunks: Buffer[], method: string): Response {
  const lines = head.split('\r\n');
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(lines[0] ?? '')?.[1] ?? 500);
  const headers = new Headers();
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i] as string;
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    if (DROPPED_RESPONSE_HEADERS.has(name)) continue;
    headers.append(name, line.slice(colon + 1).trim());
  }
  const nullBody = method === 'HEAD' || status === 204 || status === 205 || status === 304;
  const body = nullBody ? null : Buffer.concat(chunks);
  return new Response(body, { status, headers });
}
