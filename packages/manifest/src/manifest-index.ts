import type { ManifestFile, WirepackManifest } from './manifest.ts';

/**
 * Lookups by URL, built once from a manifest so a server answers each request with one `Map` lookup
 * (no file-system access to find a file). Keys are decoded URL paths: a request for
 * `/docs/read%20me.txt` and the manifest key `/docs/read%20me.txt` meet at `/docs/read me.txt`,
 * whatever case or set of characters the client percent-encoded.
 */

/** One file found by URL. */
export interface ManifestEntry {
  /** The file's key in the manifest (its percent-encoded URL path). */
  readonly url: string;
  /** The file. */
  readonly file: ManifestFile;
}

/** Files of a manifest by URL. */
export interface ManifestIndex {
  /** The manifest's `base`. */
  readonly base: string;
  /** How many files it holds. */
  readonly size: number;
  /**
   * The file at a request's path as it arrived (percent-encoded, no query), or `undefined`. A path that
   * does not decode, or whose segments decode to `/`, `\` or NUL (`/assets%2Fapp.js`), names no file.
   */
  lookup(pathname: string): ManifestEntry | undefined;
  /** The file at a decoded URL path (`/docs/read me.txt`), or `undefined`. */
  get(decodedPath: string): ManifestEntry | undefined;
}

/**
 * Indexes a validated manifest by URL.
 *
 * @example
 * const index = createManifestIndex(parseManifest(text));
 * index.lookup(new URL(request.url).pathname)?.file.contentType;
 */
export function createManifestIndex(manifest: WirepackManifest): ManifestIndex {
  const byPath = new Map<string, ManifestEntry>();
  for (const [url, file] of Object.entries(manifest.files)) {
    byPath.set(manifest.base + file.path, Object.freeze({ url, file }));
  }
  return Object.freeze({
    base: manifest.base,
    size: byPath.size,
    lookup(pathname: string): ManifestEntry | undefined {
      const decoded = decodeUrlPath(pathname);
      return decoded === undefined ? undefined : byPath.get(decoded);
    },
    get(decodedPath: string): ManifestEntry | undefined {
      return byPath.get(decodedPath);
    },
  });
}

/**
 * Decodes a URL path segment by segment, or `undefined` when it cannot name a file: malformed
 * percent-encoding, or a segment that decodes to a separator or NUL (an encoded `/` must not become
 * a path separator; RFC 3986 section 2.2: reserved characters percent-encoded are data, not delimiters).
 */
export function decodeUrlPath(pathname: string): string | undefined {
  if (!pathname.includes('%'))
    return pathname.includes('\\') || pathname.includes('\0') ? undefined : pathname;
  const segments = pathname.split('/');
  for (let index = 0; index < segments.length; index++) {
    const segment = segments[index]!;
    if (!segment.includes('%')) continue;
    let decoded: string;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      return undefined;
    }
    if (decoded.includes('/') || decoded.includes('\\') || decoded.includes('\0')) return undefined;
    segments[index] = decoded;
  }
  const path = segments.join('/');
  return path.includes('\\') || path.includes('\0') ? undefined : path;
}
