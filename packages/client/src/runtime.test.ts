import { afterEach, expect, it, vi } from 'vitest';
import { detectRuntime } from './runtime.ts';

afterEach(() => {
  vi.unstubAllGlobals();
});

it('in Node: no page to resolve against, no cookie jar, gzip through CompressionStream', () => {
  expect(detectRuntime()).toEqual({ baseUrl: undefined, cookieJar: false, gzip: true });
});

it('reads the globals at each call, so a page (or a polyfill) installed late is seen', () => {
  vi.stubGlobal('location', { href: 'https://app.example/orders?x=1' });
  vi.stubGlobal('document', {});
  vi.stubGlobal('CompressionStream', undefined);
  expect(detectRuntime()).toEqual({
    baseUrl: 'https://app.example/orders?x=1',
    cookieJar: true,
    gzip: false,
  });
});
