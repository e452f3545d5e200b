import type { Plugin } from 'vite';
import { zstdSupported } from './codecs.ts';
import { resolveOptions, type WirepackOptions } from './options.ts';
import { manifestPlugin } from './plugins/manifest-plugin.ts';
import { precompressPlugin } from './plugins/precompress-plugin.ts';
import { previewPlugin } from './plugins/preview-plugin.ts';
import { reportPlugin } from './plugins/report-plugin.ts';
import { sriPlugin } from './plugins/sri-plugin.ts';
import { createWirepackState } from './plugins/state.ts';

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
export type { Encoding } from './codecs.ts';
export { ENCODINGS, SIBLING_EXTENSIONS } from './codecs.ts';
export type { ContentTypeInfo } from './content-types.ts';
export { contentTypeFromName, isCompressibleType } from './content-types.ts';
// Options
export type {
  BrotliOptions,
  CacheOptions,
  FilterInput,
  GzipOptions,
  ManifestOptions,
  WirepackOptions,
  ZstdOptions,
} from './options.ts';
export { DEFAULT_OPTIONS } from './options.ts';
// Report
export type { EncodingTotals, FileSizes, WirepackReport } from './report.ts';
