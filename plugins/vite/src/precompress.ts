import { open } from 'node:fs/promises';
import type { ManifestEncoding } from '@wirepack/manifest';
import { cacheKey, maxEntryBytes, readCacheEntry } from './cache.js';
import type { CodecSpec, Encoding } from './codecs.js';
import { codecTag } from './codecs.js';
import { type EncodingOutcome, placeSibling, worthKeeping } from './compress-job.js';
import { type CompressionAnswer, createCompressionQueue } from './compression-queue.js';
import { type ContentTypeInfo, contentTypeFromName, SNIFF_BYTES, sniffContentType } from './content-types.js';
import { outputFileError, outputFileErrorFrom } from './errors.js';
import { type Fingerprint, fingerprint } from './fingerprint.js';
import type { FilterInput } from './options.js';
import { decideCompression, type FileDecision } from './precompress-decisions.js';
import { keepSiblings } from './precompress-totals.js';
import { ReadBuffer } from './read-buffer.js';
import type { WirepackReport } from './report.js';
import { createTimeSlicer } from './time-slicer.js';
import type { OutputFile } from './walk-out-dir.js';

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

/**
 * The main thread's synchronous file work runs in slices of about this long, with a turn of the
 * event loop between them, so that timers and I/O callbacks of other plugins are not held up.
 */
const SLICE_MS = 20;

/** A codec with its cache tag (`codecTag`). */
type TaggedCodec = { readonly spec: CodecSpec; readonly tag: string };

/** The counters and lists a run fills in, file by file (the report's figures). */
interface RunTally {
  readonly skipped: { -readonly [TKey in keyof WirepackReport['skipped']]: number };
  readonly cache: { hits: number; misses: number; corrupt: number; writeErrors: number };
  readonly compressed: { file: string; encoding: Encoding }[];
  compressible: { files: number; bytes: number };
  early: number;
  cacheWriteError: string | undefined;
  badCacheEntries: { count: number; first: string } | undefined;
  /** Per file, what each encoding produced (from the cache or a worker). */
  readonly siblings: Partial<Record<Encoding, EncodingOutcome>>[];
}

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
  const codecs: TaggedCodec[] = settings.codecs.map((spec) => ({ spec, tag: codecTag(spec) }));
  const tally: RunTally = {
    skipped: { notCompressible: 0, belowThreshold: 0, filtered: 0, notSmaller: 0 },
    cache: { hits: 0, misses: 0, corrupt: 0, writeErrors: 0 },
    compressed: [],
    compressible: { files: 0, bytes: 0 },
    early: 0,
    cacheWriteError: undefined,
    badCacheEntries: undefined,
    siblings: files.map(() => ({})),
  };
  const decisions = await decideAll(files, settings, codecs.length > 0, tally);
  const total = decisions.filter((decision) => decision.compress).length;
  let done = 0;
  const progress = (): void => {
    done += 1;
    settings.onProgress?.(done, total);
  };
  const onAnswer = (answer: CompressionAnswer): void => {
    if (!answer.ok) throw outputFileError(files[answer.id]!.file, answer);
    if (answer.cacheWriteError !== undefined) {
      tally.cache.writeErrors += 1;
      tally.cacheWriteError ??= answer.cacheWriteError;
    }
    for (const outcome of answer.encodings) tally.siblings[answer.id]![outcome.encoding] = outcome;
    progress();
  };

  // One input and one cache-entry buffer, reused: no per-file garbage (see `ReadBuffer`).
  const inputBuffer = new ReadBuffer();
  const entryBuffer = new ReadBuffer();
  const queue = createCompressionQueue(settings.workerEntry, settings.concurrency);
  const slicer = createTimeSlicer(SLICE_MS);
  const records: FileRecord[] = new Array(files.length);
  // Largest first: the longest compression starts first instead of finishing last.
  const order = files.map((_, id) => id).sort((a, b) => files[b]!.size - files[a]!.size || a - b);
  try {
    for (const id of order) {
      if (queue.failed) break;
      await slicer.pause();
      const entry = files[id]!;
      const decision = decisions[id]!;
      let input: Buffer;
      try {
        input = inputBuffer.readFileSync(entry.path);
      } catch (error) {
        throw outputFileErrorFrom(entry.file, error);
      }
      const print = fingerprint(input);
      records[id] = {
        file: entry.file,
        size: input.byteLength,
        hash: print.hash,
        integrity: print.integrity,
        contentType: decision.type.contentType,
        immutable: settings.hashed.has(entry.file),
        encodings: {},
      };
      if (!decision.compress) continue;
      const missing = placeCachedSiblings(id, entry, input, print, codecs, settings, entryBuffer, tally);
      if (missing.length === 0) {
        progress();
        continue;
      }
      queue.submit(
        {
          id,
          path: entry.path,
          sha256Hex: print.sha256Hex,
          codecs: missing,
          cacheDir: settings.cacheDir,
          ratio: settings.ratio,
        },
        onAnswer,
      );
      for (const codec of missing) tally.compressed.push({ file: entry.file, encoding: codec.spec.encoding });
    }
  } catch (error) {
    await queue.close();
    throw error;
  }
  await queue.settle();

  const { kept, encodings, notSmaller } = keepSiblings(
    records,
    tally.siblings,
    codecs.map((codec) => codec.spec.encoding),
  );
  tally.skipped.notSmaller += notSmaller;
  tally.compressed.sort((a, b) =>
    a.file < b.file ? -1 : a.file > b.file ? 1 : a.encoding < b.encoding ? -1 : 1,
  );
  return {
    records: records.map((record, id) => ({ ...record, encodings: kept[id]! })),
    compressible: tally.compressible,
    encodings,
    skipped: tally.skipped,
    cache: tally.cache,
    cacheWriteError: tally.cacheWriteError,
    badCacheEntries: tally.badCacheEntries,
    compressed: tally.compressed,
    early: tally.early,
    workers: queue.workers,
  };
}

/**
 * Decisions first, in file order, so `filter` sees files in a stable order; counts what is skipped and
 * what is compressible. A file whose extension says nothing is classified by its first bytes.
 */
async function decideAll(
  files: readonly OutputFile[],
  settings: PrecompressSettings,
  anyCodec: boolean,
  tally: RunTally,
): Promise<FileDecision[]> {
  const decisions: FileDecision[] = [];
  for (const entry of files) {
    const type = contentTypeFromName(entry.file) ?? (await sniff(entry));
    const decision = decideCompression(entry, type, { ...settings, anyCodec });
    if (decision.skipped !== undefined) tally.skipped[decision.skipped] += 1;
    else if (anyCodec) {
      tally.compressible.files += 1;
      tally.compressible.bytes += entry.size;
    }
    decisions.push(decision);
  }
  return decisions;
}

/**
 * Looks each encoding of one file up in the cache and writes the sibling of every hit at once; returns
 * the codecs the cache could not supply (for a worker). Hits on keys this build's early pass wrote
 * count as this build's work (misses, `early`), not as reuse.
 */
function placeCachedSiblings(
  id: number,
  entry: OutputFile,
  input: Buffer,
  print: Fingerprint,
  codecs: readonly TaggedCodec[],
  settings: PrecompressSettings,
  entryBuffer: ReadBuffer,
  tally: RunTally,
): TaggedCodec[] {
  const missing: TaggedCodec[] = [];
  for (const codec of codecs) {
    const key = cacheKey(print.sha256Hex, codec.tag);
    const lookup =
      settings.cacheDir === null
        ? undefined
        : readCacheEntry(settings.cacheDir, key, maxEntryBytes(input.byteLength), entryBuffer);
    if (lookup?.status !== 'hit') {
      missing.push(codec);
      if (lookup?.status === 'bad') {
        tally.badCacheEntries ??= { count: 0, first: `${lookup.path}: ${lookup.reason}` };
        tally.badCacheEntries.count += 1;
      }
      if (lookup?.status === 'corrupt' || lookup?.status === 'bad') tally.cache.corrupt += 1;
      else if (lookup?.status === 'miss') tally.cache.misses += 1;
      continue;
    }
    if (settings.earlyKeys?.has(key) === true) {
      // Compressed by this build's early pass: work done now, not a reuse of an earlier build's.
      tally.cache.misses += 1;
      tally.early += 1;
      tally.compressed.push({ file: entry.file, encoding: codec.spec.encoding });
    } else {
      tally.cache.hits += 1;
    }
    const kept = worthKeeping(lookup.payload.byteLength, input.byteLength, settings.ratio);
    try {
      placeSibling(entry.path, codec.spec.encoding, lookup.payload, kept, lookup.path, lookup.identity);
    } catch (error) {
      throw outputFileErrorFrom(entry.file, error);
    }
    tally.siblings[id]![codec.spec.encoding] = {
      encoding: codec.spec.encoding,
      size: lookup.payload.byteLength,
      hash: lookup.hash,
      kept,
    };
  }
  return missing;
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
    throw outputFileErrorFrom(entry.file, error);
  } finally {
    await handle?.close();
  }
}
