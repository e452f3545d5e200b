// The work every contender's server does for one call, so the contenders differ only in how calls
// travel: look up one small user record after 1 ms of waiting, and answer it as JSON.
//
// The 1 ms is an asynchronous wait (a real `setTimeout(1)`), not a busy loop. It stands for what an
// API call mostly does, waiting on a database or another service, during which the server's one
// thread serves other calls. A 1 ms busy loop would cap every single-threaded server at 1,000
// calls/s whatever the transport, and the benchmark would measure the loop, not the batching.
// Node rounds `setTimeout(1)` to at least 1 ms and fires every timer due in the same millisecond
// together, so calls arriving together also finish together, as they would behind a database pool.
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';

/** Milliseconds of (asynchronous) server work per call. */
export const WORK_MS = 1;

/** Milliseconds the one slow call of the head-of-line case takes. */
export const SLOW_MS = 250;

/** The most a caller may ask a call to wait: the benchmark's servers are bounded too. */
export const MAX_DELAY_MS = 1_000;

/** The small JSON record every call answers. */
export interface User {
  id: number;
  name: string;
  email: string;
  active: boolean;
}

/** The record for `id`; callers check what they receive against it. */
export function userRecord(id: number): User {
  return { id, name: `User ${id}`, email: `user${id}@example.com`, active: id % 3 !== 0 };
}

/** The path of the REST call for user `id`, with the extra wait (`delayMs`) as a query parameter. */
export function userPath(id: number, delayMs = 0): string {
  return delayMs > 0 ? `/api/users/${id}?delay=${delayMs}` : `/api/users/${id}`;
}

/** One call's work: `WORK_MS` (or the requested delay, bounded) of waiting, then the record. */
export function loadUser(id: number, delayMs = 0): Promise<User> {
  const wait = Math.min(Math.max(WORK_MS, delayMs), MAX_DELAY_MS);
  return new Promise((resolve) => setTimeout(() => resolve(userRecord(id)), wait));
}

const USER_PATH = /^\/api\/users\/(\d{1,9})$/;

/** Parses a REST call's path and query; `undefined` when it is not one. */
export function parseUserCall(
  pathname: string,
  delay: string | null,
): { id: number; delayMs: number } | undefined {
  const match = USER_PATH.exec(pathname);
  if (!match?.[1]) return undefined;
  const delayMs = delay === null ? 0 : Number(delay);
  if (!Number.isInteger(delayMs) || delayMs < 0) return undefined;
  return { id: Number(match[1]), delayMs };
}

/**
 * The REST app as a Web-standard handler, `GET /api/users/:id[?delay=ms]`, the way an app built
 * on Hono or any fetch-style framework looks. wirepack's server wraps it.
 */
export function createRestApp(): (request: Request) => Promise<Response> {
  return async (request) => {
    const url = new URL(request.url);
    const call =
      request.method === 'GET' ? parseUserCall(url.pathname, url.searchParams.get('delay')) : undefined;
    if (!call) return Response.json({ error: 'not found' }, { status: 404 });
    return Response.json(await loadUser(call.id, call.delayMs));
  };
}

/**
 * The same REST app on bare `node:http`: the baseline plain `fetch` calls, with no framework and
 * no Request/Response objects on the server, so the baseline is as cheap as Node allows.
 */
export function createRestListener(): RequestListener {
  return (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const call =
      request.method === 'GET' ? parseUserCall(url.pathname, url.searchParams.get('delay')) : undefined;
    if (!call) {
      response.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
      return;
    }
    loadUser(call.id, call.delayMs).then((user) => {
      const body = JSON.stringify(user);
      response
        .writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) })
        .end(body);
    });
  };
}
