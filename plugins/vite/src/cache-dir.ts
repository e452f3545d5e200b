import { mkdirSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import type { ResolvedOptions } from './options.js';

/**
 * The compression cache's directory, or `null` with the cache off: `cache.dir` (relative to Vite's
 * `root`), else `<Vite's cacheDir>/wirepack`. Pure.
 */
export function resolveCacheDir(
  cache: ResolvedOptions['cache'],
  config: { readonly root: string; readonly cacheDir: string },
): string | null {
  if (cache === false) return null;
  if (cache.dir === undefined) return join(config.cacheDir, 'wirepack');
  return isAbsolute(cache.dir) ? cache.dir : resolve(config.root, cache.dir);
}

/** Creates the cache directory; the reason it cannot be, as a sentence for the warning, otherwise. */
export function ensureCacheDir(dir: string): { ok: true } | { ok: false; problem: string } {
  try {
    mkdirSync(dir, { recursive: true });
    return { ok: true };
  } catch (error) {
    return { ok: false, problem: `cannot create the cache directory ${dir} (${(error as Error).message})` };
  }
}

/** The warning for an unusable cache: what is wrong, that the build goes on, and how to fix or silence it. */
export function cacheWarning(problem: string): string {
  return (
    `[wirepack/vite-plugin] compression cache: ${problem}. Building without it; set \`cache.dir\` to a writable ` +
    'directory, or `cache: false` to silence this.'
  );
}
