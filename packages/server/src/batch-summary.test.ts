import { readFrames } from '@wirepack/protocol';
import { expect, it } from 'vitest';
import { summarizeBatch } from './batch-summary.ts';

it('the end frame and the onBatch summary say the same of one batch', async () => {
  const errors = { TIMEOUT: 2, APP_ERROR: 1 };
  const { summary, endFrame } = summarizeBatch({
    batchId: 'b1',
    calls: 10,
    errors,
    durationMs: 12.34567,
    bytesIn: 300,
  });
  expect(summary).toEqual({
    batchId: 'b1',
    calls: 10,
    errors: { TIMEOUT: 2, APP_ERROR: 1 },
    durationMs: 12.34567,
    bytesIn: 300,
  });
  errors.TIMEOUT = 99; // the summary keeps its own copy: the run's counters may still change
  expect(summary.errors).toEqual({ TIMEOUT: 2, APP_ERROR: 1 });
  const frames = [];
  for await (const frame of readFrames(new Response(endFrame as Uint8Array<ArrayBuffer>).body!))
    frames.push(frame);
  expect(frames).toEqual([{ kind: 'end', timing: { total: 12.346, calls: 10, errors: 3 } }]);
});
