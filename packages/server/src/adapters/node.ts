// @wirepack/server/node: Node's http server, Express/Connect, and the one response compression stage.

// --- Express and Connect --------------------------------------------------------------------
export { createExpressMiddleware, type ExpressBatchMiddleware, type ExpressBatchOptions } from './express.ts';
export { type InjectPeer, injectNode, type NodeApp } from './inject.ts';
// --- Compression ----------------------------------------------------------------------------
export {
  DEFAULT_NODE_COMPRESSION,
  type NodeCompression,
  type NodeCompressionOptions,
  nodeCompression,
} from './node-compression.ts';
// --- node:http ------------------------------------------------------------------------------
export {
  type NodeListenerOptions,
  toNodeListener,
  type WebHandler,
} from './node-http.ts';
// --- Response cache in Redis ----------------------------------------------------------------
export {
  createRedisStore,
  DEFAULT_REDIS_STORE_OPTIONS,
  type RedisStoreClient,
  type RedisStoreOptions,
} from './redis-store.ts';
// --- Static files ---------------------------------------------------------------------------
export {
  DEFAULT_SERVE_STATIC_OPTIONS,
  type ServeStaticOptions,
  type StaticHandler,
  type StaticWarning,
  serveStatic,
} from './serve-static.ts';
