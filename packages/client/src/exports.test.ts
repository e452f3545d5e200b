import { describe, expect, it } from 'vitest';
import * as client from './index.ts';

describe('@wirepack/client exports', () => {
  it('exposes exactly the curated API', () => {
    expect(Object.keys(client).sort()).toMatchInlineSnapshot(`
      [
        "DEFAULT_BATCH_FETCH_OPTIONS",
        "WirepackError",
        "createBatchFetch",
        "isWirepackError",
      ]
    `);
  });

  it('returns a function that fits wherever fetch goes', () => {
    const batchFetch: typeof fetch = client.createBatchFetch({ endpoint: 'http://app.test/__wirepack' });
    expect(typeof batchFetch).toBe('function');
  });

  it('documents its defaults in one frozen object', () => {
    expect(Object.isFrozen(client.DEFAULT_BATCH_FETCH_OPTIONS)).toBe(true);
    expect(client.DEFAULT_BATCH_FETCH_OPTIONS.endpoint).toBe('/__wirepack');
  });
});
