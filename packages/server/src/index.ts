// @wirepack/server: serve wirepack batches in front of a Web-standard app.
// Node's http server and Express: `@wirepack/server/node`.

// --- Admission control (server-wide concurrency, priority queue, shedding) -----------------
export {
  type AdmissionController,
  type AdmissionPermit,
  type AdmissionRequest,
  type AdmissionStats,
  type ByPriority,
  createAdmissionController,
} from './admission/admission-controller.ts';
export {
  type AdmissionOptions,
  type AdmissionPriority,
  DEFAULT_ADMISSION_OPTIONS,
  type ShedReason,
} from './admission/admission-options.ts';
export { priorityFromHeader } from './admission/priority-header.ts';
export { shedResponse, type WithAdmissionOptions, withAdmission } from './admission/with-admission.ts';
// --- The batch context ----------------------------------------------------------------------
export { getBatchContext, getSubRequestInfo, type SubRequestInfo } from './batch-context.ts';
// --- Response cache -------------------------------------------------------------------------
export {
  type CacheErrorInfo,
  type CacheEvent,
  type CacheOutcome,
  DEFAULT_RESPONSE_CACHE_OPTIONS,
  type ResponseCacheOptions,
} from './cache/cache-options.ts';
export type { CacheStore } from './cache/cache-store.ts';
export { createResponseCache, type ResponseCache } from './cache/create-response-cache.ts';
export {
  createMemoryStore,
  DEFAULT_MEMORY_STORE_OPTIONS,
  type MemoryStoreOptions,
} from './cache/memory-store.ts';
// --- The light path (opt-in routes that skip Request and Response per call) ----------------
export { CallRoutes, createCallRoutes, type LightHandler, type RouteMatch } from './calls/call-routes.ts';
export {
  type CallHeaders,
  CallResponse,
  type CallResponseInit,
  callResponse,
  type LightCall,
} from './calls/light-call.ts';
export { routesFetch } from './calls/routes-fetch.ts';
// --- Composing handlers --------------------------------------------------------------------
export { compose, isPassResponse, passResponse, type RequestHandler } from './compose.ts';
// --- The handler ----------------------------------------------------------------------------
export { type BatchHandler, createBatchHandler } from './create-batch-handler.ts';
// --- Metrics --------------------------------------------------------------------------------
export type { HistogramSnapshot, MetricsObserver, MetricsSnapshot } from './metrics.ts';
// --- MessagePack for plain endpoints --------------------------------------------------------
export {
  createMsgpackHandler,
  DEFAULT_MSGPACK_HANDLER_OPTIONS,
  type MsgpackHandlerOptions,
} from './msgpack/create-msgpack-handler.ts';
// --- Content negotiation --------------------------------------------------------------------
export { CODING_PREFERENCE, type ContentCoding, negotiateEncoding } from './negotiate-encoding.ts';
// --- Options and limits ---------------------------------------------------------------------
export {
  type BatchCallSummary,
  type BatchHandlerOptions,
  type BatchSummary,
  type CodecFactory,
  DEFAULT_INHERITED_HEADERS,
  DEFAULT_SERVER_LIMITS,
  type ErrorInfo,
  type FetchHandler,
  type ServerLimits,
} from './options.ts';
