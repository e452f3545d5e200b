import type { CompressionJob, CompressionJobFailure, CompressionJobResult } from './compress-job.js';
import { WorkerPool } from './worker-pool.js';

/** What a worker answers for a job. */
export type CompressionAnswer = CompressionJobResult | CompressionJobFailure;

/**
 * The worker pool behind cache misses, started by the first job (a warm rebuild starts no thread). The
 * first failure (a job's handler throwing, or the pool failing) stops the queue: nothing more starts,
 * what is queued is rejected, and `settle()` throws that failure once every job has ended.
 */
export interface CompressionQueue {
  /** Whether a failure has stopped the queue (submit nothing more). */
  readonly failed: boolean;
  /** Hands a job to the pool; `onAnswer` runs on the main thread with the worker's answer. */
  submit(job: CompressionJob, onAnswer: (answer: CompressionAnswer) => void): void;
  /** Waits for every job, closes the pool, and throws the first failure if there was one. */
  settle(): Promise<void>;
  /** Closes the pool without waiting for jobs (on an error elsewhere). */
  close(): Promise<void>;
  /** Worker threads started. */
  readonly workers: number;
}

/** A {@link CompressionQueue} over `concurrency` worker threads running `workerEntry`. */
export function createCompressionQueue(workerEntry: URL, concurrency: number): CompressionQueue {
  let pool: WorkerPool<CompressionJob, CompressionAnswer> | undefined;
  const pending: Promise<void>[] = [];
  let failure: { error: unknown } | undefined;
  return {
    get failed() {
      return failure !== undefined;
    },
    get workers() {
      return pool?.started ?? 0;
    },
    submit(job, onAnswer) {
      pool ??= new WorkerPool(workerEntry, concurrency);
      // A handler at once: a failure must not be an unhandled rejection while the caller goes on.
      pending.push(
        pool
          .run(job)
          .then(onAnswer)
          .catch((error: unknown) => {
            failure ??= { error };
            // Start nothing more: what is queued is rejected, and the build fails with this error.
            void pool?.close();
          }),
      );
    },
    async settle() {
      try {
        await Promise.all(pending);
      } finally {
        await pool?.close();
      }
      if (failure !== undefined) throw failure.error;
    },
    async close() {
      await pool?.close();
    },
  };
}
