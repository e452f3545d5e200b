// @wirepack/client: a fetch that batches an app's same-origin calls into one streamed request
// to a @wirepack/server endpoint. Usage and behaviour are documented in this package's README.md.

// --- Errors (from @wirepack/protocol, so callers need not depend on it) ----------------------
export { isWirepackError, WirepackError, type WirepackErrorCode } from '@wirepack/protocol';
// --- The batching fetch ---------------------------------------------------------------------
export type { CallResult } from './call-result.ts';
export { type BatchFetch, createBatchFetch } from './create-batch-fetch.ts';
// --- Options --------------------------------------------------------------------------------
export {
  type BatchFetchOptions,
  type BrotliEncoder,
  DEFAULT_BATCH_FETCH_OPTIONS,
  type RequestCompression,
  type ResponseCacheOptions,
} from './options.ts';
export type { BatchRequestInit } from './outgoing-request.ts';
