/**
 * Worker thread entry: runs compression jobs one at a time, synchronously, and posts each result
 * back. Started by `WorkerPool`; never imported by the main thread.
 */
import { parentPort } from 'node:worker_threads';
import { type CompressionJob, type EarlyJob, runCompressionJob, runEarlyJob } from './compress-job.js';

/** A message to the worker: a final-pass job, or an early (cache-only) one marked `early`. */
export type WorkerJob = CompressionJob | (EarlyJob & { readonly early: true });

const port = parentPort;
if (port === null) throw new Error('[wirepack/vite-plugin] compress-worker must run in a worker thread');
port.on('message', (job: WorkerJob) => {
  port.postMessage('early' in job ? runEarlyJob(job) : runCompressionJob(job));
});
