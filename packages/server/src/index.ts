// @wirepack/server: serve wirepack batches in front of a Web-standard app.
// Node's http server and Express: `@wirepack/server/node`.

// --- The batch context ----------------------------------------------------------------------
export { getBatchContext, getSubRequestInfo, type SubRequestInfo } from './batch-context.ts';
// --- The handler ----------------------------------------------------------------------------
export { type BatchHandler, createBatchHandler } from './create-batch-handler.ts';
// --- Metrics --------------------------------------------------------------------------------
export type { HistogramSnapshot, MetricsObserver, MetricsSnapshot } from './metrics.ts';
// --- Options and limits ---------------------------------------------------------------------
export {
  type BatchHandlerOptions,
  type BatchSummary,
  type CodecFactory,
  DEFAULT_INHERITED_HEADERS,
  DEFAULT_SERVER_LIMITS,
  type ErrorInfo,
  type FetchHandler,
  type ServerLimits,
} from './options.ts';
