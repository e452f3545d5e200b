/**
 * Worker thread entry: runs compression jobs one at a time, synchronously, and posts each result
 * back. Started by `WorkerPool`; never imported by the main thread.
 */
import { parentPort } from 'node:worker_threads';
import { type CompressionJob, runCompressionJob } from './compress-job.js';

const port = parentPort;
if (port === null) throw new Error('[wirepack/vite-plugin] compress-worker must run in a worker thread');
port.on('message', (job: CompressionJob) => {
  port.postMessage(runCompressionJob(job));
});
