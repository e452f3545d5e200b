/**
 * Handlers in a row: the static server first, then the batch handler or the app. A handler that has
 * nothing for a request answers {@link passResponse} (a plain 404), and {@link compose} hands the request
 * to the next one; used alone, that 404 is simply sent. The mark is a registered symbol on the
 * Response object, so it survives being bundled twice (the `.` and `./node` entries are separate
 * bundles) and never reaches the wire.
 */

/**
 * A Web-standard handler: what `createBatchHandler`, `serveStatic` and most frameworks' `fetch` are.
 * Arguments after the request are what a runtime passes there (Workers: `env`, `ctx`).
 */
export type RequestHandler = (request: Request, ...extra: never[]) => Response | Promise<Response>;

const PASS = Symbol.for('wirepack.pass');

/**
 * A 404 that means "not mine": {@link compose} tries the next handler; alone it is an ordinary 404.
 *
 * @example
 * const api: RequestHandler = (request) => (new URL(request.url).pathname.startsWith('/api/') ? app(request) : passResponse());
 */
export function passResponse(): Response {
  const response = new Response('Not Found', {
    status: 404,
    headers: { 'content-type': 'text/plain; charset=utf-8' },
  });
  Object.defineProperty(response, PASS, { value: true });
  return response;
}

/** True when a handler answered {@link passResponse}. */
export function isPassResponse(response: Response): boolean {
  return (response as unknown as Record<symbol, unknown>)[PASS] === true;
}

/**
 * One handler from several: each request goes to the first handler that does not pass. The request
 * is handed on untouched (a handler that passes must not have read its body). When every handler
 * passes, the last one's 404 is the answer.
 *
 * @example
 * const handler = createBatchHandler({ fetch: compose(serveStatic({ root: 'dist' }), app.fetch) });
 * createServer(toNodeListener(handler)).listen(3000);
 */
export function compose(
  ...handlers: readonly RequestHandler[]
): (request: Request, ...extra: unknown[]) => Promise<Response> {
  if (handlers.length === 0) throw new TypeError('[wirepack/server] compose() needs at least one handler');
  for (const [index, handler] of handlers.entries()) {
    if (typeof handler !== 'function') {
      throw new TypeError(
        `[wirepack/server] compose(): handler ${index} is ${typeof handler}, not a function`,
      );
    }
  }
  // Arguments after the request (Workers: `env`, `ctx`) reach every handler unchanged.
  return async (request, ...extra) => {
    let response: Response | undefined;
    for (const handler of handlers) {
      response = await handler(request, ...(extra as never[]));
      if (!isPassResponse(response)) return response;
      // Not sent: release whatever the passing handler put in its body.
      await response.body?.cancel();
    }
    return passResponse();
  };
}
