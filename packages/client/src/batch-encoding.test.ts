import { encodeBatchRequest, NO_BODY } from '@wirepack/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BATCH_OVERHEAD_BYTES, estimateCallBytes, toSubRequest, utf8Bytes } from './batch-encoding.ts';
import type { OutgoingRequest } from './outgoing-request.ts';

const jsonValue = fc.jsonValue({ maxDepth: 4 }).map((value) => JSON.parse(JSON.stringify(value)) as unknown);

const request: fc.Arbitrary<OutgoingRequest> = fc.record({
  url: fc
    .tuple(fc.webPath(), fc.string({ unit: 'grapheme', maxLength: 20 }))
    .map(([path, query]) => new URL(`http://app.test${path || '/'}?q=${encodeURIComponent(query)}`)),
  method: fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'PROPFIND'),
  headers: fc.array(
    fc.tuple(fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/), fc.string({ unit: 'grapheme', maxLength: 40 })),
    { maxLength: 6 },
  ),
  body: fc.oneof(
    fc.constant(NO_BODY),
    fc.uint8Array({ maxLength: 300 }).map((bytes) => ({ kind: 'bytes' as const, bytes })),
    jsonValue.map((value) => ({ kind: 'json' as const, value })),
  ),
  priority: fc.constantFrom('high' as const, 'auto' as const, 'low' as const),
  redirect: fc.constant('follow' as const),
  signal: fc.constant(undefined),
});

describe('estimateCallBytes', () => {
  it('is an upper bound of the encoded batch, so maxBatchBytes is never exceeded', () => {
    fc.assert(
      fc.property(fc.array(request, { minLength: 1, maxLength: 20 }), (requests) => {
        const encoded = encodeBatchRequest({
          batchId: 'A'.repeat(22),
          calls: requests.map((item, id) => toSubRequest(item, id * 1_000_003)),
        });
        const estimate =
          BATCH_OVERHEAD_BYTES + requests.reduce((sum, item) => sum + estimateCallBytes(item), 0);
        expect(estimate).toBeGreaterThanOrEqual(encoded.length);
      }),
      { numRuns: 300 },
    );
  });

  it('counts UTF-8 bytes exactly', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 50 }), (text) => {
        expect(utf8Bytes(text)).toBe(new TextEncoder().encode(text).length);
      }),
    );
  });
});
