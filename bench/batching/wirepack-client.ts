// Ours: wirepack's batching fetch with its defaults, over the process's global fetch (and so the
// same 6-connection undici Agent as every other contender).
import { type BatchFetch, type BatchFetchOptions, createBatchFetch } from '@wirepack/client';

/** Options the benchmark may override (`--client-options`); everything else stays at its default. */
export type WirepackClientOverrides = Omit<BatchFetchOptions, 'endpoint' | 'fetch'>;

/** A fetch-compatible function that batches calls to `origin` through its `/__wirepack` endpoint. */
export function createWirepackFetch(origin: string, overrides: WirepackClientOverrides = {}): BatchFetch {
  return createBatchFetch({ ...overrides, endpoint: `${origin}/__wirepack` });
}
