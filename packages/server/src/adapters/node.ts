// @wirepack/server/node: Node's http server, Express/Connect, and zlib compression.

// --- Express and Connect --------------------------------------------------------------------
export { createExpressMiddleware, type ExpressBatchMiddleware, type ExpressBatchOptions } from './express.ts';
export { type InjectPeer, injectNode, type NodeApp } from './inject.ts';
// --- Compression ----------------------------------------------------------------------------
export { type NodeCompression, type NodeCompressionOptions, nodeCompression } from './node-compression.ts';
// --- node:http ------------------------------------------------------------------------------
export {
  type NodeListenerCompression,
  type NodeListenerOptions,
  toNodeListener,
  type WebHandler,
} from './node-http.ts';
// --- Static files ---------------------------------------------------------------------------
export {
  SERVE_STATIC_DEFAULTS,
  type ServeStaticOptions,
  type StaticHandler,
  type StaticWarning,
  serveStatic,
} from './serve-static.ts';
