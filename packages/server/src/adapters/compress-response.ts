import zlib from 'node:zlib';
import { type ContentCoding, negotiateEncoding } from '../negotiate-encoding.ts';
import { type ResolvedCompression, zstdCodec } from './node-compression.ts';

/**
 * The one response compression stage of the Node adapters (`toNodeListener`, the Express middleware):
 * batch frame streams and the app's plain responses go through the same rules.
 *
 * Left as they are: HEAD, statuses without a body or a whole representation (1xx, 204, 206, 304), a
 * response that already has `Content-Encoding` or says `Cache-Control: no-transform` (RFC 9111 section
 * 5.2.2.6), a `Content-Range`, a missing or already-compressed `Content-Type` (images, audio, video,
 * woff/woff2, archives, PDF, opaque octet-streams), and a body under `minBytes`. Everything else gets
 * `Vary: Accept-Encoding` (the answer depends on it, whichever was chosen) and, when the client's
 * `Accept-Encoding` allows one, br (or zstd where Node has it) or gzip: `Content-Encoding` set,
 * `Content-Length` and `Accept-Ranges` dropped (ranges would count compressed bytes), a strong ETag
 * made weak (RFC 9110 section 8.8.1: the bytes differ from the identity representation's; Express's
 * `compression` does the same).
 *
 * The size decision is made on the first chunk, as Express's `compression` does for responses without
 * a length: a plain body is usually one chunk, and a batch's head leaves with its first frame group
 * anyway, so deciding then costs no latency. A body that ended with its first chunk is compressed in
 * one zlib call on the thread pool (with brotli's size hint); a stream is written into a zlib stream
 * that flushes after every chunk, so each frame group still leaves as soon as it is ready.
 */
export async function compressResponse(
  request: Request,
  response: Response,
  options: ResolvedCompression,
): Promise<Response> {
  if (!isCompressible(request, response)) return response;
  const headers = new Headers(response.headers);
  addVary(headers);
  const coding = negotiateEncoding(request.headers.get('accept-encoding'), options.codings);
  const length = Number(response.headers.get('content-length') ?? Number.NaN);
  const body = response.body as ReadableStream<Uint8Array>;
  if (coding === 'identity' || coding === null || length < options.minBytes) {
    // null: the client refuses identity too; RFC 9110 section 12.5.3 lets the server send it anyway.
    return rebuild(response, body, headers);
  }
  const reader = body.getReader();
  const first = await reader.read();
  if (first.done || first.value.byteLength < options.minBytes) {
    return rebuild(response, replay(reader, first), headers);
  }
  headers.set('content-encoding', coding);
  headers.delete('content-length');
  headers.delete('accept-ranges');
  const etag = headers.get('etag');
  if (etag?.startsWith('"')) headers.set('etag', `W/${etag}`);
  // A second read that is already settled means the body is complete: compress it in one call.
  const second = await readIfReady(reader);
  if ('done' in second && second.done) {
    const bytes = await compressWhole(coding, first.value, options);
    options.onCompressed?.(coding, first.value.byteLength, bytes.byteLength);
    headers.set('content-length', String(bytes.byteLength));
    return rebuild(response, bytes as Uint8Array<ArrayBuffer>, headers);
  }
  const size = Number.isFinite(length) ? length : undefined;
  return rebuild(response, compressStream(coding, reader, first.value, second, options, size), headers);
}

/** The status, method and header rules that decide before any byte is read. */
function isCompressible(request: Request, response: Response): boolean {
  const { status } = response;
  if (request.method === 'HEAD' || response.body === null) return false;
  if (status < 200 || status === 204 || status === 206 || status === 304) return false;
  const headers = response.headers;
  if (headers.has('content-encoding') || headers.has('content-range')) return false;
  if (/(?:^|,)\s*no-transform\s*(?:,|$)/i.test(headers.get('cache-control') ?? '')) return false;
  const type = headers.get('content-type');
  return type !== null && !isPrecompressedType(type);
}

// Media types whose bytes are already compressed (or opaque): another pass costs CPU and saves nothing.
// SVG, BMP and ICO are images that do compress. The list follows mime-db's `compressible: false`
// entries for the types a web app serves.
const PRECOMPRESSED =
  /^(?:image\/(?!svg\+xml|bmp|x-icon|vnd\.microsoft\.icon)|video\/|audio\/|font\/woff2?$|application\/(?:font-woff2?|zip|gzip|x-gzip|zstd|x-bzip2?|x-xz|x-7z-compressed|x-rar-compressed|vnd\.rar|java-archive|pdf|octet-stream|wasm-compressed)$|multipart\/byteranges$)/;

/** Whether a Content-Type names already-compressed (or opaque binary) content. */
export function isPrecompressedType(contentType: string): boolean {
  const semicolon = contentType.indexOf(';');
  const essence = (semicolon === -1 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase();
  return PRECOMPRESSED.test(essence);
}

/** Appends `accept-encoding` to Vary unless it (or `*`) is already there. */
function addVary(headers: Headers): void {
  const vary = headers.get('vary');
  if (vary === null || vary.trim() === '') {
    headers.set('vary', 'accept-encoding');
    return;
  }
  if (/(?:^|,)\s*(?:accept-encoding|\*)\s*(?:,|$)/i.test(vary)) return;
  headers.set('vary', `${vary}, accept-encoding`);
}

function rebuild(response: Response, body: BodyInit | null, headers: Headers): Response {
  return new Response(body, { status: response.status, statusText: response.statusText, headers });
}

/**
 * The next read: its result if it has already settled, else the pending read in a box (an async
 * function returning the promise itself would wait for it). A callback chained on the read runs
 * before one chained on an already-resolved promise only if the read was ready.
 */
async function readIfReady(
  reader: ReadableStreamDefaultReader<Uint8Array>,
): Promise<
  ReadableStreamReadResult<Uint8Array> | { readonly pending: Promise<ReadableStreamReadResult<Uint8Array>> }
> {
  const read = reader.read();
  const settled = await Promise.race([read, Promise.resolve().then(() => undefined)]);
  return settled ?? { pending: read };
}

/** The rest of a body whose first chunk was read already, unchanged. */
function replay(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  first: ReadableStreamReadResult<Uint8Array>,
): ReadableStream<Uint8Array> {
  let pending: ReadableStreamReadResult<Uint8Array> | undefined = first;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const { done, value } = pending ?? (await reader.read());
        pending = undefined;
        if (done) controller.close();
        else controller.enqueue(value);
      },
      cancel: (reason) => reader.cancel(reason),
    },
    { highWaterMark: 0 },
  );
}

/**
 * Largest complete body compressed on the main thread. zlib's asynchronous calls run on libuv's thread
 * pool, and for a small body the hand-off costs more than the compression: brotli q4 of a 7 KB batch
 * response took 250-325 us of CPU through `brotliCompress` and 98-116 us through `brotliCompressSync`
 * (gzip 6: 200-290 us against 40-80 us), measured on these machines. Up to this size the main thread is
 * held for well under a millisecond (about 0.2 ms at 16 KiB, brotli q4); larger bodies go to the pool.
 */
export const SYNC_COMPRESS_MAX_BYTES: number = 16 * 1024;

/** A complete body compressed in one zlib call: on the main thread when small, else on the pool. */
function compressWhole(
  coding: ContentCoding,
  bytes: Uint8Array,
  options: ResolvedCompression,
): Promise<Uint8Array> {
  if (bytes.byteLength <= SYNC_COMPRESS_MAX_BYTES && coding !== 'zstd') {
    try {
      const result =
        coding === 'br'
          ? zlib.brotliCompressSync(bytes, brotliOptions(options, bytes.byteLength))
          : zlib.gzipSync(bytes, { level: options.gzipLevel });
      return Promise.resolve(new Uint8Array(result.buffer, result.byteOffset, result.byteLength));
    } catch (error) {
      return Promise.reject(error);
    }
  }
  return new Promise((resolve, reject) => {
    const done = (error: Error | null, result: Buffer): void => {
      if (error === null) resolve(new Uint8Array(result.buffer, result.byteOffset, result.byteLength));
      else reject(error);
    };
    if (coding === 'br') {
      zlib.brotliCompress(bytes, brotliOptions(options, bytes.byteLength), done);
    } else if (coding === 'gzip') {
      zlib.gzip(bytes, { level: options.gzipLevel }, done);
    } else {
      zstdCodec()?.compress(bytes, options.zstdLevel, done) ?? reject(new Error('zstd is not available'));
    }
  });
}

function brotliOptions(options: ResolvedCompression, size: number | undefined): zlib.BrotliOptions {
  const params: Record<number, number> = {
    [zlib.constants.BROTLI_PARAM_QUALITY]: options.brotliQuality,
    // Text: the generic mode is as good for JSON and a little faster to set up than MODE_TEXT's checks.
    [zlib.constants.BROTLI_PARAM_MODE]: zlib.constants.BROTLI_MODE_GENERIC,
  };
  // The size hint lets brotli pick its window for the input rather than for the worst case (less memory).
  if (size !== undefined) params[zlib.constants.BROTLI_PARAM_SIZE_HINT] = size;
  return { params };
}

/** A zlib stream that flushes every write, so each chunk's bytes leave before the next one is ready. */
function flushingStream(
  coding: ContentCoding,
  options: ResolvedCompression,
  size: number | undefined,
): zlib.Gzip {
  if (coding === 'br') {
    return zlib.createBrotliCompress({
      ...brotliOptions(options, size),
      flush: zlib.constants.BROTLI_OPERATION_FLUSH,
    }) as unknown as zlib.Gzip;
  }
  if (coding === 'gzip')
    return zlib.createGzip({ level: options.gzipLevel, flush: zlib.constants.Z_SYNC_FLUSH });
  const zstd = zstdCodec();
  if (zstd === undefined) throw new Error('zstd is not available');
  return zstd.createFlushing(options.zstdLevel) as zlib.Gzip;
}

/**
 * A streamed body through a flushing zlib stream, as one ReadableStream layer: each pull reads one
 * chunk from the source, writes it and waits for its flushed output, so back-pressure from the socket
 * reaches the source (no read runs ahead of the consumer) and a cancel destroys the compressor.
 */
function compressStream(
  coding: ContentCoding,
  reader: ReadableStreamDefaultReader<Uint8Array>,
  first: Uint8Array,
  second:
    | ReadableStreamReadResult<Uint8Array>
    | { readonly pending: Promise<ReadableStreamReadResult<Uint8Array>> },
  options: ResolvedCompression,
  size: number | undefined,
): ReadableStream<Uint8Array> {
  const compressor = flushingStream(coding, options, size);
  const { onCompressed } = options;
  // Counted only with a listener, reported once: at the end, or when the client leaves midway.
  let bytesIn = 0;
  let bytesOut = 0;
  let reported = onCompressed === undefined;
  const report = (): void => {
    if (reported) return;
    reported = true;
    onCompressed?.(coding, bytesIn, bytesOut);
  };
  let cancelled = false;
  let pending: Array<
    Uint8Array | Promise<ReadableStreamReadResult<Uint8Array>> | ReadableStreamReadResult<Uint8Array>
  > = [first, 'pending' in second ? second.pending : second];
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        compressor.on('data', (chunk: Buffer) => {
          if (!reported) bytesOut += chunk.byteLength;
          controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
        });
        compressor.once('error', (error) => controller.error(error));
      },
      async pull(controller) {
        try {
          const next = pending.shift();
          const result =
            next instanceof Uint8Array
              ? { done: false as const, value: next }
              : await (next ?? reader.read());
          if (cancelled) return; // the consumer went away while the source was read
          if (result.done) {
            // 'end' comes after the last 'data', so nothing is enqueued after close.
            await new Promise<void>((resolve) => {
              compressor.once('end', resolve);
              compressor.end();
            });
            controller.close();
            report();
            return;
          }
          if (!reported) bytesIn += result.value.byteLength;
          await new Promise<void>((resolve, reject) => {
            compressor.write(result.value, (error) => (error ? reject(error) : resolve()));
          });
        } catch (error) {
          // The source failed midway: free the compressor now rather than at garbage collection.
          compressor.destroy();
          throw error;
        }
      },
      cancel(reason) {
        cancelled = true;
        report();
        pending = [];
        compressor.destroy();
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
}
