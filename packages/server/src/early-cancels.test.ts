import { describe, expect, it } from 'vitest';
import { EarlyCancels } from './early-cancels.ts';

describe('EarlyCancels', () => {
  it('holds ids for a batch until it is taken, once', () => {
    const early = new EarlyCancels();
    early.hold('batch-a', [1, 2]);
    early.hold('batch-a', [2, 3]);
    expect([...(early.take('batch-a') ?? [])]).toEqual([1, 2, 3]);
    expect(early.take('batch-a')).toBeUndefined();
    expect(early.take('batch-b')).toBeUndefined();
  });

  it('forgets held cancels and finished batches after ttlMs', () => {
    let now = 0;
    const early = new EarlyCancels({ ttlMs: 10_000, now: () => now });
    early.hold('held', [1]);
    early.finish('done');
    now = 9_999;
    expect(early.hasFinished('done')).toBe(true);
    now = 10_000;
    expect(early.hasFinished('done')).toBe(false);
    expect(early.take('held')).toBeUndefined();
  });

  it('keeps at most maxBatches of each, dropping the oldest, and caps the ids per batch', () => {
    const early = new EarlyCancels({ maxBatches: 3, maxIdsPerBatch: 4 });
    for (const id of ['a', 'b', 'c', 'd']) {
      early.hold(id, [1, 2, 3, 4, 5, 6]);
      early.finish(id);
    }
    expect(early.take('a')).toBeUndefined();
    expect(early.hasFinished('a')).toBe(false);
    expect(early.hasFinished('b')).toBe(true);
    expect([...(early.take('d') ?? [])]).toEqual([1, 2, 3, 4]);
  });
});
