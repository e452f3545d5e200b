// @wirepack/server/production: the production server as one piece (static files, admission, cache,
// msgpack, compression, metrics and health, composed and wired). A subpath of its own so `./node` stays
// free of prom-client for teams that wire the parts themselves.

// --- The server -----------------------------------------------------------------------------
export {
  createWirepackServer,
  type Listening,
  type ListenOptions,
  type WirepackServer,
} from './wirepack-server.ts';
// --- Options --------------------------------------------------------------------------------
export {
  DEFAULT_WIREPACK_SERVER_OPTIONS,
  type WirepackAdmissionOptions,
  type WirepackBatchOptions,
  type WirepackServerOptions,
} from './wirepack-server-options.ts';
