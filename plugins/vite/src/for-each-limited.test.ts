import { describe, expect, it } from 'vitest';
import { forEachLimited } from './for-each-limited.js';

describe('forEachLimited', () => {
  it('visits every item with its index, never more than `limit` at once', async () => {
    let running = 0;
    let most = 0;
    const seen: [string, number][] = [];
    await forEachLimited(['a', 'b', 'c', 'd', 'e'], 2, async (item, index) => {
      running += 1;
      most = Math.max(most, running);
      await Promise.resolve();
      seen.push([item, index]);
      running -= 1;
    });
    expect(most).toBe(2);
    expect(seen.sort()).toEqual([
      ['a', 0],
      ['b', 1],
      ['c', 2],
      ['d', 3],
      ['e', 4],
    ]);
  });

  it('rejects with the first failure and starts nothing after it', async () => {
    const started: number[] = [];
    await expect(
      forEachLimited([1, 2, 3, 4, 5, 6], 1, async (item) => {
        started.push(item);
        if (item === 2) throw new Error('two');
      }),
    ).rejects.toThrow('two');
    expect(started).toEqual([1, 2]);
    await expect(forEachLimited([], 4, async () => {})).resolves.toBeUndefined();
  });
});
