import { Duplex } from 'node:stream';
import zlib from 'node:zlib';
import type { CodecFactory } from '@wirepack/server';
import type { ContentCoding } from '../negotiate-encoding.ts';

/** Response compression of the Node adapters (`toNodeListener`, the Express middleware). */
export interface NodeCompressionOptions {
  /**
   * Brotli quality (0-11). Responses are compressed as they are sent, so a dynamic-friendly level
   * wins: q4-5 is within a few percent of q9's size at several times its speed (precompression notes:
   * q5 40 MB/s, q9 8 MB/s, q11 0.7 MB/s); static files want the plugin's precompressed q11 instead.
   * @default 4
   */
  readonly brotliQuality?: number;
  /**
   * gzip level (1-9); 6 is zlib's own default, 9 saves 0.5 % for 1.7x the CPU (precompression notes).
   * @default 6
   */
  readonly gzipLevel?: number;
  /**
   * zstd level (1-19), used only where Node has zstd (22.15 and later; Node 20 has none).
   * @default 3
   */
  readonly zstdLevel?: number;
  /**
   * Smallest body compressed, decided on its first chunk (a plain body is usually one chunk; for a
   * batch it is the first frame group, whose head leaves with it anyway). Below about 1 KiB the
   * saving is a few hundred bytes for a compressor on each end: Express's `compression` uses the same
   * 1 KB threshold.
   * @default 1024
   */
  readonly minBytes?: number;
  /**
   * Called once per compressed response with its coding and its bytes before and after encoding (a
   * stream when it ends, or when the client leaves: the bytes that were sent), for metrics such as
   * `recordCompression` of `@wirepack/server/metrics`. Unset, nothing is counted.
   * @default undefined
   */
  readonly onCompressed?: (coding: ContentCoding, bytesIn: number, bytesOut: number) => void;
}

/** The defaults of {@link NodeCompressionOptions}. */
export const DEFAULT_NODE_COMPRESSION: Readonly<Required<Omit<NodeCompressionOptions, 'onCompressed'>>> =
  Object.freeze({
    brotliQuality: 4,
    gzipLevel: 6,
    zstdLevel: 3,
    minBytes: 1024,
  });

/** @internal Options after defaults and checks, with the codings this runtime can produce. */
export interface ResolvedCompression extends Required<Omit<NodeCompressionOptions, 'onCompressed'>> {
  readonly codings: readonly ContentCoding[];
  readonly onCompressed: NodeCompressionOptions['onCompressed'];
}

/** @internal Validates compression options once, when the listener is made. */
export function resolveCompression(options: NodeCompressionOptions = {}): ResolvedCompression {
  const resolved = { ...DEFAULT_NODE_COMPRESSION, ...options };
  for (const [name, min, max] of [
    ['brotliQuality', 0, 11],
    ['gzipLevel', 1, 9],
    ['zstdLevel', 1, 19],
    ['minBytes', 0, Number.MAX_SAFE_INTEGER],
  ] as const) {
    const value = resolved[name];
    if (!Number.isSafeInteger(value) || value < min || value > max) {
      throw new TypeError(
        `[wirepack/server] compression.${name} must be an integer from ${min} to ${max}, got ${String(value)}`,
      );
    }
  }
  if (resolved.onCompressed !== undefined && typeof resolved.onCompressed !== 'function') {
    throw new TypeError(
      `[wirepack/server] compression.onCompressed must be a function, got ${typeof resolved.onCompressed}`,
    );
  }
  const codings: ContentCoding[] = zstdCodec() === undefined ? ['br', 'gzip'] : ['br', 'zstd', 'gzip'];
  return Object.freeze({ ...resolved, onCompressed: resolved.onCompressed, codings: Object.freeze(codings) });
}

/** @internal zstd through Node's zlib, where it exists. */
export interface ZstdCodec {
  readonly compress: (
    bytes: Uint8Array,
    level: number,
    done: (error: Error | null, result: Buffer) => void,
  ) => void;
  readonly createFlushing: (level: number) => Duplex;
  readonly createDecompress: () => Duplex;
}

// The zstd members of node:zlib (Node >= 22.15 / 23.8). @types/node 20 does not declare them.
interface ZlibWithZstd {
  readonly createZstdCompress?: (options: object) => Duplex;
  readonly createZstdDecompress?: () => Duplex;
  readonly zstdCompress?: (
    bytes: Uint8Array,
    options: object,
    done: (error: Error | null, result: Buffer) => void,
  ) => void;
  readonly constants: Record<string, number | undefined>;
}

let zstd: ZstdCodec | null | undefined;

/**
 * @internal zstd if this Node has it, else undefined: the one place the runtime is probed. Node 20
 * has no zstd in zlib (`zlib.createZstdCompress` arrived in 22.15 and 23.8), and a negotiator offering
 * a coding the runtime cannot produce would fail the response, so the coding is only offered when the
 * functions and the constants they need are all there.
 */
export function zstdCodec(): ZstdCodec | undefined {
  if (zstd !== undefined) return zstd ?? undefined;
  const z = zlib as unknown as ZlibWithZstd;
  const level = z.constants.ZSTD_c_compressionLevel;
  const flush = z.constants.ZSTD_e_flush;
  const { createZstdCompress, createZstdDecompress, zstdCompress } = z;
  if (
    typeof createZstdCompress !== 'function' ||
    typeof createZstdDecompress !== 'function' ||
    typeof zstdCompress !== 'function' ||
    level === undefined ||
    flush === undefined
  ) {
    zstd = null;
    return undefined;
  }
  zstd = {
    compress: (bytes, value, done) => zstdCompress(bytes, { params: { [level]: value } }, done),
    createFlushing: (value) => createZstdCompress({ params: { [level]: value }, flush }),
    createDecompress: () => createZstdDecompress(),
  };
  return zstd;
}

/** What {@link nodeCompression} returns: spread it into createBatchHandler's options. */
export interface NodeCompression {
  readonly decoders: Readonly<Record<string, CodecFactory>>;
}

/**
 * zlib's request decoders for batch bodies beyond the built-in gzip and deflate: brotli (and zstd
 * where Node has it). Decoding keeps back-pressure, so a compression bomb stops at the handler's
 * decompressed-size cap. Response compression is not here: it is one stage of the Node adapters
 * (`toNodeListener`'s and the Express middleware's `compression` option).
 *
 * @example
 * ```ts
 * const handler = createBatchHandler({ fetch: app.fetch, ...nodeCompression() });
 * createServer(toNodeListener(handler)).listen(3000, '127.0.0.1');
 * ```
 */
export function nodeCompression(): NodeCompression {
  const decoders: Record<string, CodecFactory> = { br: () => fromZlib(zlib.createBrotliDecompress()) };
  const zstdDecoder = zstdCodec();
  if (zstdDecoder !== undefined) decoders.zstd = () => fromZlib(zstdDecoder.createDecompress());
  return { decoders };
}

function fromZlib(stream: Duplex): TransformStream<Uint8Array, Uint8Array> {
  // Duplex.toWeb keeps back-pressure both ways and destroys the zlib stream when the reader cancels.
  return Duplex.toWeb(stream) as unknown as TransformStream<Uint8Array, Uint8Array>;
}
