/**
 * Which output files carry a content hash in their name, and so can be cached forever.
 *
 * Guessing from the name alone (`-[A-Za-z0-9]{8}\.`) misfires both ways (`my-component.js`,
 * a custom `[hash:12]`), so the answer comes from the bundler: a file is hashed when it is part of
 * the bundle AND its name matches the output pattern that produced it (`entryFileNames` for entry
 * chunks, `chunkFileNames` for the others, `assetFileNames` for assets) AND that pattern contains
 * `[hash]`. Files copied from `public/`, emitted with an explicit `fileName` (index.html, Vite's
 * `.vite/manifest.json`) or written by other plugins after bundling are never counted as hashed.
 * Source maps are not either: their content can change while their name does not.
 */

/** A file name pattern as Rollup and Rolldown accept it: a template string or a function. */
export type FileNamePattern = string | ((info: never) => string);

/** The output options that name files (the same shape in Rollup 4 and Rolldown). */
export interface FileNameOptions {
  readonly entryFileNames?: FileNamePattern | undefined;
  readonly chunkFileNames?: FileNamePattern | undefined;
  readonly assetFileNames?: FileNamePattern | undefined;
}

/** The part of a bundle entry that decides its name. */
export interface BundleItem {
  readonly type: 'chunk' | 'asset';
  readonly fileName: string;
  readonly isEntry?: boolean;
}

const PLACEHOLDER = /\[(\w+)(?::(\d+))?\]/g;
const HASH_CHARACTERS = '[A-Za-z0-9_-]';

/**
 * A regular expression that matches the file names a template produces, or `undefined` when the
 * template has no `[hash]` (its files are not content-addressed).
 */
export function patternToRegExp(template: string): RegExp | undefined {
  let hasHash = false;
  let source = '';
  let last = 0;
  for (const match of template.matchAll(PLACEHOLDER)) {
    source += escapeRegExp(template.slice(last, match.index));
    const [, name, length] = match;
    if (name === 'hash') {
      hasHash = true;
      source += length === undefined ? `${HASH_CHARACTERS}{4,}` : `${HASH_CHARACTERS}{${length}}`;
    } else {
      source += '.*?';
    }
    last = match.index + match[0].length;
  }
  source += escapeRegExp(template.slice(last));
  return hasHash ? new RegExp(`^${source}$`) : undefined;
}

/** The bundle's file names that carry a content hash (see the module comment for the rule). */
export function hashedFileNames(
  options: FileNameOptions,
  bundle: Readonly<Record<string, BundleItem>>,
): Set<string> {
  const hashed = new Set<string>();
  for (const item of Object.values(bundle)) {
    if (item.fileName.endsWith('.map')) continue;
    const pattern =
      item.type === 'asset'
        ? options.assetFileNames
        : item.isEntry
          ? options.entryFileNames
          : options.chunkFileNames;
    const template = resolveTemplate(pattern, item);
    if (template === undefined) continue;
    const regexp = patternToRegExp(template);
    if (regexp?.test(item.fileName)) hashed.add(item.fileName);
  }
  return hashed;
}

/** A function pattern is asked with the bundle entry (a superset of what it was first given). */
function resolveTemplate(pattern: FileNamePattern | undefined, item: BundleItem): string | undefined {
  if (typeof pattern === 'string') return pattern;
  if (typeof pattern !== 'function') return undefined;
  try {
    const template = (pattern as (info: unknown) => unknown)(item);
    return typeof template === 'string' ? template : undefined;
  } catch {
    // A pattern function that cannot handle the finished entry tells us nothing: not hashed.
    return undefined;
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
