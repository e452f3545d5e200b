// `pnpm bench:load`'s endurance run showed RSS rising 87 MiB a minute: every batch ever served stayed
// in memory (2,784 BatchRuns, their IncomingMessages and 20 CallSignals each in a heap snapshot after
// 70 s). The batch handler left its "client gone" listener on the batch request's signal after the
// batch ended; Request keeps its signal in a FinalizationRegistry's held value, and that listener's
// closure reached the BatchRun and the request itself, the registry's target, so none was ever
// collected. The listener is now removed when the batch ends.
import { getEventListeners } from 'node:events';
import { expect, it } from 'vitest';
import { createBatchHandler } from '../../src/index.ts';
import { batchRequest, collectFrames } from '../../src/test-support/batch.ts';

it('leaves no abort listener on the batch request once the batch has ended', async () => {
  const handler = createBatchHandler({ fetch: async () => Response.json({ ok: true }) });
  const request = batchRequest([
    { id: 1, path: '/a' },
    { id: 2, path: '/b' },
  ]);
  const before = getEventListeners(request.signal, 'abort').length;
  const frames = await collectFrames(await handler(request));

  expect(frames.at(-1)?.kind).toBe('end');
  expect(getEventListeners(request.signal, 'abort')).toHaveLength(before);
});
