import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { decodeValue, encodeValue } from './codec.ts';
import { WirepackError } from './errors.ts';

// JSON values as the other side would see them: text that went through JSON.parse.
const jsonText = fc.jsonValue().map((value) => JSON.stringify(value));

describe('codec', () => {
  test('JSON bodies decode to exactly what JSON.parse gives', () => {
    fc.assert(
      fc.property(jsonText, (text) => {
        const parsed: unknown = JSON.parse(text);
        if (text.includes('"__proto__":')) {
          // The one documented refusal: a __proto__ key is a coded error, never renamed data.
          expect(() => decodeValue(encodeValue(parsed))).toThrowError(
            expect.objectContaining({ code: 'FORBIDDEN_KEY' }),
          );
          return;
        }
        expect(decodeValue(encodeValue(parsed))).toStrictEqual(parsed);
        // And re-serialising gives the same text, so a server can hand its app the JSON it sent.
        expect(JSON.stringify(decodeValue(encodeValue(parsed)))).toBe(text);
      }),
      { numRuns: 500 },
    );
  });

  test('the richer value model round-trips: dates, bytes, 64-bit integers', () => {
    const value = fc.letrec((tie) => ({
      leaf: fc.oneof(
        fc.string(),
        fc.double({ noNaN: false }).filter((n) => !Object.is(n, -0)),
        fc.integer(),
        fc.boolean(),
        fc.constant(null),
        fc.date({ noInvalidDate: true }),
        fc.uint8Array({ maxLength: 64 }),
        fc
          .bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n })
          .filter((n) => !Number.isSafeInteger(Number(n)) || n > 2n ** 53n || n < -(2n ** 53n)),
      ),
      node: fc.oneof(
        { depthSize: 'small' },
        tie('leaf'),
        fc.array(tie('node'), { maxLength: 5 }),
        fc.dictionary(
          fc.string().filter((k) => k !== '__proto__'),
          tie('node'),
          { maxKeys: 5 },
        ),
      ),
    })).node;
    fc.assert(
      fc.property(value, (input) => {
        const output = decodeValue(encodeValue(input));
        expect(normalise(output)).toStrictEqual(normalise(input));
      }),
      { numRuns: 500 },
    );
  });

  test('integers decode as numbers when safe and as BigInt beyond', () => {
    expect(decodeValue(encodeValue(5n))).toBe(5);
    expect(decodeValue(encodeValue(2 ** 53 - 1))).toBe(2 ** 53 - 1);
    expect(decodeValue(encodeValue(2n ** 63n - 1n))).toBe(2n ** 63n - 1n);
    // uint64 0x05 written by another encoder
    expect(decodeValue(Uint8Array.of(0xcf, 0, 0, 0, 0, 0, 0, 0, 5))).toBe(5);
  });

  test('the stated policies: undefined is nil, Map is an object, invalid dates and wide BigInts refuse to encode', () => {
    expect(decodeValue(encodeValue({ a: undefined }))).toStrictEqual({ a: null });
    expect(decodeValue(encodeValue(new Map([['k', 1]])))).toStrictEqual({ k: 1 });
    expect(() => encodeValue(new Date(Number.NaN))).toThrow(WirepackError);
    expect(() => encodeValue(2n ** 64n)).toThrowError(expect.objectContaining({ code: 'ENCODE_FAILED' }));
    expect(() => encodeValue(Symbol('x'))).toThrowError(expect.objectContaining({ code: 'ENCODE_FAILED' }));
  });

  test('objects of one shape write their keys once (per-message records)', () => {
    const bytes = encodeValue([
      { x: 1, y: 2 },
      { x: 3, y: 4 },
    ]);
    // [ define slot 0x40 with keys [x, y] then 1, 2 ] [ slot 0x40: 3, 4 ]
    expect(Array.from(bytes)).toStrictEqual([
      0x92, 0xd4, 0x72, 0x40, 0x92, 0xa1, 0x78, 0xa1, 0x79, 1, 2, 0x40, 3, 4,
    ]);
    // Integers 64-127 are written as uint8, so 0x40-0x7f stays free for record references.
    expect(Array.from(encodeValue(64))).toStrictEqual([0xcc, 0x40]);
  });

  test('plain MessagePack from other encoders decodes too, including fixints 64-127 and maps', () => {
    expect(decodeValue(Uint8Array.of(0x92, 0x40, 0x7f))).toStrictEqual([64, 127]);
    expect(decodeValue(Uint8Array.of(0x81, 0xa1, 0x61, 0x40))).toStrictEqual({ a: 64 });
  });

  test('more shapes than record slots still round-trip', () => {
    const many = Array.from({ length: 200 }, (_, i) => ({ [`key${i}`]: i, shared: true }));
    expect(decodeValue(encodeValue(many))).toStrictEqual(many);
  });

  test('the encoder hands out its own copy of the bytes', () => {
    const first = encodeValue({ first: 1 });
    const snapshot = Array.from(first);
    encodeValue({ second: 'overwrites a shared buffer if not copied' });
    expect(Array.from(first)).toStrictEqual(snapshot);
  });
});

/** Uint8Array subclasses (Node's Buffer) compare as plain bytes. */
function normalise(value: unknown): unknown {
  if (value instanceof Uint8Array) return Array.from(value);
  if (Array.isArray(value)) return value.map(normalise);
  if (value instanceof Date || value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, normalise(item)]));
}
