import { open } from 'node:fs/promises';
import type { ManifestEncoding } from '@wirepack/manifest';
import { cacheKey, maxEntryBytes, readCacheEntry } from './cache.js';
import type { CodecSpec, Encoding } from './codecs.js';
import { codecTag, SIBLING_EXTENSIONS } from './codecs.js';
import {
  type CompressionJob,
  type CompressionJobFailure,
  type CompressionJobResult,
  type EncodingOutcome,
  placeSibling,
  worthKeeping,
} from './compress-job.js';
import { type ContentTypeInfo, contentTypeFromName, SNIFF_BYTES, sniffContentType } from './content-types.js';
import { fingerprint } from './fingerprint.js';
import type { FilterInput } from './options.js';
import { ReadBuffer } from './read-buffer.js';
import type { WirepackReport } from './report.js';
import type { OutputFile } from './walk-out-dir.js';
import { WorkerPool } from './worker-pool.js';

/** Everything known about one output file after fingerprinting and compression. */
export interface FileRecord {
  readonly file: string;
  readonly size: number;
  readonly hash: string;
  readonly integrity: string;
  readonly contentType: string;
  readonly immutable: boolean;
  readonly encodings: Readonly<Partial<Record<Encoding, ManifestEncoding>>>;
}

/** What `precompressFiles` needs besides the file list. */
export interface PrecompressSettings {
  readonly codecs: readonly CodecSpec[];
  readonly threshold: number;
  readonly ratio: number;
  readonly filter: ((file: FilterInput) => boolean) | undefined;
  /** Cache directory, or `null` for no cache. */
  readonly cacheDir: string | null;
  /** Names (relative, `/`-separated) the bundler hashed: see `hashedFileNames`. */
  readonly hashed: ReadonlySet<string>;
  readonly concurrency: number;
  /** The worker module (`compress-worker`). */
  readonly workerEntry: URL;
  /** Cache keys the early pass wrote during this build: hits on them are this build's work. */
  readonly earlyKeys?: ReadonlySet<string>;
  /** `include` / `exclude`: files it refuses get no siblings (counted as `filtered`). */
  readonly select?: ((file: string) => boolean) | undefined;
  /** Called as each file to compress is done (all its siblings placed): done so far, and of how many. */
  readonly onProgress?: ((done: number, total: number) => void) | undefined;
}

/** Result of fingerprinting and compressing an output directory: the report's counters, and the records. */
export interface PrecompressOutcome
  extends Pick<
    WirepackReport,
    'compressible' | 'encodings' | 'skipped' | 'compressed' | 'early' | 'workers'
  > {
  /** One record per file, in the order of the input list. */
  readonly records: readonly FileRecord[];
  readonly cache: Pick<WirepackReport['cache'], 'hits' | 'misses' | 'corrupt' | 'writeErrors'>;
  /** The first cache write error message, to warn about once. */
  readonly cacheWriteError: string | undefined;
  /** Cache entries that were not usable files (counted in `cache.corrupt`), and the first of them. */
  readonly badCacheEntries: { readonly count: number; readonly first: string } | undefined;
}

/** A build-failing problem with one output file, named in the message. */
export class OutputFileError extends Error {
  override readonly name = 'OutputFileError';
  /** The Node error code (`ENOENT` for a file that disappeared). */
  readonly code: string;
  /** The output file, relative to the output directory. */
  readonly file: string;
  constructor(file: string, code: string, message: string) {
    super(message);
    this.file = file;
    this.code = code;
  }
}

/**
 * The main thread's synchronous file work runs in slices of about this long, with a turn of the
 * event loop between them, so that timers and I/O callbacks of other plugins are not held up.
 */
const SLICE_MS = 20;

/**
 * Fingerprints every file and writes its compressed siblings, in two phases:
 *
 * 1. Main thread: read, hash (SHA-256 and SHA-384, ~1 GB/s), and for each encoding look the output
 *    up in the cache; a hit writes its sibling at once. Hashing costs ~1/40 of gzip 9 and ~1/1800 of
 *    brotli 11, so a warm rebuild is I/O only and starts no thread. That I/O is synchronous, in
 *    slices of `SLICE_MS`: the files are in the page cache right after the build wrote them, a
 *    synchronous call costs microseconds, and an asynchronous one a round trip through libuv's pool
 *    (on the realistic fixture's warm rebuild, ~0.9 s asynchronous, 4 files in flight).
 * 2. Worker threads, only for cache misses: compress, store, write siblings. Files go through
 *    phase 1 largest first, and each miss is handed to the pool at once (the first one starts
 *    it), so the longest compressions start first, while the rest is still being hashed.
 */
export async function precompressFiles(
  files: readonly OutputFile[],
  settings: PrecompressSettings,
): Promise<PrecompressOutcome> {
  const tags = settings.codecs.map((spec) => ({ spec, tag: codecTag(spec) }));
  const skipped = { notCompressible: 0, belowThreshold: 0, filtered: 0, notSmaller: 0 };
  const cache = { hits: 0, misses: 0, corrupt: 0, writeErrors: 0 };
  const records: FileRecord[] = new Array(files.length);
  const siblings: Partial<Record<Encoding, EncodingOutcome>>[] = files.map(() => ({}));
  const compressed: { file: string; encoding: Encoding }[] = [];
  let compressibleFiles = 0;
  let compressibleBytes = 0;
  let early = 0;

  // Decisions first, in file order, so `filter` sees files in a stable order.
  const plans: { type: ContentTypeInfo; compress: boolean }[] = [];
  for (const entry of files) {
    const type = contentTypeFromName(entry.file) ?? (await sniff(entry));
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
    if (!compress) {
      if (eligible) skipped.filtered += 1;
      else if (!type.compressible) skipped.notCompressible += 1;
      else skipped.belowThreshold += 1;
    } else if (tags.length > 0) {
      compressibleFiles += 1;
      compressibleBytes += entry.size;
    }
    plans.push({ type, compress: compress && tags.length > 0 });
  }

  const total = plans.filter((plan) => plan.compress).length;
  let done = 0;
  const progress = (): void => {
    done += 1;
    settings.onProgress?.(done, total);
  };

  // One input and one cache-entry buffer, reused: no per-file garbage (see `ReadBuffer`).
  const inputBuffer = new ReadBuffer();
  const entryBuffer = new ReadBuffer();
  let cacheWriteError: string | undefined;
  let badCacheEntries: { count: number; first: string } | undefined;
  let pool: WorkerPool<CompressionJob, CompressionJobResult | CompressionJobFailure> | undefined;
  const pending: Promise<void>[] = [];
  let poolFailure: { error: unknown } | undefined;
  const onResult = (result: CompressionJobResult | CompressionJobFailure): void => {
    if (!result.ok) throw failure(files[result.id]!, result);
    if (result.cacheWriteError !== undefined) {
      cache.writeErrors += 1;
      cacheWriteError ??= result.cacheWriteError;
    }
    for (const outcome of result.encodings) siblings[result.id]![outcome.encoding] = outcome;
    progress();
  };
  // Largest first: the longest compression starts first instead of finishing last.
  const order = files.map((_, id) => id).sort((a, b) => files[b]!.size - files[a]!.size || a - b);
  let sliceStart = performance.now();
  try {
    for (const id of order) {
      const entry = files[id]!;
      if (poolFailure !== undefined) break;
      if (performance.now() - sliceStart > SLICE_MS) {
        await new Promise((resolve) => setImmediate(resolve));
        sliceStart = performance.now();
      }
      const plan = plans[id]!;
      let input: Buffer;
      try {
        input = inputBuffer.readFileSync(entry.path);
      } catch (error) {
        throw failure(entry, {
          code: (error as NodeJS.ErrnoException).code ?? 'EIO',
          message: (error as Error).message,
        });
      }
      const print = fingerprint(input);
      records[id] = {
        file: entry.file,
        size: input.byteLength,
        hash: print.hash,
        integrity: print.integrity,
        contentType: plan.type.contentType,
        immutable: settings.hashed.has(entry.file),
        encodings: {},
      };
      if (!plan.compress) continue;
      const missing: { spec: CodecSpec; tag: string }[] = [];
      for (const codec of tags) {
        const key = cacheKey(print.sha256Hex, codec.tag);
        const lookup =
          settings.cacheDir === null
            ? undefined
            : readCacheEntry(settings.cacheDir, key, maxEntryBytes(input.byteLength), entryBuffer);
        if (lookup?.status !== 'hit') {
          missing.push(codec);
          if (lookup?.status === 'bad') {
            badCacheEntries ??= { count: 0, first: `${lookup.path}: ${lookup.reason}` };
            badCacheEntries.count += 1;
          }
          if (lookup?.status === 'corrupt' || lookup?.status === 'bad') cache.corrupt += 1;
          else if (lookup?.status === 'miss') cache.misses += 1;
          continue;
        }
        if (settings.earlyKeys?.has(key) === true) {
          // Compressed by this build's early pass: work done now, not a reuse of an earlier build's.
          cache.misses += 1;
          early += 1;
          compressed.push({ file: entry.file, encoding: codec.spec.encoding });
        } else {
          cache.hits += 1;
        }
        const kept = worthKeeping(lookup.payload.byteLength, input.byteLength, settings.ratio);
        try {
          placeSibling(entry.path, codec.spec.encoding, lookup.payload, kept, lookup.path, lookup.identity);
        } catch (error) {
          throw failure(entry, {
            code: (error as NodeJS.ErrnoException).code ?? 'EIO',
            message: (error as Error).message,
          });
        }
        siblings[id]![codec.spec.encoding] = {
          encoding: codec.spec.encoding,
          size: lookup.payload.byteLength,
          hash: lookup.hash,
          kept,
        };
      }
      if (missing.length > 0) {
        pool ??= new WorkerPool(settings.workerEntry, settings.concurrency);
        const job: CompressionJob = {
          id,
          path: entry.path,
          sha256Hex: print.sha256Hex,
          codecs: missing,
          cacheDir: settings.cacheDir,
          ratio: settings.ratio,
        };
        // A handler at once: a failure must not be an unhandled rejection while phase 1 goes on.
        pending.push(
          pool
            .run(job)
            .then(onResult)
            .catch((error: unknown) => {
              poolFailure ??= { error };
              // Start nothing more: what is queued is rejected, and the build fails with this error.
              void pool?.close();
            }),
        );
        for (const codec of missing) compressed.push({ file: entry.file, encoding: codec.spec.encoding });
      } else {
        progress();
      }
    }
    await Promise.all(pending);
  } finally {
    await pool?.close();
  }
  if (poolFailure !== undefined) throw poolFailure.error;

  const encodings: Partial<Record<Encoding, { files: number; bytes: number; originalBytes: number }>> = {};
  for (const [id, record] of records.entries()) {
    const kept: Partial<Record<Encoding, ManifestEncoding>> = {};
    for (const { spec } of tags) {
      const outcome = siblings[id]![spec.encoding];
      if (outcome === undefined) continue;
      if (!outcome.kept) {
        skipped.notSmaller += 1;
        continue;
      }
      kept[spec.encoding] = {
        path: record.file + SIBLING_EXTENSIONS[spec.encoding],
        size: outcome.size,
        hash: outcome.hash,
      };
      const totals = encodings[spec.encoding] ?? { files: 0, bytes: 0, originalBytes: 0 };
      encodings[spec.encoding] = totals;
      totals.files += 1;
      totals.bytes += outcome.size;
      totals.originalBytes += record.size;
    }
    records[id] = { ...record, encodings: kept };
  }
  compressed.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.encoding < b.encoding ? -1 : 1));
  return {
    records,
    compressible: { files: compressibleFiles, bytes: compressibleBytes },
    encodings,
    skipped,
    cache,
    cacheWriteError,
    badCacheEntries,
    compressed,
    early,
    workers: pool?.started ?? 0,
  };
}

/** Classifies a file whose extension is unknown by its first bytes. */
async function sniff(entry: OutputFile): Promise<ContentTypeInfo> {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(entry.path, 'r');
    const buffer = Buffer.alloc(Math.min(SNIFF_BYTES, entry.size));
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    return sniffContentType(buffer.subarray(0, bytesRead));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'EIO';
    throw failure(entry, { code, message: (error as Error).message });
  } finally {
    await handle?.close();
  }
}

function failure(entry: OutputFile, problem: { code: string; message: string }): OutputFileError {
  const what =
    problem.code === 'ENOENT'
      ? `${entry.file} disappeared from the output directory during the build (deleted or renamed by another plugin or process?)`
      : problem.code === 'ECHANGED'
        ? `${entry.file} changed while it was being compressed (another plugin or process is still writing the output directory)`
        : `${entry.file} could not be processed (${problem.code}): ${problem.message}`;
  return new OutputFileError(entry.file, problem.code, `[wirepack/vite-plugin] ${what}`);
}
