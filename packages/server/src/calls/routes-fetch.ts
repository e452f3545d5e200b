import { getSubRequestInfo } from '../batch-context.ts';
import { pathnameOf } from '../pathname-of.ts';
import type { CallRoutes } from './call-routes.ts';
import {
  CallResponse,
  type LightCall,
  lightBody,
  PairHeaders,
  UNREADABLE_BODY_ANSWER,
  UnreadableBody,
} from './light-call.ts';

/** A Web-standard handler, with whatever the runtime passes after the request. */
type WebHandler = (request: Request, ...extra: unknown[]) => Response | Promise<Response>;

/**
 * The same routes as a Web-standard handler, for requests that do not come in a batch (and for a
 * response cache's origin): a request that matches a route runs its light handler, its answer made
 * into a `Response` as the batch would send it; any other goes to `fallback`. So an app states its
 * hot routes once and serves them batched and unbatched alike.
 *
 * @example
 * ```ts
 * const routes = createCallRoutes().get('/api/users/:id', (call) => users.load(call.params.id));
 * const app = routesFetch(routes, hono.fetch);
 * const handler = createBatchHandler({ fetch: app, routes });
 * ```
 */
export function routesFetch<TContext = unknown>(
  routes: CallRoutes<TContext>,
  fallback: WebHandler,
): WebHandler {
  if (typeof fallback !== 'function') {
    throw new TypeError(`[wirepack/server] routesFetch needs a fallback handler, got ${typeof fallback}`);
  }
  return async (request, ...extra) => {
    const url = request.url;
    const match = routes.match(request.method, pathnameOf(url));
    if (match === undefined) return fallback(request, ...extra);
    let body: unknown;
    if (request.body !== null) {
      try {
        body = lightBody(new Uint8Array(await request.arrayBuffer()), request.headers.get('content-type'));
      } catch (error) {
        if (!(error instanceof UnreadableBody)) throw error;
        return toResponse(UNREADABLE_BODY_ANSWER);
      }
    }
    const info = getSubRequestInfo<TContext>(request);
    const query = url.indexOf('?');
    const hash = url.indexOf('#');
    const search = query === -1 ? '' : url.slice(query, hash === -1 ? undefined : hash);
    const call: LightCall<TContext> = {
      method: request.method,
      pathname: pathnameOf(url),
      search: search === '?' ? '' : search,
      get query() {
        return new URLSearchParams(search);
      },
      params: match.params,
      headers: new PairHeaders([...request.headers]),
      body,
      signal: request.signal,
      context: info?.context as TContext,
      id: info?.id ?? 0,
      batchId: info?.batchId ?? '',
      priority: info?.priority ?? 'auto',
      parent: info?.parent ?? request,
    };
    return toResponse(await match.handler(call));
  };
}

/** A light handler's answer as the Response the batch's frame stands for. */
function toResponse(answer: unknown): Response {
  if (answer instanceof Response) return answer;
  if (answer === undefined) return new Response(null, { status: 204 });
  const reply = answer instanceof CallResponse ? answer : new CallResponse(200, [], answer);
  const headers = new Headers(reply.headers as Array<[string, string]>);
  const value = reply.body;
  if (value === undefined) return new Response(null, { status: reply.status, headers });
  if (value instanceof Uint8Array) {
    if (!headers.has('content-type')) headers.set('content-type', 'application/octet-stream');
    return new Response(value as Uint8Array<ArrayBuffer>, { status: reply.status, headers });
  }
  if (!headers.has('content-type')) headers.set('content-type', 'application/json');
  const text = JSON.stringify(value);
  if (text === undefined) throw new TypeError('Value is not JSON serializable');
  return new Response(text, { status: reply.status, headers });
}
