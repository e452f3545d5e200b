import type { Dirent } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { SIBLING_EXTENSIONS } from './codecs.ts';

/** One file found in the output directory. */
export interface OutputFile {
  /** Path relative to the output directory, with `/` separators (`assets/index-a1b2c3d4.js`). */
  readonly file: string;
  /** Absolute path on disk. */
  readonly path: string;
  /** Size in bytes when listed. */
  readonly size: number;
}

const SIBLING_SUFFIXES = Object.values(SIBLING_EXTENSIONS);

/**
 * Lists every file under `outDir`, sorted by relative path, as written by Vite and every other
 * plugin (public/ copies included). Left out: the paths in `exclude` (the plugin's own manifest),
 * and `.br`/`.gz`/`.zst` files whose original is listed too: those are siblings from an earlier run
 * into a directory that was not emptied, and get rewritten or removed, never compressed again
 * (they are appended to `siblings` for that).
 * Symbolic links to files are followed; links to directories are not (they could loop or escape).
 */
export async function walkOutDir(
  outDir: string,
  exclude: ReadonlySet<string> = new Set(),
  siblings: OutputFile[] = [],
): Promise<OutputFile[]> {
  const found: OutputFile[] = [];
  const visit = async (dir: string, prefix: string): Promise<void> => {
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT' && prefix !== '') return;
      throw error;
    }
    for (const entry of entries) {
      const file = prefix + entry.name;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        await visit(path, `${file}/`);
        continue;
      }
      if (exclude.has(file)) continue;
      const info = await stat(path).catch(() => undefined);
      if (info?.isFile()) found.push({ file, path, size: info.size });
    }
  };
  await visit(outDir, '');
  const names = new Set(found.map((entry) => entry.file));
  const isSibling = (entry: OutputFile): boolean =>
    SIBLING_SUFFIXES.some(
      (suffix) => entry.file.endsWith(suffix) && names.has(entry.file.slice(0, -suffix.length)),
    );
  siblings.push(...found.filter(isSibling));
  return found
    .filter((entry) => !isSibling(entry))
    .sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
}
