import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { ResolvedOptions } from './options.js';

/**
 * The manifest's absolute path for a build into `outDir`, or `undefined` for none: inside the output
 * directory (`manifest: '<path>'`), or `manifest.outFile` resolved from Vite's `root`. Pure.
 */
export function manifestPathFor(
  manifest: ResolvedOptions['manifest'],
  outDir: string,
  root: string,
): string | undefined {
  if (manifest === false) return undefined;
  if ('inOutDir' in manifest) return join(outDir, manifest.inOutDir);
  return resolve(root, manifest.outFile);
}

/**
 * The manifest's name relative to the output directory (`/`-separated), when it lies inside it: the
 * output walk must leave that file out. `undefined` for a manifest outside the output directory. Pure.
 */
export function manifestFileInOutDir(outDir: string, manifestPath: string): string | undefined {
  const file = relative(outDir, manifestPath).split(sep).join('/');
  if (file === '' || file === '..' || file.startsWith('../') || isAbsolute(file)) return undefined;
  return file;
}
