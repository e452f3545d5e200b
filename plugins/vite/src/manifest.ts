import { ENCODINGS, type Encoding } from './codecs.js';

/**
 * The build manifest: a public contract read by `@wirepack/cdn`, `@wirepack/server` and deploy
 * scripts. `manifest.schema.json` in this package is its JSON Schema; any incompatible change
 * bumps `MANIFEST_VERSION`. The file is deterministic: keys are sorted (files by URL, encodings in
 * `ENCODINGS` order), fields come in a fixed order, and nothing depends on time or machine, so
 * the same output gives a byte-identical manifest.
 */

/** Format version of the manifest file. */
export const MANIFEST_VERSION = 1;

/** `Cache-Control` suggested for files whose name carries a content hash. */
export const CACHE_CONTROL_IMMUTABLE = 'public, max-age=31536000, immutable';
/** `Cache-Control` suggested for every other file (HTML, public/ files): revalidate each time. */
export const CACHE_CONTROL_REVALIDATE = 'public, max-age=0, must-revalidate';

/** A precompressed sibling of an output file. */
export interface ManifestEncoding {
  /** Path of the sibling relative to the output directory, `/`-separated (`assets/app-x1.js.br`). */
  readonly path: string;
  /** Size of the sibling in bytes. */
  readonly size: number;
  /** `sha256-<base64>` of the sibling's bytes. */
  readonly hash: string;
}

/** One output file. */
export interface ManifestFile {
  /** Path relative to the output directory, `/`-separated. */
  readonly path: string;
  /** Size in bytes of the file as written. */
  readonly size: number;
  /** `sha256-<base64>` of the bytes on disk. */
  readonly hash: string;
  /** `sha384-<base64>` of the bytes on disk: a Subresource Integrity value. */
  readonly integrity: string;
  /** The `Content-Type` to serve it with. */
  readonly contentType: string;
  /** True when the name carries a content hash: its bytes never change under this name. */
  readonly immutable: boolean;
  /** A suggested `Cache-Control` header value. */
  readonly cacheControl: string;
  /** Precompressed siblings by `Content-Encoding` token; empty when none was worth writing. */
  readonly encodings: Readonly<Partial<Record<Encoding, ManifestEncoding>>>;
}

/** The manifest file, `<outDir>/.wirepack/manifest.json` by default. */
export interface WirepackManifest {
  /** Format version; `1` for this shape. */
  readonly version: typeof MANIFEST_VERSION;
  /** The package that wrote it. */
  readonly generator: '@wirepack/vite-plugin';
  /** URL path prefix every file is served under (from Vite's `base`), starting and ending with `/`. */
  readonly base: string;
  /** Every output file, keyed by its URL path (`base` + percent-encoded path), sorted. */
  readonly files: Readonly<Record<string, ManifestFile>>;
}

/** What the manifest is built from: one entry per output file, in any order. */
export interface ManifestInput {
  readonly base: string;
  readonly files: readonly (ManifestFile & { readonly url: string })[];
}

/** The suggested `Cache-Control` for a file. */
export function cacheControlFor(immutable: boolean): string {
  return immutable ? CACHE_CONTROL_IMMUTABLE : CACHE_CONTROL_REVALIDATE;
}

/** Builds the manifest object with sorted files and fields in their fixed order. */
export function buildManifest(input: ManifestInput): WirepackManifest {
  const sorted = [...input.files].sort((a, b) => (a.url < b.url ? -1 : a.url > b.url ? 1 : 0));
  const files: Record<string, ManifestFile> = {};
  for (const entry of sorted) {
    if (Object.hasOwn(files, entry.url)) {
      throw new Error(`[wirepack/vite-plugin] two output files map to the URL ${entry.url}`);
    }
    const encodings: Partial<Record<Encoding, ManifestEncoding>> = {};
    for (const encoding of ENCODINGS) {
      const sibling = entry.encodings[encoding];
      if (sibling !== undefined)
        encodings[encoding] = { path: sibling.path, size: sibling.size, hash: sibling.hash };
    }
    files[entry.url] = {
      path: entry.path,
      size: entry.size,
      hash: entry.hash,
      integrity: entry.integrity,
      contentType: entry.contentType,
      immutable: entry.immutable,
      cacheControl: entry.cacheControl,
      encodings,
    };
  }
  return { version: MANIFEST_VERSION, generator: '@wirepack/vite-plugin', base: input.base, files };
}

/** The manifest as written to disk: two-space JSON with a final newline. */
export function serializeManifest(manifest: WirepackManifest): string {
  return `${JSON.stringify(manifest, null, 2)}\n`;
}
