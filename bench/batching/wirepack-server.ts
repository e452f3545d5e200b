// Ours: the same REST app (a Web-standard handler) behind wirepack's batch handler, served by its
// Node adapter. Requests to the batch endpoint fan out to the app in-process; others pass through.
import type { RequestListener } from 'node:http';
import { createBatchHandler } from '@wirepack/server';
import { toNodeListener } from '@wirepack/server/node';
import { createRestApp } from './app.ts';

/** wirepack's server with its defaults, as a `node:http` listener. */
export function createWirepackListener(): RequestListener {
  return toNodeListener(createBatchHandler({ fetch: createRestApp() }));
}
