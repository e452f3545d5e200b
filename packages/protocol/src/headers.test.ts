import { expect, test } from 'vitest';
import { decodeValue, encodeValue } from './codec.ts';
import { flattenHeaders, isForbiddenRequestHeader, readHeaders, STATIC_HEADERS } from './headers.ts';

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

test('the Fetch standard forbidden request headers, prefixes and method overrides', () => {
  const forbidden = [
    'Accept-Charset',
    'accept-encoding',
    'access-control-request-headers',
    'access-control-request-method',
    'access-control-request-private-network',
    'connection',
    'content-length',
    'cookie',
    'cookie2',
    'date',
    'dnt',
    'expect',
    'host',
    'keep-alive',
    'Origin',
    'referer',
    'set-cookie',
    'te',
    'trailer',
    'transfer-encoding',
    'upgrade',
    'via',
    'proxy-authorization',
    'proxy-connection',
    'sec-fetch-site',
    'Sec-Fetch-Mode',
    'sec-ch-ua',
  ];
  for (const name of forbidden) expect(isForbiddenRequestHeader(name, 'x'), name).toBe(true);
  for (const name of [
    'accept',
    'authorization',
    'user-agent',
    'content-type',
    'x-requested-with',
    'secret',
  ]) {
    expect(isForbiddenRequestHeader(name, 'x'), name).toBe(false);
  }
  for (const name of ['x-http-method', 'X-HTTP-Method-Override', 'x-method-override']) {
    expect(isForbiddenRequestHeader(name, 'TRACE'), name).toBe(true);
    expect(isForbiddenRequestHeader(name, 'get, connect'), name).toBe(true);
    expect(isForbiddenRequestHeader(name, ' track '), name).toBe(true);
    expect(isForbiddenRequestHeader(name, 'DELETE'), name).toBe(false);
  }
});
