import * as zlib from 'node:zlib';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import type { ManifestCoding } from '@wirepack/manifest';

/** A content coding the plugin can emit, named by its HTTP `Content-Encoding` token: the manifest's set. */
export type Encoding = ManifestCoding;

/** The order encodings are produced, listed and preferred in (smallest output first). */
export const ENCODINGS: readonly Encoding[] = Object.freeze(['br', 'zstd', 'gzip'] as const);

/** File extension of each encoding's sibling: `app.js` -> `app.js.br`. */
export const SIBLING_EXTENSIONS: Readonly<Record<Encoding, string>> = Object.freeze({
  br: '.br',
  gzip: '.gz',
  zstd: '.zst',
});

/** One encoding with its level, as resolved from the options. */
export interface CodecSpec {
  readonly encoding: Encoding;
  /** brotli quality 0-11, gzip level 1-9, zstd level 1-22. */
  readonly level: number;
}

interface ZstdZlib {
  zstdCompressSync(data: Uint8Array, options?: { params?: Record<number, number> }): Buffer;
  constants: { ZSTD_c_compressionLevel: number };
}

/**
 * Whether this runtime's zlib has zstd. This is the one place that asks: Node added
 * `zlib.zstdCompressSync` in 22.15 / 23.8 (https://nodejs.org/api/zlib.html#zstd-constants), and
 * Node 20 (still supported) has none, so zstd is opt-in and degrades to a warning, never a failure.
 */
export function zstdSupported(): boolean {
  return typeof (zlib as unknown as Partial<ZstdZlib>).zstdCompressSync === 'function';
}

/**
 * The version of the encoder that produces an encoding. Part of every cache key: a runtime whose
 * brotli or zlib changed may emit different bytes, so its cached outputs must not be reused.
 */
export function encoderVersion(encoding: Encoding): string {
  const versions = process.versions as Record<string, string | undefined>;
  const library = encoding === 'br' ? versions.brotli : encoding === 'gzip' ? versions.zlib : versions.zstd;
  // The library version decides the bytes, so a Node.js patch release keeps the cache warm. A
  // runtime that does not report it gets keyed by its own version: safe, only colder.
  return library === undefined ? `${encoding}-node-${process.versions.node}` : `${encoding}-${library}`;
}

/**
 * Identifies an encoding, its parameters and its encoder: the part of a cache key that is not the
 * content. Any change of level or library version gives a different tag, so a new cache entry.
 */
export function codecTag(spec: CodecSpec): string {
  return `${spec.encoding}:level=${spec.level}:${encoderVersion(spec.encoding)}`;
}

/**
 * Compresses bytes synchronously. Meant for worker threads: the synchronous zlib calls run on the
 * calling thread, not on libuv's pool of 4 threads that async zlib would queue behind.
 * brotli keeps Node's defaults besides quality (generic mode, 4 MiB window); gzip output carries no
 * mtime, so identical input gives identical bytes.
 */
export function compressSync(spec: CodecSpec, input: Uint8Array): Buffer {
  switch (spec.encoding) {
    case 'br':
      return brotliCompressSync(input, { params: { [constants.BROTLI_PARAM_QUALITY]: spec.level } });
    case 'gzip':
      return gzipSync(input, { level: spec.level });
    case 'zstd': {
      const z = zlib as unknown as ZstdZlib;
      if (!zstdSupported()) throw new Error('[wirepack/vite-plugin] zstd is not available in this Node.js');
      return z.zstdCompressSync(input, { params: { [z.constants.ZSTD_c_compressionLevel]: spec.level } });
    }
  }
}
