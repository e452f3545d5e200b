import { encodeFrame } from '@wirepack/protocol';
import type { BatchSummary } from './options.ts';

/** A finished batch's figures before its end frame is written (so without `bytesOut`, which counts it). */
export type BatchTotals = Omit<BatchSummary, 'bytesOut'>;

/**
 * What a finished batch tells about itself, twice: to the client in its end frame (total time, calls,
 * errors), and to the app through `onBatch` (the same plus bytes and errors by code). Both come from the
 * one summary, so they cannot disagree.
 */
export function summarizeBatch(totals: BatchTotals): {
  readonly summary: BatchTotals;
  readonly endFrame: Uint8Array;
} {
  let errors = 0;
  for (const code in totals.errors) errors += totals.errors[code] as number;
  const endFrame = encodeFrame({
    kind: 'end',
    timing: { total: Math.round(totals.durationMs * 1000) / 1000, calls: totals.calls, errors },
  });
  return { summary: { ...totals, errors: { ...totals.errors } }, endFrame };
}
