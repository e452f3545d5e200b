import {
  MANIFEST_CODINGS,
  MANIFEST_GENERATOR,
  MANIFEST_VERSION,
  type ManifestCoding,
  type ManifestEncoding,
  type ManifestFile,
  manifestUrlOf,
  type WirepackManifest,
} from './manifest.ts';

/**
 * The writer's half of the contract. The file is deterministic: keys are sorted (files by URL,
 * encodings in {@link MANIFEST_CODINGS} order), fields come in a fixed order, and nothing depends on
 * time or machine, so the same output gives a byte-identical manifest.
 */

/** What a manifest is built from: one entry per output file, in any order. */
export interface ManifestInput {
  /** URL path prefix, starting and ending with `/`. */
  readonly base: string;
  /** The files; each one's URL is `manifestUrlOf(path, base)`. */
  readonly files: readonly ManifestFile[];
}

/**
 * Builds the manifest object with sorted files and fields in their fixed order. Throws a `TypeError`
 * when two files map to one URL or `base` is not a URL path: both are the writer's bugs.
 *
 * @example
 * const manifest = buildManifest({ base: '/', files: records });
 * writeFileSync('dist/.wirepack/manifest.json', serializeManifest(manifest));
 */
export function buildManifest(input: ManifestInput): WirepackManifest {
  if (!/^\/(.*\/)?$/s.test(input.base)) {
    throw new TypeError(
      `[wirepack/manifest] base must start and end with "/", got ${JSON.stringify(input.base)}`,
    );
  }
  const keyed = input.files.map((file) => ({ url: manifestUrlOf(file.path, input.base), file }));
  keyed.sort((a, b) => (a.url < b.url ? -1 : a.url > b.url ? 1 : 0));
  const files: Record<string, ManifestFile> = {};
  for (const { url, file } of keyed) {
    if (Object.hasOwn(files, url)) {
      throw new TypeError(`[wirepack/manifest] two output files map to the URL ${url}`);
    }
    const encodings: Partial<Record<ManifestCoding, ManifestEncoding>> = {};
    for (const coding of MANIFEST_CODINGS) {
      const sibling = file.encodings[coding];
      if (sibling !== undefined)
        encodings[coding] = { path: sibling.path, size: sibling.size, hash: sibling.hash };
    }
    files[url] = {
      path: file.path,
      size: file.size,
      hash: file.hash,
      integrity: file.integrity,
      contentType: file.contentType,
      immutable: file.immutable,
      cacheControl: file.cacheControl,
      encodings,
    };
  }
  return { version: MANIFEST_VERSION, generator: MANIFEST_GENERATOR, base: input.base, files };
}

/** The manifest as written to disk: two-space JSON with a final newline. */
export function serializeManifest(manifest: WirepackManifest): string {
  return `${JSON.stringify(manifest, null, 2)}\n`;
}
