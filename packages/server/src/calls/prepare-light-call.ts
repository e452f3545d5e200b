import { type SubRequest, WirepackError } from '@wirepack/protocol';
import type { CallSignal } from '../call-signal.ts';
import { callMethod, callTarget, checkHeaderLimits, type ParentInfo } from '../sub-request.ts';
import type { CallRoutes } from './call-routes.ts';
import {
  BatchLightCall,
  LazyCallHeaders,
  lightBody,
  UNREADABLE_BODY_ANSWER,
  UnreadableBody,
} from './light-call.ts';

/** A routed call ready to run: its handler and the call object it takes. */
export interface PreparedLightCall<TContext> {
  readonly handler: (call: BatchLightCall<TContext>) => unknown;
  readonly light: BatchLightCall<TContext>;
}

/** What a batch shares with each of its light calls. */
export interface LightCallScope<TContext> {
  readonly routes: CallRoutes<TContext>;
  readonly parent: ParentInfo;
  /** Routed GET and HEAD calls go to `fetch` (a response cache answers them). */
  readonly cacheSafeCalls: boolean;
  readonly context: TContext;
  readonly batchId: string;
  readonly request: Request;
}

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const HEADER_VALUE_INVALID = /[\0\r\n]/;

/**
 * The light path's side of one call, before it runs: undefined when no route matches (the call then
 * goes to `fetch`); else its handler and call object. Refuses with the fetch path's codes what the
 * fetch path refuses (INVALID_PATH, INVALID_ENVELOPE, HEADERS_TOO_LARGE), checked before any route
 * code runs; the headers themselves are built only if the handler reads them.
 */
export function prepareLightCall<TContext>(
  call: SubRequest,
  scope: LightCallScope<TContext>,
  signal: CallSignal,
): PreparedLightCall<TContext> | undefined {
  const method = callMethod(call);
  if (scope.cacheSafeCalls && (method === 'GET' || method === 'HEAD')) return undefined;
  const target = callTarget(call, scope.parent);
  const match = scope.routes.match(method, target.pathname);
  if (match === undefined) return undefined;
  checkHeaderLimits(call, scope.parent);
  checkHeaderPairs(call);
  let handler = match.handler as (call: BatchLightCall<TContext>) => unknown;
  const headers = new LazyCallHeaders(call, scope.parent);
  let body: unknown;
  try {
    body = lightBody(
      call.body.kind === 'json' ? call.body.value : call.body.kind === 'bytes' ? call.body.bytes : undefined,
      call.body.kind === 'bytes' ? headers.get('content-type') : null,
    );
  } catch (error) {
    if (!(error instanceof UnreadableBody)) throw error;
    handler = () => UNREADABLE_BODY_ANSWER; // as routesFetch answers it
  }
  const light = new BatchLightCall(
    method,
    target.pathname,
    target.search,
    match.params,
    headers,
    body,
    scope.context,
    call.id,
    scope.batchId,
    call.priority,
    scope.request,
    signal,
  );
  return { handler, light };
}

/** What `Request` refuses in a call's own headers, refused on the light path too with the same code. */
function checkHeaderPairs(call: SubRequest): void {
  for (const [name, value] of call.headers) {
    if (!HEADER_NAME.test(name) || HEADER_VALUE_INVALID.test(value)) {
      throw new WirepackError(
        'INVALID_ENVELOPE',
        `${call.method.slice(0, 32)} ${call.path.slice(0, 64)} refused: invalid header ${name.slice(0, 32)}`,
      );
    }
  }
}
