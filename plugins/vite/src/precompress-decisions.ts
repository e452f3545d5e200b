import type { ContentTypeInfo } from './content-types.js';
import type { FilterInput } from './options.js';
import type { WirepackReport } from './report.js';

/** What decides whether a file gets compressed siblings. */
export interface DecisionSettings {
  /** Smallest size compressed, in bytes. */
  readonly threshold: number;
  /** `include` / `exclude`: files it refuses get no siblings (counted as `filtered`). */
  readonly select?: ((file: string) => boolean) | undefined;
  /** The user's `filter`, which sees the verdict and has the last word. */
  readonly filter: ((file: FilterInput) => boolean) | undefined;
  /** Whether any encoding is configured at all. */
  readonly anyCodec: boolean;
}

/** The decision for one file. */
export interface FileDecision {
  readonly type: ContentTypeInfo;
  /** Whether to compress it (false when no encoding is configured). */
  readonly compress: boolean;
  /** Why not, for the report's `skipped` counters; `undefined` when it is compressed (or no codec is set). */
  readonly skipped: keyof Omit<WirepackReport['skipped'], 'notSmaller'> | undefined;
}

/**
 * Whether one file gets siblings: compressible types at or above the threshold that `include` /
 * `exclude` keep, then the user's `filter` (given that verdict) decides. Pure, but for calling `filter`.
 * A `filter` that returns anything but a boolean is a TypeError naming the file.
 */
export function decideCompression(
  entry: { readonly file: string; readonly size: number },
  type: ContentTypeInfo,
  settings: DecisionSettings,
): FileDecision {
  const eligible = type.compressible && entry.size >= settings.threshold;
  const verdict = eligible && (settings.select === undefined || settings.select(entry.file));
  const compress =
    settings.filter === undefined
      ? verdict
      : settings.filter({
          file: entry.file,
          size: entry.size,
          contentType: type.contentType,
          compress: verdict,
        });
  if (compress !== true && compress !== false) {
    throw new TypeError(
      `[wirepack/vite-plugin] option \`filter\` must return a boolean, got ${typeof compress} for ${entry.file}`,
    );
  }
  if (compress) return { type, compress: settings.anyCodec, skipped: undefined };
  return {
    type,
    compress: false,
    skipped: eligible ? 'filtered' : !type.compressible ? 'notCompressible' : 'belowThreshold',
  };
}
