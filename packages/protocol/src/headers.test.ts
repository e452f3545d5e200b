import { expect, test } from 'vitest';
import { decodeValue, encodeValue } from './codec.ts';
import { flattenHeaders, readHeaders, STATIC_HEADERS } from './headers.ts';

test('common fields travel as one small integer; others as name, value', () => {
  const headers = [
    ['content-type', 'application/json'],
    ['x-request-id', 'abc'],
    ['set-cookie', 'a=1'],
    ['set-cookie', 'b=2'],
    ['vary', 'accept-encoding'],
  ] as const;
  const flat = flattenHeaders(headers);
  expect(flat).toStrictEqual([0, 'x-request-id', 'abc', 'set-cookie', 'a=1', 'set-cookie', 'b=2', 11]);
  expect(readHeaders(decodeValue(encodeValue(flat)), 'test')).toStrictEqual(headers);
});

test('every static entry round-trips', () => {
  expect(readHeaders(flattenHeaders(STATIC_HEADERS), 'test')).toStrictEqual(STATIC_HEADERS);
  expect(flattenHeaders(STATIC_HEADERS)).toStrictEqual(STATIC_HEADERS.map((_, index) => index));
});

test('a value that differs in any way is sent as text', () => {
  expect(flattenHeaders([['content-type', 'application/JSON']])).toStrictEqual([
    'content-type',
    'application/JSON',
  ]);
});

test.each([
  ['an odd list', ['a']],
  ['a number value', ['a', 1]],
  ['an index past the table', [STATIC_HEADERS.length]],
  ['a negative index', [-1]],
  ['not a list', 'content-type'],
])('%s is INVALID_ENVELOPE', (_name, raw) => {
  expect(() => readHeaders(raw, 'test')).toThrowError(expect.objectContaining({ code: 'INVALID_ENVELOPE' }));
});
