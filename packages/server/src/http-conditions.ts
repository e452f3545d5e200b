/**
 * Conditional and range requests for representations with an entity tag (RFC 9110 sections 13 and
 * 14): what a static server needs to answer `304`, `206` and `416`. Pure functions over header values;
 * headers longer than {@link MAX_CONDITION_LENGTH} are treated as absent (bounded parsing cost).
 */

/** Longest `If-None-Match`, `If-Range` or `Range` value read. */
export const MAX_CONDITION_LENGTH = 4096;

/** A byte range, both ends inclusive (RFC 9110 section 14.1.1). */
export interface ByteRange {
  readonly start: number;
  readonly end: number;
}

/**
 * Whether `If-None-Match` matches `etag`, with the weak comparison section 13.1.2 prescribes: `*`
 * matches any current representation, and `W/"x"` matches `"x"`. A malformed list matches nothing.
 */
export function ifNoneMatchMatches(header: string | null, etag: string): boolean {
  if (header === null || header.length > MAX_CONDITION_LENGTH) return false;
  if (header.trim() === '*') return true;
  const opaque = etag.replace(/^W\//, '');
  // Entity tags are compared whole; the ones this server makes hold no comma, so splitting is exact.
  for (const candidate of header.split(',')) {
    if (candidate.trim().replace(/^W\//, '') === opaque) return true;
  }
  return false;
}

/**
 * Whether a `Range` may be honoured under `If-Range` (section 13.1.5): only when it names this exact
 * strong entity tag. A date cannot validate (the server sends no `Last-Modified`), and a weak tag
 * never validates a range, so both send the whole representation.
 */
export function ifRangeAllows(header: string | null, etag: string): boolean {
  if (header === null) return true;
  const value = header.trim();
  return !etag.startsWith('W/') && value === etag;
}

/**
 * Reads a `Range` header against a representation of `size` bytes (section 14.2): one range of the
 * `bytes` unit gives a {@link ByteRange}; a range list that cannot be satisfied gives
 * `'unsatisfiable'` (answer 416); anything else, several ranges included, gives `undefined` (ignore
 * it and send the whole: servers MAY ignore Range, and multipart answers buy nothing for static files).
 */
export function parseRange(header: string | null, size: number): ByteRange | 'unsatisfiable' | undefined {
  if (header === null || header.length > MAX_CONDITION_LENGTH) return undefined;
  const match = /^\s*bytes\s*=\s*(.*)$/i.exec(header);
  if (match === null) return undefined;
  const specs = match[1]!
    .split(',')
    .map((spec) => spec.trim())
    .filter((spec) => spec !== '');
  if (specs.length !== 1) return undefined;
  const spec = /^(\d*)-(\d*)$/.exec(specs[0]!);
  if (spec === null || (spec[1] === '' && spec[2] === '')) return undefined;
  if (spec[1]!.length > 15 || spec[2]!.length > 15) return undefined; // beyond any file size
  if (spec[1] === '') {
    // A suffix: the last N bytes.
    const length = Number(spec[2]);
    if (length === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - length), end: size - 1 };
  }
  const start = Number(spec[1]);
  const end = spec[2] === '' ? Number.MAX_SAFE_INTEGER : Number(spec[2]);
  if (end < start) return undefined; // invalid, so ignored (section 14.1.1)
  if (start >= size) return 'unsatisfiable';
  return { start, end: Math.min(end, size - 1) };
}
