// @wirepack/manifest: the build manifest as a contract of its own. Written by @wirepack/vite-plugin,
// read by @wirepack/cdn and the static server of @wirepack/server/node. JSON Schema:
// '@wirepack/manifest/manifest.schema.json'.

// --- Writing --------------------------------------------------------------------------------
export { buildManifest, type ManifestInput, serializeManifest } from './build-manifest.ts';
// --- Errors ---------------------------------------------------------------------------------
export {
  isManifestError,
  MANIFEST_ERROR_STATUS,
  ManifestError,
  type ManifestErrorCode,
} from './errors.ts';
// --- The contract ---------------------------------------------------------------------------
export {
  CACHE_CONTROL_IMMUTABLE,
  CACHE_CONTROL_REVALIDATE,
  cacheControlFor,
  DEFAULT_MANIFEST_PATH,
  MANIFEST_CODINGS,
  MANIFEST_GENERATOR,
  MANIFEST_VERSION,
  type ManifestCoding,
  type ManifestEncoding,
  type ManifestFile,
  manifestUrlOf,
  type WirepackManifest,
} from './manifest.ts';
// --- Lookups by URL -------------------------------------------------------------------------
export {
  createManifestIndex,
  decodeUrlPath,
  type ManifestEntry,
  type ManifestIndex,
} from './manifest-index.ts';
// --- Reading --------------------------------------------------------------------------------
export {
  MANIFEST_LIMITS,
  type ManifestLimits,
  parseManifest,
  type ReadManifestOptions,
  validateManifest,
} from './read-manifest.ts';
