import { Gzip } from 'fflate';
import type { CodecFactory } from './options.ts';

/**
 * A gzip encoder that flushes after every chunk, so each coalesced group of frames reaches the client
 * as soon as it is written. The Web's CompressionStream cannot do that: it has no flush, and Node's
 * emits nothing but the 10-byte gzip header until the stream closes, which would hold every frame of a
 * batch until its slowest call. fflate's streaming Gzip has a sync flush (4-5 bytes a flush) and runs
 * in every runtime. On Node, `nodeCompression()` from `@wirepack/server/node` replaces it with zlib.
 */
export function flushingGzip(level: 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 = 6): CodecFactory {
  return () => {
    let gzip: Gzip;
    return new TransformStream<Uint8Array, Uint8Array>({
      start(controller) {
        gzip = new Gzip({ level }, (chunk) => {
          if (chunk.byteLength > 0) controller.enqueue(chunk);
        });
      },
      transform(chunk) {
        gzip.push(chunk);
        gzip.flush(true);
      },
      flush() {
        gzip.push(new Uint8Array(0), true);
      },
    });
  };
}

/** The core's response encoders when none are configured. */
export const DEFAULT_ENCODERS: Readonly<Record<string, CodecFactory>> = Object.freeze({
  gzip: flushingGzip(),
});

/**
 * Picks a response encoding: the first of the server's encoders (in its order of preference) that
 * the client's Accept-Encoding allows with a non-zero weight (RFC 9110 section 12.5.3), or undefined
 * for identity.
 */
export function negotiateEncoding(
  acceptEncoding: string | null,
  encoders: Readonly<Record<string, CodecFactory>>,
): string | undefined {
  if (acceptEncoding === null || acceptEncoding === '') return undefined;
  const weights = new Map<string, number>();
  for (const part of acceptEncoding.slice(0, 1024).split(',')) {
    const [token = '', ...params] = part.split(';');
    const name = token.trim().toLowerCase();
    if (name === '') continue;
    let weight = 1;
    for (const param of params) {
      const [key, value] = param.split('=');
      if (key?.trim().toLowerCase() === 'q') weight = Number(value?.trim() ?? '1');
    }
    weights.set(name, Number.isFinite(weight) ? weight : 0);
  }
  const wildcard = weights.get('*') ?? 0;
  for (const name of Object.keys(encoders)) {
    if ((weights.get(name) ?? wildcard) > 0) return name;
  }
  return undefined;
}
