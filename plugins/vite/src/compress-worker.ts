/**
 * Worker thread entry: runs compression jobs one at a time, synchronously, and posts each result
 * back. Started by `WorkerPool`; never imported by the main thread.
 */
import { parentPort } from 'node:worker_threads';
import { type CompressionJob, type EarlyJob, runCompressionJob, runEarlyJob } from './compress-job.ts';
import { lowerThreadPriority } from './thread-priority.ts';

/** A message to the worker: a final-pass job, or an early (cache-only) one marked `early`. */
export type WorkerJob = CompressionJob | (EarlyJob & { readonly early: true });

const port = parentPort;
if (port === null) throw new Error('[wirepack/vite-plugin] compress-worker must run in a worker thread');
let lowered = false;
port.on('message', (job: WorkerJob) => {
  if ('early' in job) {
    // A worker of the early pass runs only early jobs and is stopped with it: it may stay niced.
    if (!lowered) lowered = lowerThreadPriority() || true;
    port.postMessage(runEarlyJob(job));
  } else {
    port.postMessage(runCompressionJob(job));
  }
});
