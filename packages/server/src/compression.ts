import type { CodecFactory } from './options.ts';

/**
 * The core's response encoders when none are configured: none. An encoder must flush after every
 * chunk, or a batch's frames would wait for its slowest call, and no portable one does: the Web's
 * CompressionStream has no flush (Node's emits only the 10-byte gzip header until the stream closes),
 * and fflate 0.8.3's sync flush writes gzip that zlib rejects ("invalid stored block lengths") while
 * its plain flush holds back the last bits of a chunk about one time in seven (both measured). On Node,
 * `nodeCompression()` from `@wirepack/server/node` supplies zlib's brotli and gzip with proper flushes.
 */
export const DEFAULT_ENCODERS: Readonly<Record<string, CodecFactory>> = Object.freeze({});

/**
 * Picks a response encoding: the first of the server's encoders (in its order of preference) that
 * the client's Accept-Encoding allows with a non-zero weight (RFC 9110 section 12.5.3), or undefined
 * for identity.
 */
export function negotiateEncoding(
  acceptEncoding: string | null,
  encoders: Readonly<Record<string, unknown>>,
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

/**
 * The request codings the server reads, for the `Accept-Encoding` response header of RFC 7694: the
 * built-in `gzip` and `deflate` (DecompressionStream, in every runtime) and the configured decoders'
 * tokens (`br` with `nodeCompression()`). Clients that compress only what a server advertised (the
 * wirepack client's default) start compressing once they have seen it.
 */
export function acceptedRequestCodings(decoders: Readonly<Record<string, CodecFactory>>): string {
  const codings = new Set(['gzip', 'deflate']);
  for (const token of Object.keys(decoders)) {
    // Request codings are matched in lower case (read-body.ts): another spelling could never be used.
    if (token === token.toLowerCase() && token !== 'identity') codings.add(token);
  }
  return [...codings].join(', ');
}
