import type { CodecFactory } from './options.ts';

// The portable core does not compress responses. Frames must leave as their calls finish, so an
// encoder has to flush after every chunk, and no portable one can: the Web's CompressionStream has no
// flush (Node's emits only the 10-byte gzip header until the stream closes), and fflate 0.8.3's sync
// flush writes gzip that zlib rejects ("invalid stored block lengths") while its plain flush holds back
// the last bits of a chunk about one time in seven (both measured). Response compression is one stage of
// the Node adapters (adapters/compress-response.ts), for frame streams and plain responses alike; other
// runtimes leave it to the platform or the CDN in front, which must pass each write on at once.

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
