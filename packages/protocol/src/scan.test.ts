import { describe, expect, test } from 'vitest';
import { decodeMessage, decodeValue, encodeValue } from './codec.ts';
import type { WirepackErrorCode } from './errors.ts';
import { DEFAULT_DECODE_LIMITS, type DecodeLimits, resolveDecodeLimits } from './limits.ts';

const limits = (overrides: Partial<DecodeLimits>): DecodeLimits => ({
  ...DEFAULT_DECODE_LIMITS,
  ...overrides,
});

function codeOf(bytes: Uint8Array, decodeLimits?: DecodeLimits): WirepackErrorCode | 'ok' {
  try {
    decodeValue(bytes, decodeLimits);
    return 'ok';
  } catch (error) {
    return (error as { code: WirepackErrorCode }).code;
  }
}

describe('hostile lengths are refused from their headers, before allocation', () => {
  test.each([
    ['array32 of 2^32-1 items, no data', [0xdd, 0xff, 0xff, 0xff, 0xff], 'TOO_MANY_ENTRIES'],
    ['map32 of 2^32-1 entries, no data', [0xdf, 0xff, 0xff, 0xff, 0xff], 'TOO_MANY_ENTRIES'],
    ['str32 of 2^32-1 bytes', [0xdb, 0xff, 0xff, 0xff, 0xff, 0x61], 'STRING_TOO_LONG'],
    ['bin32 of 2^32-1 bytes', [0xc6, 0xff, 0xff, 0xff, 0xff, 0x00], 'BINARY_TOO_LONG'],
    ['array16 declaring more items than bytes left', [0xdc, 0x00, 0x10, 0x01], 'TRUNCATED'],
    ['str8 declaring more bytes than left', [0xd9, 0x05, 0x61], 'TRUNCATED'],
    ['ext32 of 2^32-1 bytes', [0xc9, 0xff, 0xff, 0xff, 0xff, 0xff], 'TRUNCATED'],
  ] as const)('%s', (_name, bytes, code) => {
    expect(codeOf(Uint8Array.from(bytes))).toBe(code);
  });

  test('entries are counted over the whole message', () => {
    const value = Array.from({ length: 10 }, () => [1, 2, 3]);
    expect(codeOf(encodeValue(value), limits({ maxEntries: 39 }))).toBe('TOO_MANY_ENTRIES');
    expect(codeOf(encodeValue(value), limits({ maxEntries: 40 }))).toBe('ok');
  });

  test('message size', () => {
    expect(codeOf(encodeValue('x'.repeat(100)), limits({ maxBytes: 50 }))).toBe('BODY_TOO_LARGE');
  });
});

describe('nesting', () => {
  test('deeper than the limit is refused, at the limit is fine', () => {
    let value: unknown = 1;
    for (let i = 0; i < 10; i++) value = [value];
    expect(codeOf(encodeValue(value), limits({ maxDepth: 9 }))).toBe('DEPTH_EXCEEDED');
    expect(codeOf(encodeValue(value), limits({ maxDepth: 10 }))).toBe('ok');
  });

  test('a million nested arrays neither overflow the stack nor pass', () => {
    const bytes = new Uint8Array(1_000_000).fill(0x91);
    expect(codeOf(bytes)).toBe('DEPTH_EXCEEDED');
  });
});

describe('keys', () => {
  test('__proto__ keys are refused, not silently renamed', () => {
    const bytes = Uint8Array.from([
      0x81,
      0xa9,
      ...new TextEncoder().encode('__proto__'),
      0x81,
      0xa1,
      0x78,
      0x01,
    ]);
    expect(codeOf(bytes)).toBe('FORBIDDEN_KEY');
  });

  test('constructor and prototype stay own data properties, as JSON.parse keeps them', () => {
    const text = '{"constructor":{"prototype":{"polluted":1}}}';
    const decoded = decodeValue(encodeValue(JSON.parse(text))) as Record<string, unknown>;
    // toStrictEqual compares constructors, which these objects shadow: compare the JSON instead.
    expect(JSON.stringify(decoded)).toBe(text);
    expect(Object.getOwnPropertyNames(decoded)).toStrictEqual(['constructor']);
    expect(Object.getPrototypeOf(decoded)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  test('non-string keys are refused', () => {
    expect(codeOf(Uint8Array.from([0x81, 0x01, 0x02]))).toBe('FORBIDDEN_KEY');
    expect(codeOf(Uint8Array.from([0x81, 0x90, 0x02]))).toBe('FORBIDDEN_KEY');
  });
});

describe('structure', () => {
  test.each([
    ['the never-used byte 0xc1', [0xc1], 'MALFORMED'],
    ['bytes after the value', [0x01, 0x02], 'MALFORMED'],
    ['an unknown extension type', [0xd4, 0x05, 0x00], 'MALFORMED'],
    ['a timestamp of a wrong size', [0xd5, 0xff, 0x00, 0x00], 'MALFORMED'],
    ['nothing at all', [], 'TRUNCATED'],
    ['a float64 cut short', [0xcb, 0x00, 0x00], 'TRUNCATED'],
  ] as const)('%s', (_name, bytes, code) => {
    expect(codeOf(Uint8Array.from(bytes))).toBe(code);
  });

  test('timestamps in 32, 64 and 96-bit forms decode', () => {
    for (const date of [new Date(1_000), new Date(1_700_000_000_123), new Date(-1)]) {
      expect(decodeValue(encodeValue(date))).toStrictEqual(date);
    }
  });
});

describe('records', () => {
  const key = (text: string): number[] => [0xa0 | text.length, ...new TextEncoder().encode(text)];

  test('a record definition with a __proto__ key is refused', () => {
    const bytes = Uint8Array.from([0xd4, 0x72, 0x40, 0x91, ...key('__proto__'), 0x80]);
    expect(codeOf(bytes)).toBe('FORBIDDEN_KEY');
  });

  test('record keys must be strings', () => {
    expect(codeOf(Uint8Array.from([0xd4, 0x72, 0x40, 0x91, 0x01, 0x02]))).toBe('FORBIDDEN_KEY');
  });

  test('two-byte record definitions are not part of the format', () => {
    expect(codeOf(Uint8Array.from([0xd5, 0x72, 0x40, 0x00, 0x91, ...key('a'), 0x01]))).toBe('MALFORMED');
  });

  test('a definition declaring more keys than bytes left is truncated', () => {
    expect(codeOf(Uint8Array.from([0xd4, 0x72, 0x40, 0xdc, 0xff, 0xff, 0xa1]))).toBe('TRUNCATED');
  });

  test('record values count toward entries and depth', () => {
    const nested: number[] = [];
    // each object of shape {a} holds the next: define once, then reference 20 times
    nested.push(0xd4, 0x72, 0x40, 0x91, ...key('a'));
    for (let i = 0; i < 20; i++) nested.push(0x40);
    nested.push(0x01);
    expect(codeOf(Uint8Array.from(nested), limits({ maxDepth: 10 }))).toBe('DEPTH_EXCEEDED');
    expect(codeOf(Uint8Array.from(nested), limits({ maxDepth: 30 }))).toBe('ok');
  });

  test('the scanner and msgpackr agree on what a reference byte is', () => {
    // Slot 0x41 is never defined, so 0x41 is the integer 65; slot 0x40 is.
    const bytes = Uint8Array.from([0x93, 0xd4, 0x72, 0x40, 0x91, ...key('a'), 0x01, 0x40, 0x02, 0x41]);
    expect(decodeValue(bytes)).toStrictEqual([{ a: 1 }, { a: 2 }, 65]);
  });
});

describe('record expansion', () => {
  const key = (text: string): number[] => [0xa0 | text.length, ...new TextEncoder().encode(text)];
  // [{abc: 1}, {abc: 2}, {abc: 3}]: the definition, then two uses charged 4 bytes each (a3 "abc")
  const bytes = Uint8Array.from([0x93, 0xd4, 0x72, 0x40, 0x91, ...key('abc'), 0x01, 0x40, 0x02, 0x40, 0x03]);

  test('each use after the definition is charged its key bytes, headers included', () => {
    const expanded = bytes.length + 2 * 4;
    expect(codeOf(bytes, limits({ maxExpandedBytes: expanded }))).toBe('ok');
    expect(codeOf(bytes, limits({ maxExpandedBytes: expanded - 1 }))).toBe('EXPANSION_TOO_LARGE');
  });

  test('plain MessagePack is charged its size only', () => {
    const plain = Uint8Array.from([0x92, 0x81, ...key('abc'), 0x01, 0x81, ...key('abc'), 0x02]);
    expect(codeOf(plain, limits({ maxExpandedBytes: plain.length }))).toBe('ok');
    expect(codeOf(plain, limits({ maxExpandedBytes: plain.length - 1 }))).toBe('EXPANSION_TOO_LARGE');
  });

  test('an unset maxExpandedBytes follows maxBytes (4x)', () => {
    expect(resolveDecodeLimits({ maxBytes: 1000 }).maxExpandedBytes).toBe(4000);
    expect(resolveDecodeLimits({ maxBytes: 1000, maxExpandedBytes: 1500 }).maxExpandedBytes).toBe(1500);
    expect(resolveDecodeLimits({}).maxExpandedBytes).toBe(DEFAULT_DECODE_LIMITS.maxExpandedBytes);
  });
});

describe('per-call bound (items at the second level)', () => {
  const call = (size: number): unknown[] => [1, 'POST', '/x', [], 1, new Uint8Array(size), 1];

  test('a plain call over the bound is refused, a batch of calls each under it is not', () => {
    const message = encodeValue([1, 'abcdefghijklmnopqrstuv', [call(1000), call(10)]]);
    expect(codeOf(message)).toBe('ok');
    const scan = (bytes: Uint8Array, max: number) => () => decodeMessage(bytes, DEFAULT_DECODE_LIMITS, max);
    expect(codeOfRun(scan(message, 900))).toBe('CALL_TOO_LARGE');
    expect(codeOfRun(scan(message, 1100))).toBe('ok');
    // the last item is checked too, when its list ends
    const last = encodeValue([1, 'abcdefghijklmnopqrstuv', [call(10), call(1000)]]);
    expect(codeOfRun(scan(last, 900))).toBe('CALL_TOO_LARGE');
  });
});

function codeOfRun(run: () => unknown): WirepackErrorCode | 'ok' {
  try {
    run();
    return 'ok';
  } catch (error) {
    return (error as { code: WirepackErrorCode }).code;
  }
}
