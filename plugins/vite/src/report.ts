import { ENCODINGS, type Encoding } from './codecs.ts';
import { LOG_PREFIX } from './log-prefix.ts';

/** Totals of one encoding's siblings. */
export interface EncodingTotals {
  /** Siblings written. */
  readonly files: number;
  /** Their total size. */
  readonly bytes: number;
  /** Total size of the originals they stand for. */
  readonly originalBytes: number;
}

/** One file's measured sizes: the original and each sibling written. */
export interface FileSizes {
  /** Path relative to the output directory, `/`-separated. */
  readonly file: string;
  /** Bytes of the original. */
  readonly size: number;
  /** Bytes of each sibling written, by encoding. */
  readonly encodings: Readonly<Partial<Record<Encoding, number>>>;
}

/** How many files the report lists by name (largest first). */
export const REPORT_LARGEST_FILES = 10;

/**
 * What one environment's build did: given to `onReport` and printed. Counters describe work done,
 * so tests and benchmarks can assert "a warm rebuild compressed nothing" without timing anything.
 */
export interface WirepackReport {
  /** Vite environment name (`client`). */
  readonly environment: string;
  /** Absolute output directory. */
  readonly outDir: string;
  /** Output files fingerprinted (all of them, manifest excluded). */
  readonly files: number;
  /** Their total size in bytes. */
  readonly bytes: number;
  /** Files (and their bytes) for which siblings were produced or looked up. */
  readonly compressible: { readonly files: number; readonly bytes: number };
  /** Siblings written, by encoding. */
  readonly encodings: Readonly<Partial<Record<Encoding, EncodingTotals>>>;
  /** Files with no sibling, by reason. */
  readonly skipped: {
    /** Type not worth compressing (png, woff2, ...). */
    readonly notCompressible: number;
    /** Compressible but under `threshold`. */
    readonly belowThreshold: number;
    /** Turned off by the `filter` option. */
    readonly filtered: number;
    /** Encodings (file x encoding) whose output was not small enough against `ratio`. */
    readonly notSmaller: number;
  };
  /** Compression cache activity, counted per file x encoding. */
  readonly cache: {
    readonly enabled: boolean;
    readonly dir: string | null;
    readonly hits: number;
    /** Entries not found: compressed now. */
    readonly misses: number;
    /** Entries found damaged (checksum, size) or not regular files (symlink, FIFO): compressed now. */
    readonly corrupt: number;
    /** Entries that could not be written (the build went on). */
    readonly writeErrors: number;
    /** Entries removed to keep the cache under `maxSize`. */
    readonly evicted: number;
  };
  /**
   * The largest files that got siblings (up to `REPORT_LARGEST_FILES`), with the sizes the plugin
   * measured: these stand in for the gzip column of Vite's own table, which the plugin turns off
   * (`build.reportCompressedSize`) because it would gzip every chunk a second time.
   */
  readonly largest: readonly FileSizes[];
  /** Every compression actually run in this build (cache misses, or all when the cache is off). */
  readonly compressed: readonly { readonly file: string; readonly encoding: Encoding }[];
  /** How many of `compressed` ran early, on `public/` files, while Vite was still bundling. */
  readonly early: number;
  /** Subresource Integrity: HTML files rewritten, tags given `integrity`, tags left without. */
  readonly sri: { readonly htmlFiles: number; readonly tags: number; readonly skipped: number };
  /** Absolute path of the manifest written, or `null`. */
  readonly manifest: string | null;
  /** Worker threads used. */
  readonly workers: number;
  /** Wall time the plugin spent after the bundle was written, in milliseconds. */
  readonly durationMs: number;
}

/** Human-readable byte count: `512 B`, `12.3 kB`, `4.05 MB` (SI units, like Vite's own report). */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  if (bytes < 1_000_000) return `${(bytes / 1000).toFixed(1)} kB`;
  return `${(bytes / 1_000_000).toFixed(2)} MB`;
}

/** The report as terminal lines (without colour; the logger adds its own prefix). */
export function formatReport(report: WirepackReport): string[] {
  const lines = [
    `${LOG_PREFIX} ${report.environment}: ${report.files} files, ${formatBytes(report.bytes)}; ` +
      `${report.compressible.files} compressible, ${formatBytes(report.compressible.bytes)}`,
  ];
  for (const encoding of ENCODINGS) {
    const totals = report.encodings[encoding];
    if (totals === undefined) continue;
    const saved = totals.originalBytes === 0 ? 0 : 1 - totals.bytes / totals.originalBytes;
    lines.push(
      `${LOG_PREFIX}   ${encoding.padEnd(4)} ${String(totals.files).padStart(5)} files  ` +
        `${formatBytes(totals.originalBytes)} -> ${formatBytes(totals.bytes)} (-${(saved * 100).toFixed(1)}%)`,
    );
  }
  const width = Math.max(0, ...report.largest.map((entry) => entry.file.length));
  for (const entry of report.largest) {
    const siblings = ENCODINGS.filter((encoding) => entry.encodings[encoding] !== undefined).map(
      (encoding) => `${encoding} ${formatBytes(entry.encodings[encoding]!).padStart(9)}`,
    );
    lines.push(
      `${LOG_PREFIX}     ${entry.file.padEnd(width)}  ${formatBytes(entry.size).padStart(9)}  ${siblings.join('  ')}`,
    );
  }
  const { cache, skipped } = report;
  lines.push(
    `${LOG_PREFIX}   skipped: ${skipped.notCompressible} not compressible, ${skipped.belowThreshold} under threshold, ` +
      `${skipped.filtered} filtered, ${skipped.notSmaller} not smaller`,
  );
  lines.push(
    cache.enabled
      ? `${LOG_PREFIX}   cache: ${cache.hits} hits, ${cache.misses + cache.corrupt} compressed` +
          (report.early > 0 ? ` (${report.early} while bundling)` : '') +
          (cache.corrupt > 0 ? ` (${cache.corrupt} corrupt entries replaced)` : '') +
          (cache.evicted > 0 ? `, ${cache.evicted} evicted` : '') +
          (cache.writeErrors > 0 ? `, ${cache.writeErrors} not stored` : '')
      : `${LOG_PREFIX}   cache: off, ${report.compressed.length} compressed`,
  );
  lines.push(
    `${LOG_PREFIX}   SRI on ${report.sri.tags} tags in ${report.sri.htmlFiles} HTML files; ` +
      `${report.durationMs.toFixed(0)} ms` +
      (report.workers === 0
        ? ' (no compression needed)'
        : ` on ${report.workers} worker${report.workers === 1 ? '' : 's'}`),
  );
  return lines;
}
