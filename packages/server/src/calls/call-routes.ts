import type { LightCall } from './light-call.ts';

/**
 * A light handler: takes the call, returns its answer. A plain value is sent as a 200 JSON body (as
 * `Response.json(value)` would be); `callResponse(body, { status, headers })` chooses status and
 * headers; a Web `Response` is read as the `fetch` path reads one. What it throws becomes a 500, the
 * error going to `onError`, as on the `fetch` path.
 */
export type LightHandler<TContext = unknown> = {
  // Method syntax, so a table typed for one context is accepted where `unknown` is expected (as
  // createWirepackServer's options are), the way handler parameters are checked elsewhere.
  handle(call: LightCall<TContext>): unknown;
}['handle'];

/** What a route lookup found: the handler and the path's `:name` segments. */
export interface RouteMatch<TContext = unknown> {
  readonly handler: LightHandler<TContext>;
  readonly params: Readonly<Record<string, string>>;
}

interface DynamicRoute<TContext> {
  /** Literal segments, or `undefined` where a `:name` segment stands. */
  readonly literals: ReadonlyArray<string | undefined>;
  readonly names: ReadonlyArray<string | undefined>;
  /** A trailing `*` takes any rest, including none. */
  readonly rest: boolean;
  readonly handler: LightHandler<TContext>;
}

const NO_PARAMS: Readonly<Record<string, string>> = Object.freeze({});
const METHOD = /^[A-Z]+$/;

/**
 * The calls a batch handler runs on the light path (`createBatchHandler({ fetch, routes })`): a
 * method and a path pattern per handler, `:name` for one segment, a trailing `*` for any rest.
 * Calls that match no route go to `fetch` as before, so routes can be added one hot endpoint at a
 * time. Static paths are found with one map lookup; patterns are tried in the order they were added.
 */
export class CallRoutes<TContext = unknown> {
  /** Static paths by method, then path: two lookups, no key built per call. */
  readonly #exact = new Map<string, Map<string, LightHandler<TContext>>>();
  readonly #dynamic = new Map<string, Array<DynamicRoute<TContext>>>();
  #size = 0;

  /** How many routes the table holds. */
  get size(): number {
    return this.#size;
  }

  /** Adds a route for `method` (upper case, e.g. `GET`) and `pattern` (e.g. `/api/users/:id`). */
  on(method: string, pattern: string, handler: LightHandler<TContext>): this {
    if (typeof method !== 'string' || !METHOD.test(method)) {
      throw new TypeError(
        `[wirepack/server] a route's method must be upper case, e.g. "GET"; got ${String(method)}`,
      );
    }
    if (typeof pattern !== 'string' || !pattern.startsWith('/') || pattern.startsWith('//')) {
      throw new TypeError(`[wirepack/server] a route's path must start with "/", got ${String(pattern)}`);
    }
    if (typeof handler !== 'function') {
      throw new TypeError(
        `[wirepack/server] the route ${method} ${pattern} needs a handler function, got ${typeof handler}`,
      );
    }
    this.#size++;
    const segments = pattern.split('/').slice(1);
    const rest = segments[segments.length - 1] === '*';
    if (rest) segments.pop();
    if (!rest && segments.every((segment) => !segment.startsWith(':'))) {
      const paths = this.#exact.get(method) ?? new Map<string, LightHandler<TContext>>();
      if (paths.has(pattern))
        throw new TypeError(`[wirepack/server] the route ${method} ${pattern} is defined twice`);
      paths.set(pattern, handler);
      this.#exact.set(method, paths);
      return this;
    }
    const route: DynamicRoute<TContext> = {
      literals: segments.map((segment) => (segment.startsWith(':') ? undefined : segment)),
      names: segments.map((segment) => (segment.startsWith(':') ? segment.slice(1) : undefined)),
      rest,
      handler,
    };
    const list = this.#dynamic.get(method) ?? [];
    list.push(route);
    this.#dynamic.set(method, list);
    return this;
  }

  /** Adds a `GET` route; see {@link CallRoutes.on}. */
  get(pattern: string, handler: LightHandler<TContext>): this {
    return this.on('GET', pattern, handler);
  }

  /** Adds a `POST` route; see {@link CallRoutes.on}. */
  post(pattern: string, handler: LightHandler<TContext>): this {
    return this.on('POST', pattern, handler);
  }

  /** Adds a `PUT` route; see {@link CallRoutes.on}. */
  put(pattern: string, handler: LightHandler<TContext>): this {
    return this.on('PUT', pattern, handler);
  }

  /** Adds a `PATCH` route; see {@link CallRoutes.on}. */
  patch(pattern: string, handler: LightHandler<TContext>): this {
    return this.on('PATCH', pattern, handler);
  }

  /** Adds a `DELETE` route; see {@link CallRoutes.on}. */
  delete(pattern: string, handler: LightHandler<TContext>): this {
    return this.on('DELETE', pattern, handler);
  }

  /** The route for a call, or undefined (the call then goes to `fetch`). */
  match(method: string, pathname: string): RouteMatch<TContext> | undefined {
    const exact = this.#exact.get(method)?.get(pathname);
    if (exact !== undefined) return { handler: exact, params: NO_PARAMS };
    const list = this.#dynamic.get(method);
    if (list === undefined) return undefined;
    for (const route of list) {
      const params = matchRoute(route, pathname);
      if (params !== undefined) return { handler: route.handler, params };
    }
    return undefined;
  }
}

/**
 * The params of `pathname` if it matches the route, else undefined. Walks the path's segments in place
 * (no split, no array per call): every call of a batch passes here.
 */
function matchRoute<TContext>(
  route: DynamicRoute<TContext>,
  pathname: string,
): Readonly<Record<string, string>> | undefined {
  const count = route.literals.length;
  let params: Record<string, string> | undefined;
  let start = 1; // after the leading '/'
  for (let i = 0; i < count; i++) {
    if (start > pathname.length) return undefined; // fewer segments than the route
    let end = pathname.indexOf('/', start);
    if (end === -1) end = pathname.length;
    const literal = route.literals[i];
    if (literal !== undefined) {
      if (end - start !== literal.length || !pathname.startsWith(literal, start)) return undefined;
    } else {
      if (end === start) return undefined; // an empty :param
      params ??= {};
      params[route.names[i] as string] = decodeSegment(pathname.slice(start, end));
    }
    start = end + 1;
  }
  // Without a trailing *, the path must end exactly where the route does.
  if (!route.rest && start <= pathname.length) return undefined;
  return params ?? NO_PARAMS;
}

/**
 * A table of light routes for `createBatchHandler({ routes })`; see {@link CallRoutes}.
 *
 * @example
 * ```ts
 * import { createBatchHandler, createCallRoutes } from '@wirepack/server';
 *
 * const routes = createCallRoutes().get('/api/users/:id', (call) => users.load(Number(call.params.id)));
 * const handler = createBatchHandler({ fetch: app.fetch, routes });
 * ```
 */
export function createCallRoutes<TContext = unknown>(): CallRoutes<TContext> {
  return new CallRoutes<TContext>();
}

function decodeSegment(segment: string): string {
  if (!segment.includes('%')) return segment;
  try {
    return decodeURIComponent(segment);
  } catch {
    // Not valid percent-encoding: the handler sees it as sent.
    return segment;
  }
}
