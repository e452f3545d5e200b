import type { ResultFrame } from '@wirepack/protocol';
import { copyFrame } from './pending-call.ts';

interface Entry {
  readonly frame: ResultFrame;
  /** When the response stops being fresh (this clock's milliseconds). */
  readonly expires: number;
  /** Approximate bytes held, counted against `maxBytes`. */
  readonly bytes: number;
}

/**
 * The opt-in response cache, a private cache in the sense of RFC 9111 (what a browser's own HTTP cache
 * may do, minus revalidation, which it never attempts). It is bounded on purpose: an unbounded
 * request cache (DataLoader's, by default) is a known leak in long-lived apps (graphql-hive/gateway#1085).
 *
 * - Stored: 2xx GET responses except 206, unless `no-store`, `no-cache` (reuse needs revalidation:
 *   RFC 9111 section 5.2.2.4), `must-revalidate` or `Vary` naming `*` or `Cookie` (cookies are invisible
 *   to page script, so such a variant cannot be told apart). `private` may be stored: this cache is
 *   private to the page (RFC 9111 section 5.2.2.7).
 * - Fresh for `max-age` (section 5.2.2.1), else `Expires` minus `Date` (section 5.3), minus the `Age`
 *   the response already had (section 4.2.3), and never longer than `ttlMs`, which is also the
 *   lifetime of a response that states none (a heuristic, section 4.2.2).
 * - Keyed by the caller (see `responseCacheKey`): method, URL, every header of the call and of the
 *   batch (an `Authorization` token included), so a response is only reused for the same credentials.
 * - Bounded by entries and by approximate bytes, least recently used out first; each hit gets its own
 *   copy of a JSON value.
 */
export class ResponseCache {
  private readonly entries = new Map<string, Entry>();
  private heldBytes = 0;

  constructor(
    private readonly maxEntries: number,
    private readonly ttlMs: number,
    private readonly maxBytes: number = Number.POSITIVE_INFINITY,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /** Bytes held (approximate: UTF-16 length of JSON values and header text, byte length of bytes). */
  get bytes(): number {
    return this.heldBytes;
  }

  get(key: string): ResultFrame | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    this.remove(key, entry);
    if (entry.expires <= this.now()) return undefined;
    this.insert(key, entry); // most recently used goes last
    return copyFrame(entry.frame);
  }

  /** Stores a response if it may be cached; the cache keeps its own copy. */
  set(key: string, frame: ResultFrame): void {
    const old = this.entries.get(key);
    if (old !== undefined) this.remove(key, old);
    const lifetime = freshnessLifetime(frame, this.ttlMs, this.now());
    if (lifetime <= 0) return;
    const bytes = sizeOf(key, frame);
    if (bytes > this.maxBytes) return;
    this.insert(key, { frame: copyFrame(frame), expires: this.now() + lifetime, bytes });
    while (this.entries.size > this.maxEntries || this.heldBytes > this.maxBytes) {
      const [oldestKey, oldest] = this.entries.entries().next().value as [string, Entry];
      this.remove(oldestKey, oldest);
    }
  }

  clear(): void {
    this.entries.clear();
    this.heldBytes = 0;
  }

  private insert(key: string, entry: Entry): void {
    this.entries.set(key, entry);
    this.heldBytes += entry.bytes;
  }

  private remove(key: string, entry: Entry): void {
    this.entries.delete(key);
    this.heldBytes -= entry.bytes;
  }
}

/**
 * The cache key of a GET: its method and URL, then the batch's headers and the call's own, names
 * lower-cased and sorted (the order a page set them in does not matter, their values do).
 */
export function responseCacheKey(
  method: string,
  url: string,
  callHeaders: Iterable<readonly [string, string]>,
  batchHeaders: Headers | undefined,
): string {
  const lines: string[] = [];
  for (const [name, value] of batchHeaders ?? []) lines.push(`batch ${name}: ${value}`);
  for (const [name, value] of callHeaders) lines.push(`${name.toLowerCase()}: ${value}`);
  return `${method} ${url}\n${lines.sort().join('\n')}`;
}

/** Milliseconds a response may be reused from now; 0 or less when it must not be stored. */
function freshnessLifetime(frame: ResultFrame, ttlMs: number, now: number): number {
  if (ttlMs === 0 || frame.status < 200 || frame.status > 299 || frame.status === 206) return 0;
  const header = (name: string): string | undefined => {
    const values = frame.headers.filter(([key]) => key.toLowerCase() === name).map(([, value]) => value);
    return values.length === 0 ? undefined : values.join(', ');
  };
  const vary = header('vary');
  if (vary !== undefined && /(^|,)\s*(\*|cookie)\s*(,|$)/i.test(vary)) return 0;
  const directives = new Map<string, string | undefined>();
  for (const part of (header('cache-control') ?? '').split(',')) {
    const [name, value] = part.split('=', 2) as [string, string | undefined];
    const directive = name.trim().toLowerCase();
    if (directive !== '' && !directives.has(directive)) {
      directives.set(directive, value?.trim().replace(/^"(.*)"$/, '$1'));
    }
  }
  if (directives.has('no-store') || directives.has('no-cache') || directives.has('must-revalidate')) return 0;
  let lifetimeMs: number | undefined;
  const maxAge = directives.get('max-age');
  if (directives.has('max-age')) {
    // An invalid max-age is stale (RFC 9111 section 4.2.1: treat as not fresh).
    lifetimeMs = maxAge !== undefined && /^\d+$/.test(maxAge) ? Number(maxAge) * 1000 : 0;
  } else {
    const expires = header('expires');
    if (expires !== undefined) {
      const expiresAt = Date.parse(expires);
      const date = Date.parse(header('date') ?? '');
      // An invalid Expires ("0") means already expired (section 5.3).
      lifetimeMs = Number.isNaN(expiresAt) ? 0 : expiresAt - (Number.isNaN(date) ? now : date);
    }
  }
  const ageHeader = header('age');
  const age = ageHeader !== undefined && /^\d+$/.test(ageHeader.trim()) ? Number(ageHeader.trim()) * 1000 : 0;
  return Math.min(lifetimeMs ?? ttlMs, ttlMs + age) - age;
}

function sizeOf(key: string, frame: ResultFrame): number {
  let bytes = key.length;
  for (const [name, value] of frame.headers) bytes += name.length + value.length;
  if (frame.body.kind === 'bytes') bytes += frame.body.bytes.byteLength;
  else if (frame.body.kind === 'json') bytes += JSON.stringify(frame.body.value)?.length ?? 0;
  return bytes;
}
