import type { ResultFrame } from '@wirepack/protocol';
import { responseFromFrame } from './batched-response.ts';
import { type BatchRequestInit, bodyInit, type OutgoingRequest } from './outgoing-request.ts';
import { isRedirect, MAX_REDIRECTS, redirectRequest } from './redirect.ts';

/** What following redirects needs from the batch fetch. */
export interface RedirectContext {
  /** One more call through the batch, answered with its frame. */
  attempt(request: OutgoingRequest, init: BatchRequestInit | undefined): Promise<ResultFrame>;
  /** Whether a URL can travel in a batch (see Endpoint.carries). */
  carries(url: URL): boolean;
  warnIfCookies(request: OutgoingRequest, frame: ResultFrame): void;
  readonly fetch: typeof globalThis.fetch;
  readonly credentials: RequestCredentials;
}

/**
 * Follows a call's redirects from its first frame, the way fetch's `redirect: 'follow'` does: each
 * same-origin hop through the batch, and the rest of the chain with plain fetch once a hop leaves
 * the endpoint's origin. Rejects as fetch does for `redirect: 'error'` and after MAX_REDIRECTS hops.
 */
export async function followRedirects(
  context: RedirectContext,
  first: OutgoingRequest,
  init: BatchRequestInit | undefined,
  firstFrame: ResultFrame,
): Promise<Response> {
  let request = first;
  let frame = firstFrame;
  for (let hops = 0; ; hops++) {
    if (hops > 0) {
      frame = await context.attempt(request, init);
      context.warnIfCookies(request, frame);
    }
    if (!isRedirect(frame)) return responseFromFrame(frame, request.url, request.method, hops > 0);
    if (request.redirect === 'error') {
      throw new TypeError('fetch failed', { cause: new Error('unexpected redirect (redirect: error)') });
    }
    if (hops === MAX_REDIRECTS)
      throw new TypeError('fetch failed', { cause: new Error('redirect count exceeded') });
    request = redirectRequest(request, frame);
    if (!context.carries(request.url)) {
      // Leaving the endpoint's origin: fetch follows the rest of the chain itself.
      const response = await context.fetch(request.url, {
        method: request.method,
        headers: request.headers as [string, string][],
        body: bodyInit(request.body),
        redirect: 'follow',
        credentials: context.credentials,
        ...(request.signal === undefined ? {} : { signal: request.signal }),
      });
      Object.defineProperty(response, 'redirected', { value: true, configurable: true });
      return response;
    }
  }
}
