import { readFileSync, rmSync } from 'node:fs';
import { writeFileAtomicSync } from './atomic-write.js';
import { cacheKey, readCacheEntry, writeCacheEntry } from './cache.js';
import { type CodecSpec, compressSync, type Encoding, SIBLING_EXTENSIONS } from './codecs.js';
import { fingerprint, sha256Tag } from './fingerprint.js';

/**
 * One output file's work, as sent to a worker: only paths and small values cross the thread
 * boundary, the worker reads the file itself, so memory stays bounded by the files in flight.
 */
export interface CompressionJob {
  readonly id: number;
  /** Absolute path of the output file. */
  readonly path: string;
  /** Encodings to produce, each with its cache tag (`codecTag`); empty to fingerprint only. */
  readonly codecs: readonly { readonly spec: CodecSpec; readonly tag: string }[];
  /** Cache directory, or `null` when the cache is off or unusable. */
  readonly cacheDir: string | null;
  /** A sibling is kept only when its size is at most `ratio` times the original's. */
  readonly ratio: number;
}

/** How one encoding of one file was obtained and whether its sibling was written. */
export interface EncodingOutcome {
  readonly encoding: Encoding;
  /** Size of the compressed bytes. */
  readonly size: number;
  /** `sha256-<base64>` of the compressed bytes. */
  readonly hash: string;
  /** True when the sibling was written (it was small enough against `ratio`). */
  readonly kept: boolean;
  /** `hit`: reused from the cache; `miss`/`corrupt`: compressed now; `off`: compressed, no cache. */
  readonly cache: 'hit' | 'miss' | 'corrupt' | 'off';
}

/** A finished job: the file's fingerprint and the fate of each encoding. */
export interface CompressionJobResult {
  readonly id: number;
  readonly ok: true;
  readonly size: number;
  readonly hash: string;
  readonly integrity: string;
  readonly encodings: readonly EncodingOutcome[];
  /** The first cache write failure, if any (the build goes on without caching that entry). */
  readonly cacheWriteError?: string;
}

/** A job that could not run, with the Node error code (`ENOENT` when the file disappeared). */
export interface CompressionJobFailure {
  readonly id: number;
  readonly ok: false;
  readonly code: string;
  readonly message: string;
}

/**
 * Fingerprints one file and produces its compressed siblings, from the cache where possible.
 * Synchronous by design: it runs inside a worker thread, one job at a time per worker.
 */
export function runCompressionJob(job: CompressionJob): CompressionJobResult | CompressionJobFailure {
  let input: Buffer;
  try {
    input = readFileSync(job.path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'EIO';
    return { id: job.id, ok: false, code, message: (error as Error).message };
  }
  const print = fingerprint(input);
  const encodings: EncodingOutcome[] = [];
  let cacheWriteError: string | undefined;
  try {
    for (const { spec, tag } of job.codecs) {
      const key = job.cacheDir === null ? undefined : cacheKey(print.sha256Hex, tag);
      const lookup =
        job.cacheDir === null || key === undefined ? undefined : readCacheEntry(job.cacheDir, key);
      let output: Buffer;
      if (lookup?.status === 'hit') {
        output = lookup.payload;
      } else {
        output = compressSync(spec, input);
        if (job.cacheDir !== null && key !== undefined) {
          try {
            writeCacheEntry(job.cacheDir, key, output);
          } catch (error) {
            cacheWriteError ??= (error as Error).message;
          }
        }
      }
      const sibling = job.path + SIBLING_EXTENSIONS[spec.encoding];
      const kept = output.byteLength < input.byteLength && output.byteLength <= input.byteLength * job.ratio;
      if (kept) writeFileAtomicSync(sibling, output);
      // A sibling left by an earlier build into a non-emptied outDir must not outlive its decision.
      else rmSync(sibling, { force: true });
      encodings.push({
        encoding: spec.encoding,
        size: output.byteLength,
        hash: sha256Tag(output),
        kept,
        cache: lookup === undefined ? 'off' : lookup.status,
      });
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'EIO';
    return { id: job.id, ok: false, code, message: (error as Error).message };
  }
  const result: CompressionJobResult = {
    id: job.id,
    ok: true,
    size: input.byteLength,
    hash: print.hash,
    integrity: print.integrity,
    encodings,
  };
  return cacheWriteError === undefined ? result : { ...result, cacheWriteError };
}
