import { describe, expect, it } from 'vitest';
import { ifNoneMatchMatches, ifRangeAllows, MAX_CONDITION_LENGTH, parseRange } from './http-conditions.ts';

describe('parseRange', () => {
  it('reads one range of bytes: closed, open-ended and suffix, clamped to the size', () => {
    expect(parseRange('bytes=0-9', 100)).toEqual({ start: 0, end: 9 });
    expect(parseRange('bytes=90-200', 100)).toEqual({ start: 90, end: 99 });
    expect(parseRange('bytes=50-', 100)).toEqual({ start: 50, end: 99 });
    expect(parseRange('bytes=-10', 100)).toEqual({ start: 90, end: 99 });
    expect(parseRange('bytes=-500', 100)).toEqual({ start: 0, end: 99 });
    expect(parseRange('Bytes = 1-1', 100)).toEqual({ start: 1, end: 1 });
  });

  it('answers unsatisfiable past the end, for an empty suffix, and on an empty file', () => {
    expect(parseRange('bytes=100-', 100)).toBe('unsatisfiable');
    expect(parseRange('bytes=100-200', 100)).toBe('unsatisfiable');
    expect(parseRange('bytes=-0', 100)).toBe('unsatisfiable');
    expect(parseRange('bytes=0-', 0)).toBe('unsatisfiable');
  });

  it('ignores what it does not serve: other units, several ranges, malformed or reversed ranges', () => {
    for (const header of [
      null,
      'items=0-1',
      'bytes=0-1,5-6',
      'bytes=',
      'bytes=-',
      'bytes=a-b',
      'bytes=9-1',
      'bytes=1-2-3',
    ]) {
      expect(parseRange(header, 100), String(header)).toBeUndefined();
    }
    expect(parseRange(`bytes=${'1'.repeat(16)}-`, 100)).toBeUndefined();
    expect(parseRange(`bytes=0-1${' '.repeat(MAX_CONDITION_LENGTH)}`, 100)).toBeUndefined();
  });
});

describe('ifNoneMatchMatches', () => {
  it('compares weakly, in lists, and takes *', () => {
    expect(ifNoneMatchMatches('"a"', '"a"')).toBe(true);
    expect(ifNoneMatchMatches('W/"a"', '"a"')).toBe(true);
    expect(ifNoneMatchMatches('"b", "a"', '"a"')).toBe(true);
    expect(ifNoneMatchMatches('*', '"a"')).toBe(true);
    expect(ifNoneMatchMatches('"b"', '"a"')).toBe(false);
    expect(ifNoneMatchMatches('a', '"a"')).toBe(false);
    expect(ifNoneMatchMatches(null, '"a"')).toBe(false);
    expect(ifNoneMatchMatches(`"a"${','.repeat(MAX_CONDITION_LENGTH)}`, '"a"')).toBe(false);
  });
});

describe('ifRangeAllows', () => {
  it('honours a range only under the same strong tag', () => {
    expect(ifRangeAllows(null, '"a"')).toBe(true);
    expect(ifRangeAllows('"a"', '"a"')).toBe(true);
    expect(ifRangeAllows('W/"a"', '"a"')).toBe(false);
    expect(ifRangeAllows('"b"', '"a"')).toBe(false);
    expect(ifRangeAllows('Wed, 21 Oct 2015 07:28:00 GMT', '"a"')).toBe(false);
  });
});
