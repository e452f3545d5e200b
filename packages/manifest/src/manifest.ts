/**
 * The wirepack build manifest: the contract between the writer (`@wirepack/vite-plugin`) and its
 * readers (`@wirepack/cdn`, the static server of `@wirepack/server/node`, deploy scripts).
 * `manifest.schema.json` in this package is its JSON Schema; `validateManifest` enforces the same
 * rules; any incompatible change bumps {@link MANIFEST_VERSION}.
 */

/** Format version of the manifest file. */
export const MANIFEST_VERSION = 1;

/** The `generator` field: the package that writes manifests. */
export const MANIFEST_GENERATOR = '@wirepack/vite-plugin';

/** Where the plugin writes the manifest by default, relative to the output directory. */
export const DEFAULT_MANIFEST_PATH = '.wirepack/manifest.json';

/** `Cache-Control` suggested for files whose name carries a content hash. */
export const CACHE_CONTROL_IMMUTABLE = 'public, max-age=31536000, immutable';
/** `Cache-Control` suggested for every other file (HTML, public/ files): revalidate each time. */
export const CACHE_CONTROL_REVALIDATE = 'public, max-age=0, must-revalidate';

/** A content coding a manifest can list a sibling for, named by its `Content-Encoding` token. */
export type ManifestCoding = 'br' | 'gzip' | 'zstd';

/** The codings in the order they are listed in a manifest (smallest output first). */
export const MANIFEST_CODINGS: readonly ManifestCoding[] = Object.freeze(['br', 'zstd', 'gzip'] as const);

/** A precompressed sibling of an output file. */
export interface ManifestEncoding {
  /** Path of the sibling relative to the output directory, `/`-separated (`assets/app-x1.js.br`). */
  readonly path: string;
  /** Size of the sibling in bytes. */
  readonly size: number;
  /** `sha256-<base64>` of the sibling's bytes. */
  readonly hash: string;
}

/** One output file, as the manifest records it. */
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
  readonly encodings: Readonly<Partial<Record<ManifestCoding, ManifestEncoding>>>;
}

/** The manifest file, `<outDir>/.wirepack/manifest.json` by default. */
export interface WirepackManifest {
  /** Format version; `1` for this shape. */
  readonly version: typeof MANIFEST_VERSION;
  /** The package that wrote it. */
  readonly generator: typeof MANIFEST_GENERATOR;
  /** URL path prefix every file is served under (from Vite's `base`), starting and ending with `/`. */
  readonly base: string;
  /** Every output file, keyed by its URL path (`base` + percent-encoded path), sorted. */
  readonly files: Readonly<Record<string, ManifestFile>>;
}

/** The suggested `Cache-Control` for a file. */
export function cacheControlFor(immutable: boolean): string {
  return immutable ? CACHE_CONTROL_IMMUTABLE : CACHE_CONTROL_REVALIDATE;
}

/**
 * The URL path (the key in `files`) of a file: `base` + its path, percent-encoded like a browser
 * requests it (spaces, `%`, `#`, `?` and non-ASCII are encoded; `/` separates segments).
 *
 * @example
 * manifestUrlOf('docs/read me.txt', '/app/'); // '/app/docs/read%20me.txt'
 */
export function manifestUrlOf(path: string, base: string): string {
  return base + encodeURI(path).replace(/[#?]/g, (character) => encodeURIComponent(character));
}
