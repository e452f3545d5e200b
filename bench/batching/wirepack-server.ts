// Ours: the same REST app (a Web-standard handler) behind wirepack's batch handler, served by its
// Node adapter. Requests to the batch endpoint fan out to the app in-process; others pass through.
import type { RequestListener } from 'node:http';
import { type BatchHandlerOptions, createBatchHandler } from '@wirepack/server';
import { type NodeListenerOptions, toNodeListener } from '@wirepack/server/node';
import { createRestApp } from './app.ts';

/** Options the benchmark may override (`--server-options`); everything else stays at its default. */
export type WirepackServerOverrides = Omit<BatchHandlerOptions, 'fetch'>;

/** wirepack's server, with its defaults unless overridden, as a `node:http` listener. */
export function createWirepackListener(
  overrides: WirepackServerOverrides = {},
  listenerOptions: NodeListenerOptions = {},
): RequestListener {
  return toNodeListener(createBatchHandler({ ...overrides, fetch: createRestApp() }), listenerOptions);
}
