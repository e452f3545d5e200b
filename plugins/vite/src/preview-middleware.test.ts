import { describe, expect, it } from 'vitest';
import { negotiateEncoding } from './preview-middleware.js';

describe('negotiateEncoding', () => {
  const all = ['br', 'gzip'] as const;

  it('prefers brotli when both are equally acceptable', () => {
    expect(negotiateEncoding('gzip, deflate, br', all)).toBe('br');
    expect(negotiateEncoding('br;q=1.0, gzip;q=1.0', all)).toBe('br');
  });

  it('follows q-values, refusals and wildcards', () => {
    expect(negotiateEncoding('br;q=0.5, gzip;q=0.8', all)).toBe('gzip');
    expect(negotiateEncoding('br;q=0, *', all)).toBe('gzip');
    expect(negotiateEncoding('*;q=0.1', all)).toBe('br');
    expect(negotiateEncoding('x-gzip', all)).toBe('gzip');
    expect(negotiateEncoding('BR', all)).toBe('br');
  });

  it('falls back to the original when nothing acceptable exists', () => {
    expect(negotiateEncoding(undefined, all)).toBeUndefined();
    expect(negotiateEncoding('', all)).toBeUndefined();
    expect(negotiateEncoding('identity', all)).toBeUndefined();
    expect(negotiateEncoding('br;q=0, gzip;q=0', all)).toBeUndefined();
    expect(negotiateEncoding('br', ['gzip'])).toBeUndefined();
    expect(negotiateEncoding('zstd, br', ['zstd', 'gzip'])).toBe('zstd');
  });
});
