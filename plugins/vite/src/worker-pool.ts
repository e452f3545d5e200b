import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

/** A job waiting for, or running on, a worker. */
interface Task<TJob, TResult> {
  readonly job: TJob;
  readonly resolve: (result: TResult) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Worker threads that run one job each at a time, started on demand: the first job starts the
 * first thread, and no more than `size` ever run. Jobs run in the order they are submitted.
 *
 * Why threads and not async zlib: Node's async zlib runs on libuv's pool, 4 threads by default for
 * the whole process, so it caps concurrency at 4 whatever the core count. Synchronous zlib inside
 * `size` workers uses exactly `size` cores. Why one job per worker: at most `size` files (and their
 * compressed outputs) are in memory at once, whatever the file count or level. Why on demand: a
 * build whose outputs are all in the cache starts no thread, and one with misses starts compressing
 * the first (largest) one while the rest are still being hashed and looked up.
 * A worker that fails or exits fails every pending job and every later `run`.
 */
export class WorkerPool<TJob, TResult> {
  private readonly entry: URL;
  private readonly size: number;
  private readonly workers: Worker[] = [];
  private readonly idle: Worker[] = [];
  private readonly queue: Task<TJob, TResult>[] = [];
  private readonly running: Map<Worker, Task<TJob, TResult>> = new Map();
  private failure: { readonly error: unknown } | undefined;

  constructor(entry: URL, size: number) {
    this.entry = entry;
    this.size = Math.max(1, size);
  }

  /** Threads started so far. */
  get started(): number {
    return this.workers.length;
  }

  /** Runs a job on the next free worker (starting one if fewer than `size` run). */
  run(job: TJob): Promise<TResult> {
    if (this.failure !== undefined) return Promise.reject(this.failure.error);
    return new Promise<TResult>((resolve, reject) => {
      this.queue.push({ job, resolve, reject });
      this.dispatch();
    });
  }

  /** Stops every thread; jobs not finished yet are rejected. */
  async close(): Promise<void> {
    this.fail(new Error('[wirepack/vite-plugin] the worker pool was closed'));
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }

  private dispatch(): void {
    while (this.queue.length > 0 && this.failure === undefined) {
      let worker = this.idle.pop();
      if (worker === undefined) {
        if (this.workers.length >= this.size) return;
        worker = this.spawn();
      }
      const task = this.queue.shift()!;
      this.running.set(worker, task);
      worker.postMessage(task.job);
    }
  }

  private spawn(): Worker {
    const worker = spawnWorker(this.entry);
    this.workers.push(worker);
    worker.on('message', (result: TResult) => {
      const task = this.running.get(worker);
      if (task === undefined) return;
      this.running.delete(worker);
      this.idle.push(worker);
      task.resolve(result);
      this.dispatch();
    });
    worker.on('error', (error) => this.fail(error));
    worker.on('exit', (code) => {
      this.fail(new Error(`[wirepack/vite-plugin] a compression worker exited with code ${code}`));
    });
    return worker;
  }

  private fail(error: unknown): void {
    if (this.failure !== undefined) return;
    this.failure = { error };
    for (const task of [...this.queue.splice(0), ...this.running.values()]) task.reject(error);
    this.running.clear();
  }
}

/**
 * Runs jobs on up to `size` worker threads, in the order given, one job per worker at a time (see
 * `WorkerPool`); the caller orders the jobs (largest first), which bounds the tail: the longest file
 * starts first instead of last. After `signal` aborts, no further job starts; results of unstarted
 * jobs stay `undefined`. The first failure (a worker's, or thrown by `onResult`) rejects.
 */
export async function runWorkerPool<TJob, TResult>(
  entry: URL,
  jobs: readonly TJob[],
  size: number,
  onResult?: (result: TResult, job: TJob) => void,
  signal?: AbortSignal,
): Promise<TResult[]> {
  const results: TResult[] = new Array(jobs.length);
  if (jobs.length === 0 || signal?.aborted) return results;
  const lanes = Math.max(1, Math.min(size, jobs.length));
  const pool = new WorkerPool<TJob, TResult>(entry, lanes);
  let next = 0;
  let failed = false;
  const lane = async (): Promise<void> => {
    // Aborting stops handing out jobs; the ones running finish and are reported.
    while (next < jobs.length && !failed && signal?.aborted !== true) {
      const index = next++;
      try {
        const result = await pool.run(jobs[index]!);
        results[index] = result;
        onResult?.(result, jobs[index]!);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: lanes }, lane));
  } finally {
    await pool.close();
  }
  return results;
}

/**
 * Starts a worker on a module. A `.ts` entry means the package runs from its TypeScript source (the
 * monorepo's tests and scripts, through the `@wirepack/source` condition): Node 20 cannot load
 * TypeScript in a worker by itself, so the worker first registers tsx's loader, then imports the
 * entry. A built package points at plain `.js` and takes the direct path.
 */
function spawnWorker(entry: URL): Worker {
  if (!entry.pathname.endsWith('.ts')) return new Worker(entry);
  const tsx = tsxLoaderUrl();
  const source = `import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry.href)}); });`;
  return new Worker(source, { eval: true });
}

let tsxLoader: string | undefined;

/** The ESM `register()` API of tsx, found from this package (a devDependency in source mode). */
function tsxLoaderUrl(): string {
  if (tsxLoader !== undefined) return tsxLoader;
  const require = createRequire(import.meta.url);
  const manifestPath = require.resolve('tsx/package.json');
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as {
    exports: Record<string, { import?: { default?: string } }>;
  };
  const target = manifest.exports['./esm/api']?.import?.default ?? './dist/esm/api/index.mjs';
  tsxLoader = pathToFileURL(join(dirname(manifestPath), target)).href;
  return tsxLoader;
}
