import type { HeaderList, ResultFrame } from '@wirepack/protocol';
import { NO_BODY } from '@wirepack/protocol';
import type { OutgoingRequest } from './outgoing-request.ts';

/** fetch gives up after this many redirects (Fetch, "HTTP-redirect fetch", step 5). */
export const MAX_REDIRECTS = 20;

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/** Request-body headers dropped when a redirect turns the request into a bodiless GET (Fetch §4.4 step 12). */
const BODY_HEADERS = new Set([
  'content-encoding',
  'content-language',
  'content-location',
  'content-type',
  'content-length',
]);

/** Whether a sub-response is a redirect that `redirect: 'follow'` would follow. */
export function isRedirect(frame: ResultFrame): boolean {
  return REDIRECT_STATUSES.has(frame.status) && frame.headers.some(([name]) => name === 'location');
}

/**
 * The request `fetch` makes next when it follows a redirect (Fetch, "HTTP-redirect fetch"):
 * the Location resolved against the current URL; 303 (and 301/302 after a POST) become a GET
 * without body or body headers; 307/308 resend method and body; a cross-origin hop drops
 * `Authorization`. Throws fetch's TypeError for a Location that is not an HTTP(S) URL.
 *
 * The server never follows redirects itself: it returns the 3xx as a result frame, so a
 * redirect behaves exactly as unbatched — same hops, same method rewriting, and the final
 * response says `redirected: true` with the final `url`.
 */
export function redirectRequest(request: OutgoingRequest, frame: ResultFrame): OutgoingRequest {
  const location = frame.headers.find(([name]) => name === 'location')?.[1] ?? '';
  let url: URL;
  try {
    url = new URL(location, request.url);
  } catch (error) {
    throw new TypeError('fetch failed', { cause: error });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TypeError('fetch failed', {
      cause: new Error(`redirect to a non-HTTP(S) URL: ${url.protocol}`),
    });
  }
  url.hash = '';
  const toGet =
    (frame.status === 303 && request.method !== 'GET' && request.method !== 'HEAD') ||
    ((frame.status === 301 || frame.status === 302) && request.method === 'POST');
  let headers: HeaderList = request.headers;
  if (toGet) headers = headers.filter(([name]) => !BODY_HEADERS.has(name));
  if (url.origin !== request.url.origin) headers = headers.filter(([name]) => name !== 'authorization');
  return {
    ...request,
    url,
    method: toGet ? 'GET' : request.method,
    headers,
    body: toGet ? NO_BODY : request.body,
  };
}
