import { deriveRequest } from '../derive-request.ts';
import type { StoredResponse } from './cache-entry.ts';
import type { CacheOutcome } from './cache-options.ts';
import { currentAge } from './cache-policy.ts';
import { isNotModified, notModifiedHeaders } from './conditional.ts';

// The responses the cache sends and the requests it forwards, built from what it decided.

/**
 * The response to a request from a stored one: a 304 when the client's condition holds, `Age` on
 * anything not fresh from the origin, the outcome in `statusHeader` (unless false).
 */
export function answerFromStore(
  request: Request,
  stored: StoredResponse,
  outcome: CacheOutcome,
  statusHeader: string | false,
  now: () => number,
): Response {
  const notModified = stored.status === 200 && isNotModified(request.headers, stored.headers);
  const headers = notModified ? notModifiedHeaders(stored.headers) : new Headers(stored.headers);
  if (outcome !== 'MISS') headers.set('age', String(currentAge(stored, now())));
  if (statusHeader !== false) headers.set(statusHeader, outcome);
  const status = notModified ? 304 : stored.status;
  const noBody = notModified || request.method === 'HEAD' || status === 204;
  return new Response(noBody ? null : (stored.body as Uint8Array<ArrayBuffer>), { status, headers });
}

/** The origin's response with the outcome in `statusHeader`; copied once when its headers are immutable. */
export function markOutcome(
  response: Response,
  outcome: CacheOutcome,
  statusHeader: string | false,
): Response {
  if (statusHeader === false) return response;
  try {
    response.headers.set(statusHeader, outcome);
    return response;
  } catch {
    // Immutable headers (a Response from fetch()): copy them once.
    const copy = rebuild(response, response.body);
    copy.headers.set(statusHeader, outcome);
    return copy;
  }
}

/** The same response (status, text, a copy of the headers) around another body. */
export function rebuild(response: Response, body: ReadableStream<Uint8Array> | null): Response {
  return new Response(body, {
    status: response.status,
    statusText: response.statusText,
    headers: new Headers(response.headers),
  });
}

/** RFC 9111 §5.2.1.7: `only-if-cached` with nothing usable stored. */
export function gatewayTimeout(): Response {
  return new Response(null, { status: 504, headers: { 'cache-control': 'no-store' } });
}

/**
 * The request to send on a miss: without the client's own If-None-Match/If-Modified-Since, so the
 * origin sends a full response the cache can keep; the client's condition is then answered from it.
 */
export function unconditional(request: Request): Request {
  if (!request.headers.has('if-none-match') && !request.headers.has('if-modified-since')) return request;
  return deriveRequest(request, { headers: withoutConditionals(request.headers) });
}

/** RFC 9111 §4.3.1: the request that revalidates a stored response with its validators. */
export function revalidationRequest(request: Request, stored: StoredResponse): Request {
  const headers = withoutConditionals(request.headers);
  const etag = stored.headers.get('etag');
  const lastModified = stored.headers.get('last-modified');
  if (etag !== null) headers.set('if-none-match', etag);
  if (lastModified !== null) headers.set('if-modified-since', lastModified);
  return deriveRequest(request, { headers, method: 'GET' });
}

function withoutConditionals(headers: Headers): Headers {
  const copy = new Headers(headers);
  copy.delete('if-none-match');
  copy.delete('if-modified-since');
  return copy;
}
