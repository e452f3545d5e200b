import type { IncomingMessage, ServerResponse } from 'node:http';
import { getRequestListener, type HttpBindings, RequestError } from '@hono/node-server';
import { compressResponse } from './compress-response.ts';
import { isValidHost } from './host-header.ts';
import {
  type NodeCompressionOptions,
  type ResolvedCompression,
  resolveCompression,
} from './node-compression.ts';

/** A Web-standard handler, such as the one createBatchHandler returns. */
export type WebHandler = (request: Request) => Response | Promise<Response>;

/** Options of {@link toNodeListener}. */
export interface NodeListenerOptions {
  /**
   * Receives what the handler threw (the client gets a bare 500).
   * @default logs to console.error
   */
  readonly onError?: (error: unknown) => void;
  /**
   * Response compression, for batch frame streams and the app's plain responses alike: br or gzip
   * (zstd where Node has it) as the client's `Accept-Encoding` prefers, flushed per chunk; see
   * `compressResponse` for what is skipped. `false` turns it off (a proxy in front compresses).
   * @default {} (brotli quality 4, gzip level 6, zstd level 3, from a first chunk of 1024 bytes)
   */
  readonly compression?: NodeCompressionOptions | false;
  /**
   * Let `@hono/node-server` replace `globalThis.Request` and `Response` with its lighter subclasses, as
   * its own `serve()` does. The incoming `Request` is a lazy object either way; with the natives kept,
   * `new Request(request)` of it throws (`request.clone()` works).
   * @default true
   */
  readonly overrideGlobalObjects?: boolean;
}

/** @internal The per-request entry of the Node adapters: toNodeListener and the Express middleware. */
export type NodeServe = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

// The Web Request of each Node request, so the Express middleware can find the socket behind a batch.
const nodeRequests = new WeakMap<Request, IncomingMessage>();

/** @internal The Node request a Web Request was made from by {@link toNodeListener} or the Express middleware. */
export function nodeRequestOf(request: Request): IncomingMessage | undefined {
  return nodeRequests.get(request);
}

/**
 * Serves a Web-standard handler on `node:http` (or `node:https`), through `@hono/node-server`'s
 * request listener (the maintained Node<->Web bridge: lazy request objects, body back-pressure both
 * ways, `drain`, a client that goes away aborts `request.signal` and cancels the response stream).
 * On top of it, what is wirepack's: a `Host` that is not an RFC 3986 authority is refused with 400
 * before a URL is built from it, an unread request body ends with the connection, a handler that
 * throws gets a bare 500 (details to `onError`), and responses pass the compression stage.
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http';
 * import { createBatchHandler } from '@wirepack/server';
 * import { nodeCompression, toNodeListener } from '@wirepack/server/node';
 *
 * const handler = createBatchHandler({ fetch: app.fetch, ...nodeCompression() });
 * createServer(toNodeListener(handler)).listen(3000, '127.0.0.1');
 * ```
 */
export function toNodeListener(
  handler: WebHandler,
  options: NodeListenerOptions = {},
): (req: IncomingMessage, res: ServerResponse) => void {
  if (typeof handler !== 'function') {
    throw new TypeError(
      `[wirepack/server] toNodeListener expects a (request: Request) => Response handler, got ${typeof handler}`,
    );
  }
  const onError =
    options.onError ?? ((error) => console.error('[wirepack/server] the handler failed:', error));
  const serve = createNodeServe(handler, { ...options, onError });
  return (req, res) => {
    serve(req, res).catch((error) => {
      // The bridge handles its own failures; this is the last net so a bug cannot crash the server.
      onError(error);
      if (!res.headersSent) res.writeHead(500).end();
      else res.destroy();
    });
  };
}

/** @internal Builds the per-request function both Node adapters use. */
export function createNodeServe(
  handler: WebHandler,
  options: NodeListenerOptions & { readonly onError: (error: unknown) => void },
): NodeServe {
  const { onError } = options;
  const compression: ResolvedCompression | undefined =
    options.compression === false ? undefined : resolveCompression(options.compression);
  const listener = getRequestListener(
    async (request, env) => {
      const { incoming, outgoing } = env as HttpBindings;
      nodeRequests.set(request, incoming);
      let response: Response;
      try {
        response = await handler(request);
      } catch (error) {
        onError(error);
        return new Response('Internal Server Error', {
          status: 500,
          headers: { 'content-type': 'text/plain; charset=utf-8' },
        });
      }
      // The request body was not read to its end (a refusal): close rather than read the rest of it.
      if (!incoming.complete && request.method !== 'GET' && request.method !== 'HEAD') {
        outgoing.setHeader('connection', 'close');
      }
      return compression === undefined ? response : compressResponse(request, response, compression);
    },
    {
      // HTTP/1.0 requests may lack Host (Node refuses HTTP/1.1 ones without it).
      hostname: 'localhost',
      overrideGlobalObjects: options.overrideGlobalObjects ?? true,
      errorHandler: (error) => {
        if (error instanceof RequestError) return badRequest(); // a request target URL cannot hold
        onError(error);
        return new Response(null, { status: 500 });
      },
    },
  );
  return async (req, res) => {
    const host = req.headers.host;
    // The bridge builds the URL as `scheme://${host}${target}`: an unchecked Host rewrites the path.
    if (host !== undefined && !isValidHost(host)) {
      res
        .writeHead(400, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' })
        .end('Bad Request');
      return;
    }
    await listener(req, res);
  };
}

function badRequest(): Response {
  return new Response('Bad Request', {
    status: 400,
    headers: { 'content-type': 'text/plain; charset=utf-8', connection: 'close' },
  });
}
