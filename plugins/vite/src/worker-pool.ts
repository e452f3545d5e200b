import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

/**
 * Runs jobs on a fixed number of worker threads, in the order given, one job per worker at a time.
 *
 * Why threads and not async zlib: Node's async zlib runs on libuv's pool, 4 threads by default for
 * the whole process, so it caps concurrency at 4 whatever the core count. Synchronous zlib inside
 * `size` workers uses exactly `size` cores. Why one job per worker: at most `size` files (and their
 * compressed outputs) are in memory at once, whatever the file count or level. The caller orders
 * the jobs (largest first), which bounds the tail: the longest file starts first instead of last.
 * After `signal` aborts, no further job starts; results of unstarted jobs stay `undefined`.
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
  const workers: Worker[] = [];
  let next = 0;
  let settled = false;
  try {
    await new Promise<void>((resolve, reject) => {
      let running = 0;
      const fail = (error: unknown): void => {
        if (settled) return;
        settled = true;
        reject(error);
      };
      const feed = (worker: Worker): void => {
        if (settled) return;
        // Aborting stops handing out jobs; the ones running finish and are reported.
        if (next >= jobs.length || signal?.aborted) {
          if (running === 0) {
            settled = true;
            resolve();
          }
          return;
        }
        const index = next++;
        running += 1;
        worker.once('message', (result: TResult) => {
          running -= 1;
          results[index] = result;
          try {
            onResult?.(result, jobs[index]!);
          } catch (error) {
            fail(error);
            return;
          }
          feed(worker);
        });
        worker.postMessage(jobs[index]);
      };
      const count = Math.max(1, Math.min(size, jobs.length));
      for (let i = 0; i < count; i++) {
        const worker = spawnWorker(entry);
        workers.push(worker);
        worker.on('error', fail);
        worker.on('exit', (code) => {
          if (!settled)
            fail(new Error(`[wirepack/vite-plugin] a compression worker exited with code ${code}`));
        });
        feed(worker);
      }
    });
  } finally {
    settled = true;
    await Promise.all(workers.map((worker) => worker.terminate()));
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
