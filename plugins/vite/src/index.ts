import type { Plugin } from 'vite';
import { zstdSupported } from './codecs.js';
import { resolveOptions, type WirepackOptions } from './options.js';
import { manifestPlugin } from './plugins/manifest-plugin.js';
import { precompressPlugin } from './plugins/precompress-plugin.js';
import { previewPlugin } from './plugins/preview-plugin.js';
import { reportPlugin } from './plugins/report-plugin.js';
import { sriPlugin } from './plugins/sri-plugin.js';
import { createWirepackState } from './plugins/state.js';

/**
 * Precompresses, fingerprints and SRI-tags a Vite build.
 *
 * After every other plugin has written its files, for the client environment: adds `integrity`
 * to the HTML's script, stylesheet and modulepreload tags, fingerprints every output file
 * (`public/` copies included), writes brotli and gzip siblings of every compressible one on all
 * cores through a cache shared across builds, writes `<outDir>/.wirepack/manifest.json` (or
 * `manifest.outFile`), and prints a report. `vite preview` then serves the siblings.
 *
 * Options are validated here, once: anything invalid throws a `TypeError` naming the option.
 *
 * @example
 * ```ts
 * // vite.config.ts
 * import { defineConfig } from 'vite';
 * import wirepack from '@wirepack/vite-plugin';
 *
 * export default defineConfig({ plugins: [wirepack()] });
 * ```
 */
export function wirepack(options?: WirepackOptions): Plugin[] {
  const state = createWirepackState(resolveOptions(options, zstdSupported()));
  // Order matters: closeBundle steps run in this order, each after every other plugin's.
  const plugins: Plugin[] = [];
  if (state.options.sri) plugins.push(sriPlugin(state));
  plugins.push(precompressPlugin(state), manifestPlugin(state), reportPlugin(state));
  if (state.options.preview) plugins.push(previewPlugin(state));
  return plugins;
}

export default wirepack;

// Manifest: the contract lives in @wirepack/manifest (types, schema, reader); re-exported for users of
// the plugin alone. JSON Schema also at '@wirepack/vite-plugin/manifest.schema.json'.
export {
  CACHE_CONTROL_IMMUTABLE,
  CACHE_CONTROL_REVALIDATE,
  MANIFEST_VERSION,
  type ManifestEncoding,
  type ManifestFile,
  type WirepackManifest,
} from '@wirepack/manifest';
// Building blocks, usable without Vite
export type { Encoding } from './codecs.js';
export { ENCODINGS, SIBLING_EXTENSIONS } from './codecs.js';
export type { ContentTypeInfo } from './content-types.js';
export { contentTypeFromName, isCompressibleType } from './content-types.js';
// Options
export type {
  BrotliOptions,
  CacheOptions,
  FilterInput,
  GzipOptions,
  ManifestOptions,
  WirepackOptions,
  ZstdOptions,
} from './options.js';
export { DEFAULT_OPTIONS } from './options.js';
// Report
export type { EncodingTotals, FileSizes, WirepackReport } from './report.js';
