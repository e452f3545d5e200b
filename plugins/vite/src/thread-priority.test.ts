import { getPriority } from 'node:os';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { lowerThreadPriority, THREAD_PRIORITY_SUPPORTED } from './thread-priority.ts';

describe('lowerThreadPriority', () => {
  it('never renices the main thread', () => {
    const before = getPriority();
    expect(lowerThreadPriority()).toBe(false);
    expect(getPriority()).toBe(before);
  });

  it.runIf(THREAD_PRIORITY_SUPPORTED)(
    'lowers a worker thread to nice 19 and leaves the process alone',
    async () => {
      // The real function, inside a worker that loads this module through tsx (as worker-pool.ts does).
      const source = `
      const { parentPort } = await import('node:worker_threads');
      const { getPriority } = await import('node:os');
      const { readlinkSync } = await import('node:fs');
      const tsx = await import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))});
      tsx.register();
      const { lowerThreadPriority } = await import(${JSON.stringify(new URL('./thread-priority.ts', import.meta.url).href)});
      const id = Number(readlinkSync('/proc/thread-self').split('/').pop());
      const lowered = lowerThreadPriority();
      parentPort.postMessage({ id, lowered, nice: getPriority(id), pid: process.pid });`;
      const worker = new Worker(`(async () => {${source}})()`, { eval: true });
      const result = await new Promise<{ id: number; lowered: boolean; nice: number; pid: number }>(
        (resolve) => worker.once('message', resolve),
      );
      await worker.terminate();
      expect(result.lowered).toBe(true);
      expect(result.id).not.toBe(result.pid);
      expect(result.nice).toBe(19);
      expect(getPriority()).not.toBe(19);
    },
  );
});
