import { getSubRequestInfo, registerSubRequest } from './batch-context.ts';

/** What may change in a derived request. */
export interface DeriveInit {
  readonly headers: Headers;
  /** The new body; without it the request has none (derived requests are GETs or re-encoded bodies). */
  readonly body?: string | Uint8Array;
  readonly method?: string;
}

/**
 * A copy of an app request with other headers (or another body) that is still the same request to
 * the app: the same URL, `request.signal` followed (a timeout or cancel of the call still aborts
 * it), and, for a call that came in a batch, the same batch context (`getBatchContext` keys on the
 * request object, so a plain `new Request(request, init)` would lose it). Used by the response
 * cache (revalidation, unconditional fetches) and the MessagePack middleware (a re-encoded body).
 */
export function deriveRequest(request: Request, init: DeriveInit): Request {
  const derived = new Request(request.url, {
    method: init.method ?? request.method,
    headers: init.headers,
    ...(init.body === undefined ? {} : { body: init.body as BodyInit }),
    signal: request.signal,
    redirect: request.redirect,
  });
  const info = getSubRequestInfo(request);
  if (info !== undefined) registerSubRequest(derived, info);
  return derived;
}
