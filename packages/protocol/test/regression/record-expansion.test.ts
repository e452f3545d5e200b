import { Packr } from 'msgpackr';
import { describe, expect, test } from 'vitest';
import { decodeValue } from '../../src/codec.ts';
import { decodeBatchRequest, encodeBatchRequest } from '../../src/envelope.ts';
import type { WirepackErrorCode } from '../../src/errors.ts';
import { DEFAULT_DECODE_LIMITS } from '../../src/limits.ts';

// Issue 9, item 1: a msgpackr record definition writes its keys once, and every later object of that shape
// costs about two bytes. A 73 KB batch of 64 KiB-key records became 248 MiB of JSON handed to the app,
// while every decode limit (which counts wire bytes) passed. The scan now charges each use of a record its
// key bytes and bounds what a message, and each call of a batch, expands to.

/** msgpackr's own record encoding, as a hostile client would use it (one-byte slots, as the profile says). */
const hostile = new Packr({ useRecords: true, maxSharedStructures: 0, maxOwnStructures: 64 });

const BIG_KEY = 'k'.repeat(65_000);

/** `count` objects of one shape whose only key is 65,000 bytes: the key travels once. */
function amplified(count: number): Array<Record<string, number>> {
  return Array.from({ length: count }, () => ({ [BIG_KEY]: 1 }));
}

function codeOf(run: () => unknown): WirepackErrorCode | 'ok' {
  try {
    run();
    return 'ok';
  } catch (error) {
    return (error as { code: WirepackErrorCode }).code;
  }
}

describe('record expansion is charged, not only wire bytes', () => {
  test('a 73 KB message that expands to 248 MiB is refused with EXPANSION_TOO_LARGE (413)', () => {
    const bytes = hostile.pack(amplified(4000));
    expect(bytes.byteLength).toBeLessThan(75_000);
    // every other limit passes: the message is small and has few entries
    expect(bytes.byteLength).toBeLessThan(DEFAULT_DECODE_LIMITS.maxBytes);
    let error: unknown;
    try {
      decodeValue(bytes);
    } catch (caught) {
      error = caught;
    }
    expect(error).toMatchObject({ code: 'EXPANSION_TOO_LARGE', status: 413 });
  });

  test('the same attack inside a batch is refused before msgpackr builds it, per batch and per call', () => {
    // The envelope itself, with a JSON body written by msgpackr's record encoder.
    const honest = encodeBatchRequest({
      batchId: 'abcdefghijklmnopqrstuv',
      calls: [
        {
          id: 1,
          method: 'POST',
          path: '/x',
          headers: [],
          body: { kind: 'json', value: 0 },
          priority: 'auto',
        },
      ],
    });
    expect(decodeBatchRequest(honest).calls).toHaveLength(1);
    const batch = hostile.pack([
      1,
      'abcdefghijklmnopqrstuv',
      [[1, 'POST', '/api/x', [], 2, amplified(4000), 1]],
    ]);
    expect(batch.byteLength).toBeLessThan(75_000);
    expect(codeOf(() => decodeBatchRequest(batch))).toBe('EXPANSION_TOO_LARGE');
    // within the message limit, but one call is past the per-call bound
    const oneCall = hostile.pack([
      1,
      'abcdefghijklmnopqrstuv',
      [
        [1, 'POST', '/api/x', [], 2, amplified(40), 1],
        [2, 'GET', '/api/y', [], 0, null, 1],
      ],
    ]);
    expect(codeOf(() => decodeBatchRequest(oneCall, DEFAULT_DECODE_LIMITS, 1000, 1_000_000))).toBe(
      'CALL_TOO_LARGE',
    );
    expect(codeOf(() => decodeBatchRequest(oneCall, DEFAULT_DECODE_LIMITS, 1000, 4_000_000))).toBe('ok');
  });
});
