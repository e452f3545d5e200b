import { isWirepackError, PROBLEM_MEDIA_TYPE, toProblem, WirepackError } from '@wirepack/protocol';
import type { FetchHandler } from '../options.ts';
import type { AdmissionController } from './admission-controller.ts';
import type { AdmissionPriority } from './admission-options.ts';
import { priorityFromHeader } from './priority-header.ts';

/** Options of {@link withAdmission}. */
export interface WithAdmissionOptions {
  /**
   * The priority of a request.
   * @default the RFC 9218 `Priority` header: `u=0`-`u=2` high, none or `u=3` auto, `u=4`-`u=7` low
   */
  readonly priorityOf?: (request: Request) => AdmissionPriority;
  /**
   * Requests that skip admission (health checks, metrics scrapes, the batch endpoint whose calls are
   * admitted one by one): return true to hand the request straight to the handler.
   * @default undefined (every request is admitted)
   */
  readonly bypass?: (request: Request) => boolean;
}

/**
 * Admits plain requests through a server-wide {@link AdmissionController} before they reach `handler`:
 * each waits for a permit by its priority and releases it when the handler's promise settles (so a
 * streaming body that the handler returns is not counted while it is read). A shed request is answered
 * at once with {@link shedResponse}: 503, `Retry-After`, problem details with code `OVERLOADED`. A
 * request whose client goes away while it waits leaves the queue and gets an empty 499, unread.
 *
 * @example
 * ```ts
 * const admission = createAdmissionController({ concurrency: 64 });
 * const batches = createBatchHandler({ fetch: app.fetch, admission });
 * const handler = withAdmission(batches, admission, { bypass: (r) => new URL(r.url).pathname === batches.endpoint });
 * ```
 */
export function withAdmission<TEnv = unknown, TExecutionContext = unknown>(
  handler: FetchHandler<TEnv, TExecutionContext>,
  admission: AdmissionController,
  options: WithAdmissionOptions = {},
): (request: Request, env?: TEnv, ctx?: TExecutionContext) => Promise<Response> {
  if (typeof handler !== 'function') {
    throw new TypeError(
      `[wirepack/server] withAdmission expects a (request) => Response handler, got ${typeof handler}`,
    );
  }
  const priorityOf = options.priorityOf ?? priorityFromHeader;
  const { bypass } = options;
  // Rest arguments, not (request, env, ctx): the app sees exactly the arguments the runtime passed.
  const call = handler as (request: Request, ...extra: unknown[]) => Response | Promise<Response>;
  return async (request: Request, ...extra: unknown[]): Promise<Response> => {
    if (bypass?.(request)) return call(request, ...extra);
    const priority = priorityOf(request);
    let permit = admission.tryAcquire(priority);
    if (permit === undefined) {
      try {
        permit = await admission.acquire({ priority, signal: request.signal });
      } catch (error) {
        if (isWirepackError(error) && error.code === 'OVERLOADED') {
          return shedResponse(admission.retryAfterSeconds(), error);
        }
        if (request.signal.aborted) {
          // The client went away while waiting: nobody reads this answer, but throwing would make the
          // adapter log a failure for an ordinary disconnect. 499 is nginx's "client closed request",
          // the status the protocol gives CANCELED.
          return new Response(null, { status: 499, headers: { 'cache-control': 'no-store' } });
        }
        throw error;
      }
    }
    try {
      return await call(request, ...extra);
    } finally {
      permit.release();
    }
  };
}

/**
 * The answer to shed work: `503 Service Unavailable` with `Retry-After` in seconds (RFC 9110 section
 * 10.2.3) and `application/problem+json` details, code `OVERLOADED`. Never stored by caches.
 */
export function shedResponse(
  retryAfterSeconds: number,
  error: WirepackError = new WirepackError('OVERLOADED', 'the server is overloaded; retry later'),
): Response {
  return new Response(JSON.stringify(toProblem(error)), {
    status: 503,
    headers: {
      'content-type': PROBLEM_MEDIA_TYPE,
      'cache-control': 'no-store',
      'retry-after': String(Math.max(0, Math.ceil(retryAfterSeconds))),
    },
  });
}
