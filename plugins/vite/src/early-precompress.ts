import { cacheKey } from './cache.ts';
import { type CodecSpec, codecTag, type Encoding } from './codecs.ts';
import type { EarlyJob, EarlyJobResult } from './compress-job.ts';
import { contentTypeFromName } from './content-types.ts';
import { THREAD_PRIORITY_SUPPORTED } from './thread-priority.ts';
import { walkOutDir } from './walk-out-dir.ts';
import { runWorkerPool } from './worker-pool.ts';

/**
 * Compresses `public/` files into the cache while Vite is still bundling.
 *
 * Why: bundling leaves part of the machine idle (a plain build of the realistic fixture uses ~1.5
 * of 2 cores on average; more cores idle on bigger machines), and `public/` is often a large share
 * of the bytes (11 of 27.5 MB there). Those files are final before the build starts, so their
 * compression need not wait for the end of the build.
 *
 * Why it is safe: nothing is written to the output directory, only cache entries keyed by the
 * content hash. The final pass, after every plugin has written its files, hashes the bytes that
 * ship and reuses an entry only when those bytes are the ones compressed here; a file that a
 * plugin changed in between is simply compressed again.
 *
 * Bounds: where threads can be reniced (Linux), `concurrency` workers at the lowest priority (nice
 * 19), which run only on CPU time the bundler and everything else leave idle and so never slow the
 * bundle down; elsewhere `concurrency - 1` workers (at least 1), to leave the bundler a core. Only files up to
 * `EARLY_MAX_BYTES` (brotli 11 needs ~9x a file's size while it works, and this runs during the
 * build's own memory peak); smallest first, so the job still running when the bundle is done,
 * which the final pass waits for, is a short one.
 */

/** Largest `public/` file compressed early. */
export const EARLY_MAX_BYTES: number = 1024 * 1024;

/** What `startEarlyPrecompression` needs. */
export interface EarlySettings {
  readonly publicDir: string;
  readonly codecs: readonly CodecSpec[];
  readonly threshold: number;
  readonly cacheDir: string;
  readonly concurrency: number;
  readonly workerEntry: URL;
}

/** What the early pass did, for the final pass to account for. */
export interface EarlyOutcome {
  /** Cache keys written by the early pass in this build. */
  readonly keys: ReadonlySet<string>;
}

/** A running early pass. */
export interface EarlyPrecompression {
  /** Stops starting new files, waits for the running ones, and tells what was done. */
  stop(): Promise<EarlyOutcome>;
}

/** Starts compressing `public/` in the background (see the module comment). */
export function startEarlyPrecompression(settings: EarlySettings): EarlyPrecompression {
  const controller = new AbortController();
  const keys = new Set<string>();
  const tags = settings.codecs.map((spec) => ({ spec, tag: codecTag(spec) }));
  const tagOf = new Map<Encoding, string>(tags.map(({ spec, tag }) => [spec.encoding, tag]));
  const running = (async () => {
    const files = await walkOutDir(settings.publicDir);
    const jobs: (EarlyJob & { early: true })[] = files
      .filter((file) => {
        const type = contentTypeFromName(file.file);
        return type?.compressible === true && file.size >= settings.threshold && file.size <= EARLY_MAX_BYTES;
      })
      .sort((a, b) => a.size - b.size || (a.file < b.file ? -1 : 1))
      .map((file, id) => ({ early: true, id, path: file.path, codecs: tags, cacheDir: settings.cacheDir }));
    await runWorkerPool<EarlyJob, EarlyJobResult>(
      settings.workerEntry,
      jobs,
      THREAD_PRIORITY_SUPPORTED ? settings.concurrency : Math.max(1, settings.concurrency - 1),
      (result) => {
        for (const encoding of result.compressed) keys.add(cacheKey(result.sha256Hex, tagOf.get(encoding)!));
      },
      controller.signal,
    );
  })().catch(() => {
    // Handled here, at once, not when the pass is stopped: a public/ folder that does not exist (the
    // default `publicDir` of an app without one), one that vanished, or a worker that failed to start
    // would otherwise be an unhandled rejection while Vite bundles, and Node ends the build. The final
    // pass does all the work then, and reports any real problem with the output files.
  });
  return {
    async stop() {
      controller.abort();
      await running;
      return { keys };
    },
  };
}
