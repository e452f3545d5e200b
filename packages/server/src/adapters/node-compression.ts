import { Duplex } from 'node:stream';
import zlib from 'node:zlib';
import type { CodecFactory } from '@wirepack/server';

/** Options of {@link nodeCompression}. */
export interface NodeCompressionOptions {
  /**
   * Brotli quality for responses (0-11). Frames are compressed as they stream, so a fast level wins.
   * @default 4
   */
  readonly brotliQuality?: number;
  /**
   * gzip level for responses (1-9).
   * @default 6
   */
  readonly gzipLevel?: number;
}

/** What {@link nodeCompression} returns: spread it into createBatchHandler's options. */
export interface NodeCompression {
  readonly encoders: Readonly<Record<string, CodecFactory>>;
  readonly decoders: Readonly<Record<string, CodecFactory>>;
}

/**
 * zlib's brotli and gzip for batch responses (each flushed per chunk, so frames still stream) and
 * brotli for batch requests (gzip and deflate requests work everywhere through DecompressionStream).
 * Decoding keeps back-pressure, so a compression bomb stops at the handler's decompressed-size cap.
 *
 * @example
 * ```ts
 * const handler = createBatchHandler({ fetch: app.fetch, ...nodeCompression() });
 * ```
 */
export function nodeCompression(options: NodeCompressionOptions = {}): NodeCompression {
  const compressors = zlibCompressors(options);
  return {
    encoders: {
      br: () => fromZlib(compressors.br()),
      gzip: () => fromZlib(compressors.gzip()),
    },
    decoders: {
      br: () => fromZlib(zlib.createBrotliDecompress()),
    },
  };
}

/**
 * @internal zlib's brotli and gzip compressors as Node streams, in order of preference, each flushing
 * after every write (frames must leave as they are written). `toNodeListener` writes frames into them
 * directly; `nodeCompression()` wraps them as Web TransformStreams for the handler.
 */
export function zlibCompressors(options: NodeCompressionOptions = {}): {
  readonly br: () => Duplex;
  readonly gzip: () => Duplex;
} {
  const quality = options.brotliQuality ?? 4;
  const level = options.gzipLevel ?? 6;
  return {
    br: () =>
      zlib.createBrotliCompress({
        flush: zlib.constants.BROTLI_OPERATION_FLUSH,
        params: { [zlib.constants.BROTLI_PARAM_QUALITY]: quality },
      }),
    gzip: () => zlib.createGzip({ level, flush: zlib.constants.Z_SYNC_FLUSH }),
  };
}

function fromZlib(stream: Duplex): TransformStream<Uint8Array, Uint8Array> {
  // Duplex.toWeb keeps back-pressure both ways and destroys the zlib stream when the reader cancels.
  return Duplex.toWeb(stream) as unknown as TransformStream<Uint8Array, Uint8Array>;
}
