import { type CacheDirectives, parseCacheControl } from './cache-control.ts';

/**
 * Status codes the cache stores: the heuristically cacheable ones of RFC 9110 §15.1, without 206
 * (partial content is not stored here). RFC 9111 §3 lets a cache store any final status it
 * "understands"; others (302, 500, ...) go to the origin every time.
 */
const STORABLE_STATUSES: ReadonlySet<number> = new Set([
  200, 203, 204, 300, 301, 308, 404, 405, 410, 414, 501,
]);

/** What the cache knows of a response when it arrives, enough to decide storing and freshness. */
export interface ResponseFacts {
  readonly status: number;
  readonly headers: Headers;
  /** When the request left for the origin and when its response arrived, in ms since the epoch. */
  readonly requestTime: number;
  readonly responseTime: number;
}

/** Why a response is not stored, or `undefined` when it may be (for tests and `X-Cache` reasons). */
export function whyNotStorable(request: Request, response: ResponseFacts): string | undefined {
  if (request.method !== 'GET') return 'method';
  if (!STORABLE_STATUSES.has(response.status)) return 'status';
  const requestDirectives = parseCacheControl(request.headers.get('cache-control'));
  if (requestDirectives.noStore) return 'request no-store';
  const directives = parseCacheControl(response.headers.get('cache-control'));
  // §3 and §5.2.2.7: a shared cache never stores a private response.
  if (directives.noStore) return 'no-store';
  if (directives.private) return 'private';
  // §3.5: a response to a request with credentials is for that user alone unless the origin says
  // otherwise with one of these three directives.
  if (
    request.headers.has('authorization') &&
    !directives.public &&
    directives.sMaxAge === undefined &&
    !directives.mustRevalidate
  ) {
    return 'authorization';
  }
  // A Set-Cookie is a per-user answer (a session, a login): replaying it to others would hand them
  // that user's cookie. RFC 9111 §7.3 leaves this to the cache; every shared cache refuses it.
  if (response.headers.has('set-cookie')) return 'set-cookie';
  const vary = varyNames(response.headers);
  if (vary === '*') return 'vary *';
  // Only explicit freshness is trusted (no heuristic freshness, RFC 9111 §4.2.2): an API response
  // without Cache-Control is usually dynamic, and guessing a lifetime would serve stale data the
  // origin never allowed. `no-cache` with a validator is stored too: every use revalidates, and
  // the origin may answer with a 304 instead of the body.
  const lifetime = freshnessLifetime(directives, response);
  if (lifetime === undefined && !directives.noCache) return 'no explicit freshness';
  if ((lifetime ?? 0) <= 0 && !hasValidator(response.headers)) return 'stale without validator';
  return undefined;
}

/**
 * The freshness lifetime in seconds for a shared cache (RFC 9111 §4.2.1): `s-maxage`, else
 * `max-age`, else `Expires` minus `Date`; `undefined` when the response gives none. An invalid
 * `Expires` (for example `0`) means already expired.
 */
export function freshnessLifetime(directives: CacheDirectives, response: ResponseFacts): number | undefined {
  if (directives.sMaxAge !== undefined) return directives.sMaxAge;
  if (directives.maxAge !== undefined) return directives.maxAge;
  const expires = response.headers.get('expires');
  if (expires === null) return undefined;
  const expiresAt = Date.parse(expires);
  if (Number.isNaN(expiresAt)) return 0;
  const date = dateValue(response);
  return Math.max(0, Math.floor((expiresAt - date) / 1000));
}

/**
 * The response's current age in seconds (RFC 9111 §4.2.3): its age on arrival, corrected for the
 * origin's `Age` and for the time the request took, plus the time it has spent in this cache.
 */
export function currentAge(response: ResponseFacts, now: number): number {
  const ageValue = Number(response.headers.get('age') ?? 0);
  const age = Number.isFinite(ageValue) && ageValue > 0 ? ageValue : 0;
  const apparentAge = Math.max(0, (response.responseTime - dateValue(response)) / 1000);
  const responseDelay = (response.responseTime - response.requestTime) / 1000;
  const correctedInitialAge = Math.max(apparentAge, age + responseDelay);
  const residentTime = (now - response.responseTime) / 1000;
  return Math.max(0, Math.floor(correctedInitialAge + residentTime));
}

/** How a stored response may be used for a request, at `now`. */
export type Usability = 'fresh' | 'revalidate' | 'unusable';

/**
 * Whether a stored response can answer the request as it is (`fresh`), only after the origin
 * confirms it (`revalidate`, RFC 9111 §4.3: stale, `no-cache` on either side, or the request's
 * `max-age`/`min-fresh` not met), or not at all (stale with nothing to revalidate with).
 */
export function usability(request: Request, response: ResponseFacts, now: number): Usability {
  const directives = parseCacheControl(response.headers.get('cache-control'));
  const requestDirectives = parseCacheControl(request.headers.get('cache-control'));
  const lifetime = freshnessLifetime(directives, response) ?? 0;
  const age = currentAge(response, now);
  let fresh = age < lifetime && !directives.noCache && !requestDirectives.noCache;
  // §5.2.1.1 and §5.2.1.3: the client may ask for a younger or longer-fresh response.
  if (requestDirectives.maxAge !== undefined && age > requestDirectives.maxAge) fresh = false;
  if (requestDirectives.minFresh !== undefined && lifetime - age < requestDirectives.minFresh) fresh = false;
  if (fresh) return 'fresh';
  return hasValidator(response.headers) ? 'revalidate' : 'unusable';
}

/** The response's `Vary` names, lowercased and sorted, or `'*'`. */
export function varyNames(headers: Headers): string[] | '*' {
  const value = headers.get('vary');
  if (value === null) return [];
  const names = new Set<string>();
  for (const part of value.split(',')) {
    const name = part.trim().toLowerCase();
    if (name === '*') return '*';
    if (name !== '') names.add(name);
  }
  return [...names].sort();
}

/**
 * A request header's value as Vary compares it (RFC 9111 §4.1): field lines combined, whitespace
 * around commas removed; `null` when absent (absent and empty differ).
 */
export function varyValue(request: Request, name: string): string | null {
  const value = request.headers.get(name);
  if (value === null) return null;
  return value
    .split(',')
    .map((part) => part.trim().replace(/\s+/g, ' '))
    .join(',');
}

function hasValidator(headers: Headers): boolean {
  return headers.has('etag') || headers.has('last-modified');
}

function dateValue(response: ResponseFacts): number {
  const date = Date.parse(response.headers.get('date') ?? '');
  return Number.isNaN(date) ? response.responseTime : date;
}
