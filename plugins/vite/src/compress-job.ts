import { createHash } from 'node:crypto';
import { rmSync } from 'node:fs';
import { placeFileAtomicSync } from './atomic-write.ts';
import { cacheKey, type FileIdentity, findCacheEntry, writeCacheEntry } from './cache.ts';
import { type CodecSpec, compressSync, type Encoding, SIBLING_EXTENSIONS } from './codecs.ts';
import { sha256Tag } from './fingerprint.ts';
import { ReadBuffer } from './read-buffer.ts';

/** Inputs are read into one buffer per thread: jobs run one at a time (see `ReadBuffer`). */
const threadReadBuffer = new ReadBuffer();

/**
 * One file's compression work, as sent to a worker: only the path and small values cross the
 * thread boundary and the worker reads the file itself, so memory stays bounded by the number of
 * files in flight. Only encodings the cache could not supply are listed.
 */
export interface CompressionJob {
  readonly id: number;
  /** Absolute path of the output file. */
  readonly path: string;
  /** SHA-256 (hex) the main thread saw: the file must still have these bytes. */
  readonly sha256Hex: string;
  /** Encodings to produce, each with its cache tag (`codecTag`). */
  readonly codecs: readonly { readonly spec: CodecSpec; readonly tag: string }[];
  /** Cache directory to store the outputs in, or `null`. */
  readonly cacheDir: string | null;
  /** A sibling is kept only when its size is at most `ratio` times the original's. */
  readonly ratio: number;
}

/** One encoding of one file: its compressed size and hash, and whether the sibling was written. */
export interface EncodingOutcome {
  readonly encoding: Encoding;
  /** Size of the compressed bytes. */
  readonly size: number;
  /** `sha256-<base64>` of the compressed bytes. */
  readonly hash: string;
  /** True when the sibling was written (small enough against `ratio`). */
  readonly kept: boolean;
}

/** A finished job. */
export interface CompressionJobResult {
  readonly id: number;
  readonly ok: true;
  readonly encodings: readonly EncodingOutcome[];
  /** The first cache write failure, if any (the build goes on without caching that entry). */
  readonly cacheWriteError?: string;
}

/** A job that could not run: `ENOENT` when the file disappeared, `ECHANGED` when its bytes changed. */
export interface CompressionJobFailure {
  readonly id: number;
  readonly ok: false;
  readonly code: string;
  readonly message: string;
}

/** The keep-or-drop rule for a sibling: strictly smaller, and at most `ratio` of the original. */
export function worthKeeping(compressedSize: number, originalSize: number, ratio: number): boolean {
  return compressedSize < originalSize && compressedSize <= originalSize * ratio;
}

/**
 * Writes or removes a sibling according to `worthKeeping`. A stale sibling left by an earlier
 * build into a directory that was not emptied must not outlive a decision not to keep it. With
 * `cached`, the path of a cache entry holding `output`, the sibling is a hard link to it (to that
 * very file when `identity` is given: see `placeFileAtomicSync`).
 */
export function placeSibling(
  path: string,
  encoding: Encoding,
  output: Uint8Array,
  kept: boolean,
  cached?: string,
  identity?: FileIdentity,
): void {
  const sibling = path + SIBLING_EXTENSIONS[encoding];
  if (kept) placeFileAtomicSync(sibling, output, cached, identity);
  else rmSync(sibling, { force: true });
}

/**
 * Compresses one file with each listed encoding, stores the outputs in the cache and writes the
 * siblings. Synchronous by design: it runs inside a worker thread, one job at a time per worker.
 */
export function runCompressionJob(job: CompressionJob): CompressionJobResult | CompressionJobFailure {
  try {
    const input = threadReadBuffer.readFileSync(job.path);
    if (createHash('sha256').update(input).digest('hex') !== job.sha256Hex) {
      return {
        id: job.id,
        ok: false,
        code: 'ECHANGED',
        message: 'its bytes changed while it was being processed',
      };
    }
    const encodings: EncodingOutcome[] = [];
    let cacheWriteError: string | undefined;
    for (const { spec, tag } of job.codecs) {
      const output = compressSync(spec, input);
      let cached: string | undefined;
      if (job.cacheDir !== null) {
        try {
          cached = writeCacheEntry(job.cacheDir, cacheKey(job.sha256Hex, tag), output);
        } catch (error) {
          cacheWriteError ??= (error as Error).message;
        }
      }
      const kept = worthKeeping(output.byteLength, input.byteLength, job.ratio);
      placeSibling(job.path, spec.encoding, output, kept, cached);
      encodings.push({ encoding: spec.encoding, size: output.byteLength, hash: sha256Tag(output), kept });
    }
    return cacheWriteError === undefined
      ? { id: job.id, ok: true, encodings }
      : { id: job.id, ok: true, encodings, cacheWriteError };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'EIO';
    return { id: job.id, ok: false, code, message: (error as Error).message };
  }
}

/**
 * Early work on a `public/` file while Vite is still bundling: compress it into the cache only.
 * Nothing is written to the output directory (Vite empties it later); the final pass hashes the
 * bytes that ship and reuses an output only if they are the bytes compressed here.
 */
export interface EarlyJob {
  readonly id: number;
  /** Absolute path of the file in `public/`. */
  readonly path: string;
  readonly codecs: readonly { readonly spec: CodecSpec; readonly tag: string }[];
  readonly cacheDir: string;
}

/** What an early job did: the input's SHA-256 (hex) and the encodings it compressed. */
export interface EarlyJobResult {
  readonly id: number;
  readonly ok: boolean;
  readonly sha256Hex: string;
  readonly compressed: readonly Encoding[];
}

/** Runs an early job; failures are not errors here (the final pass decides), just no work done. */
export function runEarlyJob(job: EarlyJob): EarlyJobResult {
  const compressed: Encoding[] = [];
  let sha256Hex = '';
  try {
    const input = threadReadBuffer.readFileSync(job.path);
    sha256Hex = createHash('sha256').update(input).digest('hex');
    for (const { spec, tag } of job.codecs) {
      const key = cacheKey(sha256Hex, tag);
      // Existence is enough here: a damaged entry is caught and replaced by the final pass.
      if (findCacheEntry(job.cacheDir, key) !== undefined) continue;
      writeCacheEntry(job.cacheDir, key, compressSync(spec, input));
      compressed.push(spec.encoding);
    }
    return { id: job.id, ok: true, sha256Hex, compressed };
  } catch {
    // Unreadable file or unwritable cache: the final pass compresses (and reports) it.
    return { id: job.id, ok: false, sha256Hex, compressed };
  }
}
