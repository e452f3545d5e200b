import { createHash } from 'node:crypto';

/** One deployed file, as the planner sees it (normalized from whatever manifest shape was read). */
export interface DeployedFile {
  /** Decoded URL path of the file, starting with `/` (`/assets/app.3f2a.js`, `/café/index.html`). */
  readonly path: string;
  /** Digest of the bytes that ship (`sha256-<base64>`); equal digests mean equal bytes. */
  readonly hash: string;
  /** Size of the identity encoding in bytes. */
  readonly size: number;
  /** True for fingerprinted files served with a long, immutable `Cache-Control`. */
  readonly immutable: boolean;
  /** `Content-Type` the origin serves, when the manifest records it. */
  readonly contentType: string | undefined;
  /** `Cache-Control` the origin serves, when the manifest records it. */
  readonly cacheControl: string | undefined;
}

/** A validated build manifest: files by decoded URL path, plus a digest of its content. */
export interface Manifest {
  /** Files keyed by {@link DeployedFile.path}, in path order when made by `createManifest`. */
  readonly files: ReadonlyMap<string, DeployedFile>;
  /**
   * Hex SHA-256 of the canonical content (paths, hashes, flags, headers), independent of the JSON
   * formatting; the CloudFront provider derives its idempotent `CallerReference` from it.
   */
  readonly digest: string;
}

/**
 * Builds a {@link Manifest} from already validated files (tests, benchmarks and custom readers use it;
 * `readManifest` validates untrusted input first).
 */
export function createManifest(files: Iterable<DeployedFile>): Manifest {
  const unsorted = new Map<string, DeployedFile>();
  for (const file of files) unsorted.set(file.path, file);
  // Kept in path order: diffs and plans then come out sorted at no extra cost.
  const byPath = new Map<string, DeployedFile>();
  for (const path of [...unsorted.keys()].sort()) byPath.set(path, unsorted.get(path)!);
  const hash = createHash('sha256');
  for (const [path, file] of byPath) {
    hash.update(
      `${path}\0${file.hash}\0${file.immutable ? 1 : 0}\0${file.contentType ?? ''}\0${file.cacheControl ?? ''}\n`,
    );
  }
  return { files: byPath, digest: hash.digest('hex') };
}

/** The manifest of a first deploy: nothing is deployed yet, so nothing can be stale. */
export const EMPTY_MANIFEST: Manifest = Object.freeze(createManifest([]));
