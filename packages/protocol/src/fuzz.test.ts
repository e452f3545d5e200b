import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { createBatchId } from './batch-id.ts';
import { decodeValue, encodeValue } from './codec.ts';
import { decodeBatchRequest, encodeBatchRequest } from './envelope.ts';
import { isWirepackError } from './errors.ts';
import { encodeFrame, readFrames } from './frames.ts';

// Fuzzing: whatever the bytes, decoding either returns or throws the coded error, promptly.
// A seed keeps failures reproducible; fast-check prints it with any counterexample.

const sample = encodeBatchRequest({
  batchId: createBatchId(),
  calls: Array.from({ length: 8 }, (_, id) => ({
    id,
    method: 'POST',
    path: `/api/items/${id}?q=${'x'.repeat(id)}`,
    headers: [['content-type', 'application/json']] as const,
    body: { kind: 'json' as const, value: { id, tags: ['a', 'b'], when: null, price: id * 1.25 } },
    priority: 'auto' as const,
  })),
});

function mutate(bytes: Uint8Array, edits: Array<[number, number]>): Uint8Array {
  const out = Uint8Array.from(bytes);
  for (const [index, value] of edits) out[index % out.length] = value;
  return out;
}

function onlyCodedErrors(run: () => unknown): void {
  try {
    run();
  } catch (error) {
    if (!isWirepackError(error)) throw error;
  }
}

/** The code of the coded error a run throws; fails the test when it returns or throws anything else. */
function codeOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (isWirepackError(error)) return error.code;
    throw error;
  }
  throw new Error('expected a coded error, but the run returned');
}

describe('fuzz', () => {
  test('20,000 random byte strings', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 256 }), (bytes) => {
        onlyCodedErrors(() => decodeValue(bytes));
        onlyCodedErrors(() => decodeBatchRequest(bytes));
      }),
      { numRuns: 20_000, seed: 20261127 },
    );
  });

  test('20,000 mutations of a valid batch', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }),
        (edits) => {
          onlyCodedErrors(() => decodeBatchRequest(mutate(sample, edits)));
        },
      ),
      { numRuns: 20_000, seed: 7 },
    );
  });

  test('every truncation of a valid batch is TRUNCATED; extensions end in a coded error', () => {
    for (let cut = 0; cut < sample.length; cut++) {
      expect(
        codeOf(() => decodeBatchRequest(sample.subarray(0, cut))),
        `cut at ${cut}`,
      ).toBe('TRUNCATED');
    }
    for (const tail of [[0], [0xc1], [0xdd, 0xff, 0xff, 0xff, 0xff]]) {
      onlyCodedErrors(() => decodeBatchRequest(Uint8Array.from([...sample, ...tail])));
    }
  });

  test('5,000 mutated frame streams end in a frame list or a coded error', async () => {
    const wire = Uint8Array.from([
      ...encodeFrame({
        kind: 'result',
        id: 1,
        status: 200,
        headers: [['a', 'b']],
        body: { kind: 'json', value: [1, { x: 'y' }] },
      }),
      ...encodeFrame({ kind: 'end', timing: { total: 1 } }),
    ]);
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
        async (edits) => {
          const bytes = mutate(wire, edits);
          const stream = new ReadableStream<Uint8Array>({
            start(controller) {
              controller.enqueue(bytes);
              controller.close();
            },
          });
          try {
            for await (const _frame of readFrames(stream, { maxFrameBytes: 1024 })) {
              // consume
            }
          } catch (error) {
            if (!isWirepackError(error)) throw error;
          }
        },
      ),
      { numRuns: 5_000, seed: 11 },
    );
  });

  test('memory stays bounded over many hostile inputs', () => {
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < 20_000; i++) {
      // Each declares gigabytes; none may allocate them.
      onlyCodedErrors(() => decodeValue(Uint8Array.of(0xdd, 0xff, 0xff, 0xff, 0xff, i & 0xff)));
      onlyCodedErrors(() => decodeValue(Uint8Array.of(0xc6, 0x7f, 0xff, 0xff, 0xff, i & 0xff)));
      onlyCodedErrors(() => decodeValue(Uint8Array.of(0xdb, 0x7f, 0xff, 0xff, 0xff, i & 0xff)));
    }
    const grown = process.memoryUsage().heapUsed - before;
    expect(grown).toBeLessThan(64 * 1024 * 1024);
  });
});

describe('prototype pollution corpus', () => {
  const corpus: unknown[] = [
    JSON.parse('{"__proto__":{"polluted":"yes"}}'),
    JSON.parse('{"a":{"__proto__":{"polluted":"yes"}}}'),
    JSON.parse('[{"__proto__":{"polluted":"yes"}}]'),
    JSON.parse('{"constructor":{"prototype":{"polluted":"yes"}}}'),
    JSON.parse('{"prototype":{"polluted":"yes"}}'),
    JSON.parse('{"__proto__":null}'),
    JSON.parse('{"toString":"yes","valueOf":"yes","hasOwnProperty":"yes"}'),
  ];

  test.each(corpus.map((value) => [JSON.stringify(value), value]))(
    '%s leaves Object.prototype untouched',
    (_text, value) => {
      let decoded: unknown;
      try {
        decoded = decodeValue(encodeValue(value));
      } catch (error) {
        expect(isWirepackError(error) && error.code).toBe('FORBIDDEN_KEY');
      }
      const probe: Record<string, unknown> = {};
      expect(probe.polluted).toBeUndefined();
      expect(Object.prototype).not.toHaveProperty('polluted');
      expect(typeof probe.toString).toBe('function');
      if (decoded !== undefined) {
        // Whatever decoded has the ordinary prototype and only own data properties.
        expect(JSON.stringify(decoded)).toBe(JSON.stringify(value));
      }
    },
  );
});
