import type { ManifestEncoding } from '@wirepack/manifest';
import { type Encoding, SIBLING_EXTENSIONS } from './codecs.js';
import type { EncodingOutcome } from './compress-job.js';
import type { WirepackReport } from './report.js';

/** The siblings kept for one file, and per-encoding totals over all files. */
export interface KeptSiblings {
  /** Per file (same order as the input), the manifest entry of each sibling kept. */
  readonly kept: Partial<Record<Encoding, ManifestEncoding>>[];
  /** Files, compressed bytes and original bytes per encoding, over the siblings kept. */
  readonly encodings: WirepackReport['encodings'];
  /** Siblings dropped because they were not small enough against `ratio`. */
  readonly notSmaller: number;
}

/**
 * From what each encoding of each file produced, the siblings kept (those small enough against `ratio`,
 * in the order of `encodings`) with their manifest entries, and the report's totals. Pure.
 */
export function keepSiblings(
  files: readonly { readonly file: string; readonly size: number }[],
  outcomes: readonly Partial<Record<Encoding, EncodingOutcome>>[],
  encodings: readonly Encoding[],
): KeptSiblings {
  const totals: Partial<Record<Encoding, { files: number; bytes: number; originalBytes: number }>> = {};
  let notSmaller = 0;
  const kept = files.map((record, id) => {
    const keptHere: Partial<Record<Encoding, ManifestEncoding>> = {};
    for (const encoding of encodings) {
      const outcome = outcomes[id]?.[encoding];
      if (outcome === undefined) continue;
      if (!outcome.kept) {
        notSmaller += 1;
        continue;
      }
      keptHere[encoding] = {
        path: record.file + SIBLING_EXTENSIONS[encoding],
        size: outcome.size,
        hash: outcome.hash,
      };
      const total = totals[encoding] ?? { files: 0, bytes: 0, originalBytes: 0 };
      totals[encoding] = total;
      total.files += 1;
      total.bytes += outcome.size;
      total.originalBytes += record.size;
    }
    return keptHere;
  });
  return { kept, encodings: totals, notSmaller };
}
