// With the response cache in front of the app (`createBatchHandler({ fetch: createResponseCache(...) })`,
// as the README and createWirepackServer compose them), the calls of one batch reached the app's
// batch-scoped DataLoader on different ticks: the cache keyed each GET by an asynchronous
// `crypto.subtle.digest`, which resolves on the thread pool, one macrotask per call. 20 user lookups
// of one batch became 20 SQL queries instead of 1. Keys are now derived synchronously, so every call
// of the batch reaches the app in the same tick, as it does without the cache.
import DataLoader from 'dataloader';
import { expect, it } from 'vitest';
import {
  createBatchHandler,
  createMemoryStore,
  createResponseCache,
  getBatchContext,
} from '../../src/index.ts';
import { batchRequest, collectFrames, resultsById } from '../../src/test-support/batch.ts';

it('keeps the calls of one batch in one DataLoader batch when the response cache is in front', async () => {
  const batches: number[][] = [];
  const app = async (request: Request): Promise<Response> => {
    const loader = getBatchContext<{ users: DataLoader<number, { id: number }> }>(request)?.users;
    const id = Number(new URL(request.url).pathname.split('/').pop());
    const user = await loader?.load(id);
    return Response.json(user, { headers: { 'cache-control': 'no-store' } });
  };
  const handler = createBatchHandler({
    fetch: createResponseCache({ fetch: app, store: createMemoryStore() }),
    createContext: () => ({
      users: new DataLoader(async (ids: readonly number[]) => {
        batches.push([...ids]);
        return ids.map((id) => ({ id }));
      }),
    }),
  });
  const calls = Array.from({ length: 20 }, (_, i) => ({ id: i + 1, path: `/api/users/${i + 1}` }));
  const results = resultsById(await collectFrames(await handler(batchRequest(calls))));

  expect([...results.values()].map((result) => result.status)).toEqual(Array(20).fill(200));
  expect(batches).toEqual([Array.from({ length: 20 }, (_, i) => i + 1)]);
});
