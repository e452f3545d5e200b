import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type ContentCoding, MAX_ACCEPT_ENCODING_LENGTH, negotiateEncoding } from './negotiate-encoding.ts';

const all: readonly ContentCoding[] = ['gzip', 'zstd', 'br'];

describe('negotiateEncoding', () => {
  it('prefers br, then zstd, then gzip among equal weights, whatever the order offered or listed', () => {
    expect(negotiateEncoding('gzip, deflate, br, zstd', all)).toBe('br');
    expect(negotiateEncoding('gzip;q=1.0, zstd;q=1, br;q=1.000', all)).toBe('br');
    expect(negotiateEncoding('gzip, zstd', all)).toBe('zstd');
    expect(negotiateEncoding('gzip, deflate', all)).toBe('gzip');
    expect(negotiateEncoding('gzip, br', ['gzip'])).toBe('gzip');
  });

  it('follows weights before preference', () => {
    expect(negotiateEncoding('br;q=0.5, gzip;q=0.8', all)).toBe('gzip');
    expect(negotiateEncoding('br;q=0.001, gzip;q=0.002', all)).toBe('gzip');
    expect(negotiateEncoding('br;q=0.9, zstd', all)).toBe('zstd');
  });

  it('takes a caller preference for ties', () => {
    expect(negotiateEncoding('br, zstd, gzip', all, ['zstd', 'br', 'gzip'])).toBe('zstd');
  });

  it('reads q=0 as a refusal and * as every coding not named', () => {
    expect(negotiateEncoding('br;q=0, *', all)).toBe('zstd');
    expect(negotiateEncoding('br;q=0, zstd;q=0, *', all)).toBe('gzip');
    expect(negotiateEncoding('*;q=0.1', all)).toBe('br');
    expect(negotiateEncoding('*', ['gzip'])).toBe('gzip');
    expect(negotiateEncoding('br;q=0, gzip;q=0, zstd;q=0', all)).toBe('identity');
  });

  it('sends identity when no header, an empty one, or nothing offered is acceptable', () => {
    expect(negotiateEncoding(undefined, all)).toBe('identity');
    expect(negotiateEncoding(null, all)).toBe('identity');
    expect(negotiateEncoding('', all)).toBe('identity');
    expect(negotiateEncoding('   ', all)).toBe('identity');
    expect(negotiateEncoding('identity', all)).toBe('identity');
    expect(negotiateEncoding('deflate, compress', all)).toBe('identity');
    expect(negotiateEncoding('br', ['gzip'])).toBe('identity');
    expect(negotiateEncoding('gzip', [])).toBe('identity');
  });

  it('lets identity win on a higher weight, and a coding win a tie with it', () => {
    expect(negotiateEncoding('identity, gzip;q=0.5', all)).toBe('identity');
    expect(negotiateEncoding('identity;q=0.5, gzip;q=0.5', all)).toBe('gzip');
    expect(negotiateEncoding('*;q=0.5', all)).toBe('br');
  });

  it('answers null (406 territory) when identity is refused and nothing else matches', () => {
    expect(negotiateEncoding('identity;q=0', [])).toBeNull();
    expect(negotiateEncoding('*;q=0', all)).toBeNull();
    expect(negotiateEncoding('br;q=0, *;q=0', all)).toBeNull();
    expect(negotiateEncoding('identity;q=0, br', ['gzip'])).toBeNull();
    expect(negotiateEncoding('gzip, *;q=0', ['br'])).toBeNull();
    // A more specific identity entry overrides the wildcard's refusal.
    expect(negotiateEncoding('*;q=0, identity', ['br'])).toBe('identity');
    // Identity refused but a coding acceptable: that coding.
    expect(negotiateEncoding('identity;q=0, gzip', all)).toBe('gzip');
  });

  it('is case-insensitive and reads x-gzip as gzip', () => {
    expect(negotiateEncoding('BR', all)).toBe('br');
    expect(negotiateEncoding('GZip;Q=0.5, Br;q=0.4', all)).toBe('gzip');
    expect(negotiateEncoding('x-gzip', all)).toBe('gzip');
    expect(negotiateEncoding('X-GZIP;q=0.9, br;q=0.8', all)).toBe('gzip');
    expect(negotiateEncoding('IDENTITY;Q=0', [])).toBeNull();
  });

  it('ignores malformed parts as if absent', () => {
    expect(negotiateEncoding('br;q=2, gzip', all)).toBe('gzip'); // q above 1
    expect(negotiateEncoding('br;q=abc, gzip', all)).toBe('gzip');
    expect(negotiateEncoding('br;q=0.0001, gzip', all)).toBe('gzip'); // four decimals
    expect(negotiateEncoding('br;q=-1, gzip;q=0.1', all)).toBe('gzip');
    expect(negotiateEncoding('br;q=, gzip;q=0.1', all)).toBe('gzip');
    expect(negotiateEncoding('b r, gzip;q=0.1', all)).toBe('gzip');
    expect(negotiateEncoding('br;q=1.5', all)).toBe('identity');
    expect(negotiateEncoding(',,;, ;q=1, gzip', all)).toBe('gzip');
    expect(negotiateEncoding('"br", gzip;q=0.3', all)).toBe('gzip');
    // A malformed refusal refuses nothing: identity;q=zero is ignored.
    expect(negotiateEncoding('identity;q=zero', [])).toBe('identity');
    // Unknown parameters are ignored, the weight still counts.
    expect(negotiateEncoding('br;level=5;q=0.2, gzip;q=0.1', all)).toBe('br');
    // Whitespace around the parts and the weight (OWS, section 5.6.3).
    expect(negotiateEncoding('  br ; q=0.1 ,\tgzip ; q = 0.3 ', all)).toBe('gzip');
  });

  it('keeps the highest weight of a coding listed twice', () => {
    expect(negotiateEncoding('br;q=0, br;q=0.5, gzip;q=0.4', all)).toBe('br');
    expect(negotiateEncoding('gzip;q=0.2, x-gzip;q=0.9, br;q=0.5', all)).toBe('gzip');
  });

  it('reads a long header only up to the cap, cut at a whole element', () => {
    const filler = `${'a, '.repeat(MAX_ACCEPT_ENCODING_LENGTH / 3)}`;
    // `br` beyond the cap is not read; `gzip` before it is.
    expect(negotiateEncoding(`gzip;q=0.1, ${filler}br`, all)).toBe('gzip');
    // A cap falling inside `br;q=0` must not leave a truncated `br` (q=1) behind.
    const head = 'gzip, '.padEnd(MAX_ACCEPT_ENCODING_LENGTH - 2, ' ');
    expect(negotiateEncoding(`${head}br;q=0`, all)).toBe('gzip');
    // One giant element: nothing readable, the original.
    expect(negotiateEncoding('b'.repeat(100_000), all)).toBe('identity');
  });

  it('always answers a coding on offer with a non-zero weight, identity or null', () => {
    const name = fc.constantFrom('br', 'gzip', 'zstd', 'x-gzip', 'identity', '*', 'deflate', 'BR', 'b r', '');
    const weight = fc.oneof(
      fc.constant(''),
      fc.constantFrom(';q=0', ';q=1', ';q=0.5', ';q=0.001', ';q=2', ';q=x', ';Q=0.3'),
    );
    const header = fc.array(fc.tuple(name, weight).map(([n, w]) => n + w)).map((parts) => parts.join(', '));
    const offer = fc.subarray([...all]);
    fc.assert(
      fc.property(header, offer, (value, available) => {
        const result = negotiateEncoding(value, available);
        if (result === null) {
          // Refusing identity needs an explicit weight of 0 on identity or *.
          expect(value.toLowerCase()).toMatch(/(identity|\*);q=0(?![.\d])/);
        } else if (result !== 'identity') {
          expect(available).toContain(result);
          // Every entry naming the chosen coding refuses it: it cannot have been chosen.
          const names = result === 'gzip' ? ['gzip', 'x-gzip'] : [result];
          const entries = value
            .toLowerCase()
            .split(', ')
            .filter((p) => names.includes(p.split(';')[0]!));
          if (entries.length > 0) expect(entries.every((p) => p.endsWith(';q=0'))).toBe(false);
        }
      }),
    );
  });
});
