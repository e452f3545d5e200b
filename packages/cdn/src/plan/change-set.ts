import type { DeployedFile, Manifest } from '../manifest/manifest.ts';

/** Something the user should know about a plan; never fatal. */
export interface PlanWarning {
  /** `IMMUTABLE_BYTES_CHANGED`: a fingerprinted file changed bytes under the same name. */
  readonly code: 'IMMUTABLE_BYTES_CHANGED';
  /** The decoded URL path concerned. */
  readonly path: string;
  /** One line for humans, starting with `[wirepack/cdn]`. */
  readonly message: string;
}

/** The difference between two manifests, and which cached URL paths it makes stale. */
export interface ChangeSet {
  /** Paths only in the new manifest (nothing cached yet: no invalidation needed). */
  readonly added: readonly string[];
  /** Paths in both whose bytes changed, or whose headers changed for a mutable file. */
  readonly modified: readonly string[];
  /** Paths only in the previous manifest. */
  readonly deleted: readonly string[];
  /** Paths in both that a cache may keep serving. */
  readonly unchanged: readonly string[];
  /**
   * Decoded URL paths whose cached copies are now stale, sorted: modified and deleted mutable files,
   * changed immutable files, and the aliases of stale `index.html` files (`/` and `/dir/`, `/dir`).
   */
  readonly stale: readonly string[];
  /** Warnings, such as an immutable file whose bytes changed. */
  readonly warnings: readonly PlanWarning[];
}

const INDEX = 'index.html';

/**
 * The other URL paths that serve the same object as `path` when it is a directory index: `/index.html`
 * is also `/`; `/dir/index.html` is also `/dir/` and `/dir` (a default root object, a CloudFront Function
 * or the S3 website endpoint maps them; the docs advise invalidating both forms). An alias that is itself
 * a file of either manifest is left out: that URL serves the file, not the index.
 */
export function indexAliases(path: string, isFile: (path: string) => boolean): string[] {
  if (path !== `/${INDEX}` && !path.endsWith(`/${INDEX}`)) return [];
  const dir = path.slice(0, -INDEX.length);
  if (dir === '/') return ['/'];
  const bare = dir.slice(0, -1);
  return isFile(bare) ? [dir] : [dir, bare];
}

const headersDiffer = (a: DeployedFile, b: DeployedFile): boolean =>
  a.contentType !== b.contentType || a.cacheControl !== b.cacheControl || a.immutable !== b.immutable;

/**
 * Compares the deployed manifest with the new one (pure). An immutable file is never stale unless its
 * bytes changed (then it is stale and warned about: browsers keep the old bytes for up to a year);
 * deleted immutable files stay cached on purpose, since pages still cached may reference them.
 *
 * @example
 * const changes = diffManifests(previous, next);
 * changes.stale; // ['/', '/index.html']
 */
export function diffManifests(previous: Manifest, next: Manifest): ChangeSet {
  const added: string[] = [];
  const modified: string[] = [];
  const deleted: string[] = [];
  const unchanged: string[] = [];
  const stale = new Set<string>();
  const warnings: PlanWarning[] = [];
  const isFile = (path: string): boolean => next.files.has(path) || previous.files.has(path);
  const markStale = (path: string): void => {
    stale.add(path);
    for (const alias of indexAliases(path, isFile)) stale.add(alias);
  };

  for (const [path, file] of next.files) {
    const old = previous.files.get(path);
    if (old === undefined) {
      added.push(path);
    } else if (old.hash !== file.hash) {
      modified.push(path);
      markStale(path);
      if (old.immutable) {
        warnings.push({
          code: 'IMMUTABLE_BYTES_CHANGED',
          path,
          message: `[wirepack/cdn] ${path} is immutable but its bytes changed under the same name; it is invalidated on the CDN, but browsers may keep the old bytes for up to a year. Fingerprint the file name, or mark it mutable.`,
        });
      }
    } else if (!old.immutable && headersDiffer(old, file)) {
      // The CDN caches headers with the body: a new Cache-Control or Content-Type needs a refetch too.
      modified.push(path);
      markStale(path);
    } else {
      unchanged.push(path);
    }
  }
  for (const [path, old] of previous.files) {
    if (next.files.has(path)) continue;
    deleted.push(path);
    if (!old.immutable) markStale(path);
  }
  const byPath = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
  return {
    added: added.sort(byPath),
    modified: modified.sort(byPath),
    deleted: deleted.sort(byPath),
    unchanged: unchanged.sort(byPath),
    stale: [...stale].sort(byPath),
    warnings,
  };
}
