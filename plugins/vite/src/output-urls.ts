import { posix } from 'node:path';
import { manifestUrlOf } from '@wirepack/manifest';

/**
 * Mapping between files in the output directory and the URLs they are served at, honouring
 * Vite's `base` (https://vite.dev/config/shared-options.html#base): an absolute path (`/app/`), a
 * full URL (`https://cdn.example.com/app/`), or relative (`./` or `''`, deployable anywhere).
 */

/** The URL path prefix that `base` puts files under: always starts and ends with `/`. */
export function basePath(base: string): string {
  let path: string;
  if (/^[a-z][a-z\d+.-]*:\/\//i.test(base) || base.startsWith('//')) {
    path = new URL(base, 'https://base.invalid').pathname;
  } else if (base.startsWith('/')) {
    path = base;
  } else {
    // Relative base: the deployment path is unknown at build time; root-relative is the best guess.
    path = '/';
  }
  return path.endsWith('/') ? path : `${path}/`;
}

/**
 * The URL path a file is served at: base path + file, percent-encoded like a browser requests it
 * (spaces, `%`, `#`, `?` and non-ASCII are encoded; `/` separates segments).
 */
export function urlPathOf(file: string, base: string): string {
  return manifestUrlOf(file, basePath(base));
}

/**
 * The output file (relative, `/`-separated) that a URL in an HTML file points at, or `undefined`
 * when it points elsewhere (another origin, outside `base`, above the output directory) or cannot
 * be decoded. `htmlFile` is the HTML file's own path relative to the output directory.
 */
export function resolveOutputUrl(url: string, htmlFile: string, base: string): string | undefined {
  let path = url.replace(/[?#].*$/s, '');
  if (path === '') return undefined;
  const absoluteBase = /^[a-z][a-z\d+.-]*:\/\//i.test(base) || base.startsWith('//');
  let relative: string;
  if (/^[a-z][a-z\d+.-]*:/i.test(path) || path.startsWith('//')) {
    if (!absoluteBase) return undefined;
    const prefix = base.endsWith('/') ? base : `${base}/`;
    if (!path.startsWith(prefix)) return undefined;
    relative = path.slice(prefix.length);
  } else if (path.startsWith('/')) {
    const prefix = basePath(base);
    if (path.startsWith(prefix)) relative = path.slice(prefix.length);
    else return undefined;
  } else {
    path = posix.join(posix.dirname(htmlFile), path);
    relative = path;
  }
  try {
    relative = decodeURIComponent(relative);
  } catch {
    // Malformed percent-encoding names no file of ours.
    return undefined;
  }
  const normalized = posix.normalize(relative).replace(/^(\.\/)+/, '');
  if (normalized === '' || normalized === '.' || normalized.startsWith('../') || normalized === '..')
    return undefined;
  if (normalized.includes('\0') || posix.isAbsolute(normalized)) return undefined;
  return normalized;
}
