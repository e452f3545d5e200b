/**
 * Answers a client's conditional GET from a stored response (RFC 9111 §4.3.2, RFC 9110 §13.1):
 * `If-None-Match` is evaluated first, with the weak comparison; only without it does
 * `If-Modified-Since` count, against `Last-Modified`.
 */
export function isNotModified(requestHeaders: Headers, stored: Headers): boolean {
  const ifNoneMatch = requestHeaders.get('if-none-match');
  if (ifNoneMatch !== null) {
    const etag = stored.get('etag');
    if (etag === null) return false;
    if (ifNoneMatch.trim() === '*') return true;
    const wanted = opaqueTag(etag);
    return ifNoneMatch.split(',').some((candidate) => opaqueTag(candidate) === wanted);
  }
  const ifModifiedSince = requestHeaders.get('if-modified-since');
  const lastModified = stored.get('last-modified');
  if (ifModifiedSince === null || lastModified === null) return false;
  const since = Date.parse(ifModifiedSince);
  const modified = Date.parse(lastModified);
  return !Number.isNaN(since) && !Number.isNaN(modified) && modified <= since;
}

/**
 * The header fields a 304 carries: those a 200 would have sent among Content-Location, Date, ETag,
 * Vary, Cache-Control and Expires (RFC 9110 §15.4.5), and Last-Modified, so the client can update
 * its own copy.
 */
const NOT_MODIFIED_HEADERS = [
  'cache-control',
  'content-location',
  'date',
  'etag',
  'expires',
  'last-modified',
  'vary',
];

/** A 304 for a stored response, with the fields of {@link NOT_MODIFIED_HEADERS}. */
export function notModifiedHeaders(stored: Headers): Headers {
  const headers = new Headers();
  for (const name of NOT_MODIFIED_HEADERS) {
    const value = stored.get(name);
    if (value !== null) headers.set(name, value);
  }
  return headers;
}

/** The weak comparison: the opaque part, without the `W/` prefix. */
function opaqueTag(tag: string): string {
  const trimmed = tag.trim();
  return trimmed.startsWith('W/') ? trimmed.slice(2) : trimmed;
}
