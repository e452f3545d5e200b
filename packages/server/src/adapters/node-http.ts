import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex, Writable } from 'node:stream';
import { FRAMES_MEDIA_TYPE, isMediaType } from '@wirepack/protocol';
// Internal and pure; bundled into this entry like batch-context.ts.
import { negotiateEncoding } from '../compression.ts';
import { isValidHost } from './host-header.ts';
import { type NodeCompressionOptions, zlibCompressors } from './node-compression.ts';

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
   * Compression of batch responses (frame streams) the handler left uncompressed: zlib's brotli or gzip,
   * as the client's `Accept-Encoding` allows, flushed after every chunk so frames still stream. Options
   * tune the levels and the threshold; `false` turns it off (a proxy in front compresses, or nothing
   * should). Other responses of the app pass through untouched, and so does a batch response the
   * handler already compressed (`...nodeCompression()` in its options, which also reads brotli request bodies).
   * @default {} (brotli quality 4, gzip level 6, from a first chunk of 1024 bytes)
   */
  readonly compression?: NodeListenerCompression | false;
}

/** Compression settings of {@link toNodeListener}. */
export interface NodeListenerCompression extends NodeCompressionOptions {
  /**
   * Smallest first chunk of frames for which a batch response is compressed. The headers leave with
   * the first chunk anyway, so the choice costs no time: a batch whose first results fit in less is
   * small, and compressing it saves a few hundred bytes for a compressor on each end (the same rule
   * as Express's `compression` middleware and its 1 KB threshold for responses without a length).
   * @default 1024
   */
  readonly minBytes?: number;
}

/** @internal The default {@link NodeListenerCompression.minBytes}. */
export const DEFAULT_COMPRESS_MIN_BYTES = 1024;

/** How toNodeListener compresses one frame stream, decided on its first chunk. */
interface FrameCompression {
  readonly encoding: string;
  readonly create: () => Duplex;
  readonly minBytes: number;
}

// The Web Request of each Node request, so the Express middleware can find the socket behind a batch.
const nodeRequests = new WeakMap<Request, IncomingMessage>();

/** @internal The Node request a Web Request was made from by {@link toNodeListener} or the Express middleware. */
export function nodeRequestOf(request: Request): IncomingMessage | undefined {
  return nodeRequests.get(request);
}

/**
 * Serves a Web-standard handler on `node:http` (or `node:https`): the request body streams in with
 * back-pressure, the response body streams out honouring `drain`, and a client that goes away aborts
 * `request.signal` and cancels the response stream. A handler that throws gets a bare 500. Batch
 * responses are compressed (brotli or gzip, flushed per chunk) when the client accepts it and the
 * handler did not already; see {@link NodeListenerOptions.compression}.
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
  const compression = options.compression === false ? undefined : (options.compression ?? {});
  const encoders = compression === undefined ? undefined : zlibCompressors(compression);
  const minBytes = compression?.minBytes ?? DEFAULT_COMPRESS_MIN_BYTES;
  if (!Number.isSafeInteger(minBytes) || minBytes < 0) {
    throw new TypeError(
      `[wirepack/server] toNodeListener compression.minBytes must be a non-negative integer, got ${String(minBytes)}`,
    );
  }
  return (req, res) => {
    serveNode(handler, req, res, onError, encoders, minBytes).catch((error) => {
      // serveNode handles its own failures; this is the last net so a bug cannot crash the server.
      onError(error);
      if (!res.headersSent) res.writeHead(500).end();
      else res.destroy();
    });
  };
}

/**
 * @internal Runs a Web handler for one Node request/response pair; with `encoders`, compresses a frame
 * stream the handler left uncompressed, when its first chunk has at least `minBytes`.
 */
export async function serveNode(
  handler: WebHandler,
  req: IncomingMessage,
  res: ServerResponse,
  onError: (error: unknown) => void,
  encoders?: Readonly<Record<string, () => Duplex>>,
  minBytes = 0,
): Promise<void> {
  const controller = new AbortController();
  res.once('close', () => {
    if (!res.writableFinished) controller.abort(new Error('the client closed the connection'));
  });
  let request: Request;
  try {
    request = toWebRequest(req, controller.signal);
  } catch {
    res
      .writeHead(400, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' })
      .end('Bad Request');
    return;
  }
  nodeRequests.set(request, req);
  let response: Response;
  try {
    response = await handler(request);
  } catch (error) {
    onError(error);
    if (!res.headersSent && !res.destroyed) {
      res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end('Internal Server Error');
    }
    return;
  }
  const compression =
    encoders === undefined ? undefined : frameCompression(response, request, encoders, minBytes);
  await sendWebResponse(response, req, res, compression);
}

/**
 * How to compress the batch response, or undefined to send it as it is: only a 200 frame stream without
 * a Content-Encoding is touched (the app's own responses are its business), with the best encoding the
 * client accepts. The frames are written into zlib directly rather than through a Web TransformStream:
 * two stream adapters fewer per chunk.
 */
function frameCompression(
  response: Response,
  request: Request,
  encoders: Readonly<Record<string, () => Duplex>>,
  minBytes: number,
): FrameCompression | undefined {
  if (
    response.status !== 200 ||
    response.body === null ||
    response.headers.has('content-encoding') ||
    !isMediaType(response.headers.get('content-type'), FRAMES_MEDIA_TYPE)
  ) {
    return undefined;
  }
  const encoding = negotiateEncoding(request.headers.get('accept-encoding'), encoders);
  if (encoding === undefined) return undefined;
  return { encoding, create: encoders[encoding] as () => Duplex, minBytes };
}

/** Builds a Web Request from a Node request; the body streams with back-pressure. */
export function toWebRequest(req: IncomingMessage, signal: AbortSignal): Request {
  const socket = req.socket as IncomingMessage['socket'] & { encrypted?: boolean };
  const host = req.headers.host ?? req.headers[':authority'] ?? 'localhost';
  // Pasted in front of the path below: a "/", "?", "#", "@" or "\" in it would change the path or the
  // origin the app sees (issue 9 item 7). RFC 9112 section 3.2: 400 for an invalid Host.
  if (typeof host !== 'string' || !isValidHost(host)) throw new TypeError('invalid Host header');
  const target = req.url ?? '/';
  // Append rather than resolve: resolving "//evil.example/x" against the host would change the origin.
  const url = new URL(
    target.startsWith('/') ? `${socket?.encrypted ? 'https' : 'http'}://${host}${target}` : target,
  );
  const headers = new Headers();
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    if (name.charCodeAt(0) !== 58 /* ':' HTTP/2 pseudo-header */) headers.append(name, raw[i + 1] as string);
  }
  const method = req.method ?? 'GET';
  const hasBody = method !== 'GET' && method !== 'HEAD';
  return new Request(url, {
    method,
    headers,
    signal,
    ...(hasBody ? { body: nodeBodyStream(req), duplex: 'half' } : {}),
  } as RequestInit);
}

/** The request body as a ReadableStream that pauses the socket while the reader is behind. */
function nodeBodyStream(req: IncomingMessage): ReadableStream<Uint8Array> {
  let cancelled = false;
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        req.on('data', (chunk: Buffer) => {
          if (cancelled) return;
          controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
          if ((controller.desiredSize ?? 0) <= 0) req.pause();
        });
        req.once('end', () => {
          if (!cancelled) controller.close();
        });
        req.once('error', (error) => {
          if (!cancelled) controller.error(error);
        });
      },
      pull() {
        req.resume();
      },
      cancel() {
        // The handler stopped reading (a limit was hit): drop the rest. The response then carries
        // `connection: close`, so an oversized upload ends with the connection instead of being read to the end.
        cancelled = true;
        req.resume();
      },
    },
    { highWaterMark: 64 * 1024, size: (chunk) => chunk.byteLength },
  );
}

/**
 * Writes a Web Response to a Node response, streaming its body and honouring back-pressure. With
 * `compression`, the body goes through a zlib stream that flushes every write, if its first chunk is
 * large enough (the headers, which say which, leave with that chunk).
 */
export async function sendWebResponse(
  response: Response,
  req: IncomingMessage,
  res: ServerResponse,
  compression?: FrameCompression,
): Promise<void> {
  if (res.destroyed) {
    await response.body?.cancel().catch(() => undefined);
    return;
  }
  const reader = response.body?.getReader();
  let compressor: Duplex | undefined;
  const onClose = (): void => {
    compressor?.destroy();
    reader?.cancel().catch(() => {
      // The stream already failed; the connection is gone either way.
    });
  };
  res.once('close', onClose);
  try {
    // With a compression choice to make, wait for the first chunk before writing the head.
    let first: ReadableStreamReadResult<Uint8Array> | undefined;
    if (compression !== undefined && reader !== undefined) first = await reader.read();
    if (res.destroyed) return;
    res.statusCode = response.status;
    if (response.statusText) res.statusMessage = response.statusText;
    const cookies = response.headers.getSetCookie();
    for (const [name, value] of response.headers) {
      if (name !== 'set-cookie') res.setHeader(name, value);
    }
    if (cookies.length > 0) res.setHeader('set-cookie', cookies);
    // The request body was not read to its end (a refusal): close rather than read the rest of it.
    if (!req.complete && req.method !== 'GET' && req.method !== 'HEAD') res.setHeader('connection', 'close');
    if (compression !== undefined) {
      // Whichever the choice, the response depends on the request's Accept-Encoding.
      const vary = String(res.getHeader('vary') ?? '');
      if (!/(^|,)\s*accept-encoding\s*(,|$)/i.test(vary)) {
        res.setHeader('vary', vary === '' ? 'accept-encoding' : `${vary}, accept-encoding`);
      }
      if (first !== undefined && !first.done && first.value.byteLength >= compression.minBytes) {
        res.setHeader('content-encoding', compression.encoding);
        res.removeHeader('content-length');
        compressor = compression.create();
      }
    }
    if (reader === undefined) {
      res.end();
      return;
    }
    let sink: Writable = res;
    if (compressor !== undefined) {
      // pipe() carries the compressor's output to the socket with back-pressure and ends it after.
      compressor.once('error', (error) => res.destroy(error));
      compressor.pipe(res);
      sink = compressor;
    }
    for (;;) {
      const { done, value } = first ?? (await reader.read());
      first = undefined;
      if (done) break;
      if (res.destroyed) return;
      if (!sink.write(value)) {
        await new Promise<void>((resolve) => {
          const settle = (): void => {
            sink.off('drain', settle);
            res.off('close', settle);
            resolve();
          };
          sink.on('drain', settle);
          res.on('close', settle);
        });
      }
    }
    sink.end();
  } catch (error) {
    // The response stream failed midway: the status is sent, so all we can do is cut the connection.
    compressor?.destroy();
    res.destroy(error instanceof Error ? error : undefined);
  } finally {
    res.off('close', onClose);
    reader?.releaseLock();
  }
}
