// Ours: wirepack's batching fetch with its defaults, over the process's global fetch (and so the
// same 6-connection undici Agent as every other contender).
import { createBatchFetch } from '@wirepack/client';

/** A fetch-compatible function that batches calls to `origin` through its `/__wirepack` endpoint. */
export function createWirepackFetch(origin: string): typeof fetch {
  return createBatchFetch({ endpoint: `${origin}/__wirepack` });
}
