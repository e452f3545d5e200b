// Regression: the N user lookups of one batch reached SQLite as one query per wave of `concurrency`
// calls (32), not one query: the per-batch DataLoader only saw the calls started in the same tick.
// createContext now gets the batch's calls, and the fixture's planned loader fetches them all at once.
import { createBatchFetch } from '@wirepack/client';
import { createRestApi } from '@wirepack/fixture-rest-api';
import { createBatchHandler } from '@wirepack/server';
import { afterAll, describe, expect, it } from 'vitest';

const api = createRestApi({ users: 500 });
afterAll(() => api.close());

function client(concurrency: number) {
  const handler = createBatchHandler({
    fetch: api.fetch,
    createContext: api.createContext,
    limits: { concurrency },
  });
  return createBatchFetch({
    endpoint: 'http://wirepack.test/__wirepack',
    fetch: async (input, init) => handler(new Request(input, init)),
  });
}

describe('SQL queries per batch (fixtures/rest-api)', () => {
  it('answers 100 user lookups of one batch, run 32 at a time (concurrency 32, the default until Dec 2026), with one SQL query', async () => {
    const call = client(32);
    api.resetStats();
    const users = await Promise.all(
      Array.from({ length: 100 }, (_, index) =>
        call(`http://wirepack.test/api/users/${index + 1}`).then((response) => response.json()),
      ),
    );
    expect(users.map((user) => (user as { id: number }).id)).toEqual(
      Array.from({ length: 100 }, (_, index) => index + 1),
    );
    expect(api.stats().userQueries).toBe(1);
  });

  it('still answers a missing user with 404 and a lookup nobody planned for with its own query', async () => {
    const call = client(4);
    api.resetStats();
    const statuses = await Promise.all(
      [1, 2, 3, 9999, 5, 6].map((id) =>
        call(`http://wirepack.test/api/users/${id}`).then((response) => response.status),
      ),
    );
    expect(statuses).toEqual([200, 200, 200, 404, 200, 200]);
    expect(api.stats().userQueries).toBe(1);
    // Outside a batch: one query per request, as before.
    api.resetStats();
    const plain = await api.fetch(new Request('http://wirepack.test/api/users/7'));
    expect(await plain.json()).toMatchObject({ id: 7, name: 'User 7' });
    expect(api.stats().userQueries).toBe(1);
  });
});
