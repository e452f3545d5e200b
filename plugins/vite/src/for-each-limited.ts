/**
 * Runs `task` over `items` with at most `limit` running at once. The first failure rejects, and
 * no further item starts after it (the ones already running finish on their own). `lane` (0 to
 * limit - 1) identifies the sequence an item runs in, for state that items of a lane can share.
 */
export async function forEachLimited<TItem>(
  items: readonly TItem[],
  limit: number,
  task: (item: TItem, index: number, lane: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failed = false;
  const run = async (_: unknown, lane: number): Promise<void> => {
    while (next < items.length && !failed) {
      const index = next++;
      try {
        await task(items[index]!, index, lane);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, run));
}
