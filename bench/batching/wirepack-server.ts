// Ours: the same REST app (a Web-standard handler) behind wirepack's batch handler, served by its
// Node adapter. Requests to the batch endpoint fan out to the app in-process; others pass through.
import type { RequestListener } from 'node:http';
import {
  type BatchHandlerOptions,
  type CallRoutes,
  callResponse,
  createBatchHandler,
  createCallRoutes,
} from '@wirepack/server';
import { type NodeListenerOptions, toNodeListener } from '@wirepack/server/node';
import { createRestApp, loadUser, parseUserCall } from './app.ts';

/** Options the benchmark may override (`--server-options`); everything else stays at its default. */
export type WirepackServerOverrides = Omit<BatchHandlerOptions, 'fetch'>;

/** wirepack's server, with its defaults unless overridden, as a `node:http` listener. */
export function createWirepackListener(
  overrides: WirepackServerOverrides = {},
  listenerOptions: NodeListenerOptions = {},
  light = false,
): RequestListener {
  const handler = createBatchHandler({
    ...overrides,
    fetch: createRestApp(),
    ...(light ? { routes: createUserRoutes() } : {}),
  });
  return toNodeListener(handler, listenerOptions);
}

/**
 * The same REST app's one endpoint as a light route (the opt-in path): the call's path and query
 * as they arrived, the record as the value, no Request or Response per call.
 */
export function createUserRoutes(): CallRoutes {
  return createCallRoutes().get('/api/users/:id', (call) => {
    const parsed = parseUserCall(call.pathname, call.search === '' ? null : call.query.get('delay'));
    if (!parsed) return callResponse({ error: 'not found' }, { status: 404 });
    return loadUser(parsed.id, parsed.delayMs);
  });
}
