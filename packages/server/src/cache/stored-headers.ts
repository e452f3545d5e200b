/**
 * Hop-by-hop fields are about one connection and never stored (RFC 9111 §3.1, RFC 9110 §7.6.1),
 * nor are the fields named by `Connection`.
 */
const HOP_BY_HOP: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/**
 * Fields a 304 does not replace in the stored response (RFC 9111 §3.2): those that describe the
 * stored body's bytes, which the 304 did not send.
 */
const KEPT_ON_UPDATE: ReadonlySet<string> = new Set([
  'content-length',
  'content-encoding',
  'content-range',
  'content-type',
]);

/** The fields of a response to store: without hop-by-hop ones and without our own status header. */
export function storedHeaders(headers: Headers, statusHeader: string | false): Headers {
  const dropped = connectionFields(headers);
  const stored = new Headers();
  for (const [name, value] of headers) {
    if (HOP_BY_HOP.has(name) || dropped.has(name) || name === statusHeader) continue;
    stored.append(name, value);
  }
  return stored;
}

/** The stored fields updated with those of a 304 (RFC 9111 §3.2, §4.3.4). */
export function updatedHeaders(stored: Headers, notModified: Headers): Headers {
  const updated = new Headers(stored);
  const dropped = connectionFields(notModified);
  for (const [name, value] of notModified) {
    if (HOP_BY_HOP.has(name) || dropped.has(name) || KEPT_ON_UPDATE.has(name)) continue;
    if (name === 'set-cookie') updated.append(name, value);
    else updated.set(name, value);
  }
  return updated;
}

function connectionFields(headers: Headers): Set<string> {
  const value = headers.get('connection');
  if (value === null) return new Set();
  return new Set(value.split(',').map((name) => name.trim().toLowerCase()));
}
