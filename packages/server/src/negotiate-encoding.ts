/**
 * One reading of `Accept-Encoding` (RFC 9110 section 12.5.3) for everything wirepack answers: the
 * static server, the compression stage and `vite preview`. Two negotiators that answered the same
 * header differently (issue 8) are how a client ends up with gzip from one path and brotli from another.
 *
 * The rules, from the RFC:
 * - A coding is acceptable when the header names it (or `*` covers it) with a weight above 0; the
 *   highest weight wins, and the server's preference breaks ties (section 12.4.2: "the origin server
 *   MAY choose" among equals).
 * - `identity` (no coding) is acceptable unless `identity;q=0`, or `*;q=0` without an `identity` entry,
 *   excludes it. Not named, it ranks below every acceptable coding: a client that lists `gzip` wants it.
 * - No header: the client has no preference; sending the original is the safe answer (the RFC allows
 *   any coding but warns the client may not decode it). An empty header asks for identity.
 * - `x-gzip` is gzip (section 8.4.1.3). Names and `q` are case-insensitive (sections 8.4.1, 12.4.2).
 * - A part that does not parse (a bad token, a weight outside the qvalue grammar) is ignored, as if
 *   absent; the header is read up to {@link MAX_ACCEPT_ENCODING_LENGTH} characters so a hostile
 *   header costs bounded time.
 */

/** The content codings wirepack produces. */
export type ContentCoding = 'br' | 'gzip' | 'zstd';

/**
 * The server's order of preference among equally weighted codings: brotli first (smallest output
 * for the text wirepack serves: about 22 % of the input against gzip's 25 % at the precompression
 * levels, see the precompression notes), then zstd (smaller than gzip, faster than brotli at
 * dynamic levels), then gzip, which every client decodes.
 */
export const CODING_PREFERENCE: readonly ContentCoding[] = Object.freeze(['br', 'zstd', 'gzip']);

/**
 * How much of an `Accept-Encoding` header is read. Browsers send about 30 characters
 * (`gzip, deflate, br, zstd`); beyond the cap the header is cut at its last whole element.
 */
export const MAX_ACCEPT_ENCODING_LENGTH = 1024;

// RFC 9110 section 5.6.2 `token` and section 12.4.2 `qvalue`.
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const QVALUE = /^(?:0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/;

/**
 * Picks the coding to send: the acceptable coding of `available` with the highest weight (ties to
 * `preference`), `'identity'` when the original should go out uncompressed, or `null` when the header
 * refuses everything on offer, identity included (RFC 9110: answer 406, or send the original anyway).
 *
 * @param acceptEncoding the request's `Accept-Encoding` value; `null`/`undefined` when absent.
 * @param available the codings the server can send for this response (the siblings on disk, or
 *   the encoders it has); their order does not matter.
 * @param preference tie-break order. @default CODING_PREFERENCE
 * @example
 * negotiateEncoding('gzip, deflate, br', ['br', 'gzip']); // 'br'
 * negotiateEncoding('br;q=0, gzip;q=0.5', ['br']); // 'identity'
 * negotiateEncoding('identity;q=0', []); // null
 */
export function negotiateEncoding(
  acceptEncoding: string | null | undefined,
  available: readonly ContentCoding[],
  preference: readonly ContentCoding[] = CODING_PREFERENCE,
): ContentCoding | 'identity' | null {
  if (acceptEncoding === null || acceptEncoding === undefined) return 'identity';
  const weights = parseWeights(acceptEncoding);
  const wildcard = weights.get('*');

  let best: ContentCoding | undefined;
  let bestWeight = 0;
  for (const coding of preference) {
    if (!available.includes(coding)) continue;
    const weight = weights.get(coding) ?? wildcard ?? 0;
    if (weight > bestWeight) {
      best = coding;
      bestWeight = weight;
    }
  }

  const identity = weights.get('identity') ?? wildcard;
  if (identity === undefined) return best ?? 'identity';
  // Named (or covered by `*`), identity competes on its weight; a tie goes to the coding.
  if (best !== undefined && bestWeight >= identity) return best;
  return identity > 0 ? 'identity' : null;
}

/** Lower-cased coding name to weight; `x-gzip` folded into `gzip`; the highest weight of repeats. */
function parseWeights(header: string): Map<string, number> {
  let text = header;
  if (text.length > MAX_ACCEPT_ENCODING_LENGTH) {
    const cut = text.lastIndexOf(',', MAX_ACCEPT_ENCODING_LENGTH);
    text = cut === -1 ? '' : text.slice(0, cut);
  }
  const weights = new Map<string, number>();
  for (const part of text.split(',')) {
    const [rawName = '', ...parameters] = part.split(';');
    const name = rawName.trim().toLowerCase();
    if (!TOKEN.test(name)) continue;
    const weight = readWeight(parameters);
    if (weight === undefined) continue;
    const key = name === 'x-gzip' ? 'gzip' : name;
    weights.set(key, Math.max(weight, weights.get(key) ?? 0));
  }
  return weights;
}

/** The part's `q` (1 when absent), or undefined when a `q` is present but not a valid qvalue. */
function readWeight(parameters: readonly string[]): number | undefined {
  let weight = 1;
  for (const parameter of parameters) {
    const equals = parameter.indexOf('=');
    const key = (equals === -1 ? parameter : parameter.slice(0, equals)).trim().toLowerCase();
    if (key !== 'q') continue; // codings take no other parameters; an unknown one is ignored
    const value = equals === -1 ? '' : parameter.slice(equals + 1).trim();
    if (!QVALUE.test(value)) return undefined;
    weight = Number(value);
  }
  return weight;
}
