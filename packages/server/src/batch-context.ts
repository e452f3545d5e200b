import type { Priority } from '@wirepack/protocol';

/** What a sub-request knows about the batch it came in. */
export interface SubRequestInfo<TContext = unknown> {
  /** The batch id chosen by the client. */
  readonly batchId: string;
  /** The sub-request's id within the batch. */
  readonly id: number;
  readonly priority: Priority;
  /** The batch-scoped value made by `options.createContext` (undefined without it). */
  readonly context: TContext;
  /** Aborts when the sub-request times out, is cancelled, or the client goes away (also `request.signal`). */
  readonly signal: AbortSignal;
  /** The batch request this sub-request came in (its headers, its URL). */
  readonly parent: Request;
}

// Keyed by the sub-request object itself (a Web Request, or a Node IncomingMessage for the Express
// middleware): entries go away with the request, nothing to clean up, nothing forgeable by a header.
// One registry per process, found through a global symbol: the built `./node` entry carries its own
// copy of this module, and an app may end up with two copies of the package; all must share it.
const REGISTRY_KEY = Symbol.for('@wirepack/server/batch-context');
const registry: WeakMap<object, SubRequestInfo> = sharedRegistry();

function sharedRegistry(): WeakMap<object, SubRequestInfo> {
  const global = globalThis as Record<symbol, WeakMap<object, SubRequestInfo> | undefined>;
  const existing = global[REGISTRY_KEY];
  if (existing !== undefined) return existing;
  const created = new WeakMap<object, SubRequestInfo>();
  global[REGISTRY_KEY] = created;
  return created;
}

/** @internal Ties a sub-request object to its batch. */
export function registerSubRequest(request: object, info: SubRequestInfo): void {
  registry.set(request, info);
}

/**
 * The batch-scoped context of a sub-request: the value `options.createContext` made for the batch this
 * request came in, shared by all its sub-requests (one DataLoader per batch turns N lookups into one
 * query). `undefined` for a request that did not come in a batch.
 *
 * @example
 * ```ts
 * const handler = createBatchHandler({
 *   fetch: app.fetch,
 *   createContext: () => ({ users: new DataLoader(loadUsers) }),
 * });
 * app.get('/users/:id', (c) => {
 *   const loader = getBatchContext<{ users: DataLoader<string, User> }>(c.req.raw)?.users ?? new DataLoader(loadUsers);
 *   return c.json(await loader.load(c.req.param('id')));
 * });
 * ```
 */
export function getBatchContext<TContext = unknown>(request: object): TContext | undefined {
  return registry.get(request)?.context as TContext | undefined;
}

/** The batch a sub-request came in (id, priority, context), or undefined for an ordinary request. */
export function getSubRequestInfo<TContext = unknown>(request: object): SubRequestInfo<TContext> | undefined {
  return registry.get(request) as SubRequestInfo<TContext> | undefined;
}
