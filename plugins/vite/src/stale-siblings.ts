import type { FileRecord } from './precompress.js';
import type { OutputFile } from './walk-out-dir.js';

/**
 * Siblings an earlier build left in the output directory (`emptyOutDir: false`) that this build did not
 * write again: they would be served for files that no longer match them, so they are removed. Pure.
 */
export function staleSiblings(earlier: readonly OutputFile[], records: readonly FileRecord[]): OutputFile[] {
  const written = new Set(
    records.flatMap((record) => Object.values(record.encodings).map((encoding) => encoding.path)),
  );
  return earlier.filter((entry) => !written.has(entry.file));
}
