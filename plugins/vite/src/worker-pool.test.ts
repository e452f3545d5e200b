import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { codecTag } from './codecs.js';
import type { CompressionJob, CompressionJobFailure, CompressionJobResult } from './compress-job.js';
import { temporaryDirectory } from './test-support/build-fixture.js';
import { runWorkerPool, WorkerPool } from './worker-pool.js';

const entry = new URL('./compress-worker.ts', import.meta.url);
const dir = temporaryDirectory('pool');
afterAll(() => dir.remove());

function job(id: number, text: string): CompressionJob {
  const path = join(dir.path, `file-${id}.txt`);
  writeFileSync(path, text);
  const spec = { encoding: 'gzip', level: 1 } as const;
  return {
    id,
    path,
    sha256Hex: createHash('sha256').update(text).digest('hex'),
    codecs: [{ spec, tag: codecTag(spec) }],
    cacheDir: null,
    ratio: 1,
  };
}

describe('runWorkerPool', () => {
  it('runs every job on the worker threads and returns results in job order', async () => {
    const jobs = Array.from({ length: 7 }, (_, id) => job(id, `line ${id}\n`.repeat(100 * (id + 1))));
    const seen: number[] = [];
    const results = await runWorkerPool<CompressionJob, CompressionJobResult | CompressionJobFailure>(
      entry,
      jobs,
      3,
      (result) => seen.push(result.id),
    );
    expect(results.map((result) => [result.id, result.ok])).toEqual(jobs.map((item) => [item.id, true]));
    expect(seen.sort()).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it('rejects when the result callback throws, and starts nothing for no jobs', async () => {
    await expect(
      runWorkerPool(entry, [job(10, 'x'.repeat(500))], 2, () => {
        throw new Error('stop here');
      }),
    ).rejects.toThrow('stop here');
    await expect(runWorkerPool(entry, [], 2)).resolves.toEqual([]);
  });

  it('rejects when a worker cannot start', async () => {
    await expect(
      runWorkerPool(new URL('./no-such-worker.ts', import.meta.url), [job(11, 'y')], 1),
    ).rejects.toThrow();
  });
});

describe('WorkerPool', () => {
  it('starts threads only when jobs arrive, never more than its size, and rejects after closing', async () => {
    const pool = new WorkerPool<CompressionJob, CompressionJobResult | CompressionJobFailure>(entry, 2);
    expect(pool.started).toBe(0);
    const first = await pool.run(job(20, 'a'.repeat(300)));
    expect(first).toMatchObject({ id: 20, ok: true });
    expect(pool.started).toBe(1);
    const results = await Promise.all([21, 22, 23, 24].map((id) => pool.run(job(id, `${id}`.repeat(400)))));
    expect(results.map((result) => result.id)).toEqual([21, 22, 23, 24]);
    expect(pool.started).toBe(2);
    await pool.close();
    await expect(pool.run(job(25, 'z'))).rejects.toThrow(/closed/);
  });
});
