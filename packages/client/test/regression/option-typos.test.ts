// Issue 13: a misspelt option (`maxBatchSise`, `retry.limt`, `cache.ttl`) was accepted and ignored, so
// the client ran with defaults its author thought were changed. Unknown keys, at the top level and in
// `cache`, `retry` and `limits`, now throw a TypeError naming the key and the valid ones.
import { describe, expect, it } from 'vitest';
import { type BatchFetchOptions, createBatchFetch } from '../../src/index.ts';

const fetchStub: typeof globalThis.fetch = async () => new Response('unused');

function create(options: Record<string, unknown>): unknown {
  return createBatchFetch({ fetch: fetchStub, ...options } as BatchFetchOptions);
}

describe('unknown option keys are refused', () => {
  it('at the top level', () => {
    expect(() => create({ maxBatchSise: 10 })).toThrow(TypeError);
    expect(() => create({ maxBatchSise: 10 })).toThrow(
      /\[wirepack\/client\] unknown option `maxBatchSise` \(known here: endpoint, fetch, .*maxBatchSize, .*retry\)/,
    );
  });

  it('in cache, retry and limits', () => {
    expect(() => create({ cache: { ttl: 5 } })).toThrow(
      /unknown option `cache\.ttl` \(known here: maxEntries, ttlMs, maxBytes\)/,
    );
    expect(() => create({ retry: { limt: 0 } })).toThrow(
      /unknown option `retry\.limt` \(known here: limit, maxRetryAfterMs\)/,
    );
    expect(() => create({ limits: { maxByte: 10 } })).toThrow(
      /unknown option `limits\.maxByte` \(known here: maxBytes,/,
    );
  });

  it('the documented keys are still accepted', () => {
    const batchFetch = createBatchFetch({
      fetch: fetchStub,
      endpoint: 'http://app.test/__wirepack',
      windowMs: 1,
      cache: { maxEntries: 3, ttlMs: 10, maxBytes: 100 },
      retry: { limit: 1, maxRetryAfterMs: 100 },
      limits: { maxBytes: 1000 },
      compressRequests: false,
    });
    expect(typeof batchFetch).toBe('function');
    expect(() => create({ cache: true, retry: false })).not.toThrow();
  });
});
