/**
 * Runs `task` over `items` with at most `limit` running at once. The first failure rejects, and
 * no further item starts after it (the ones already running finish on their own).
 */
export async function forEachLimited<TItem>(
  items: readonly TItem[],
  limit: number,
  task: (item: TItem, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failed = false;
  const lane = async (): Promise<void> => {
    while (next < items.length && !failed) {
      const index = next++;
      try {
        await task(items[index]!, index);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}
