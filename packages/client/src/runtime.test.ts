import { afterEach, expect, it, vi } from 'vitest';
import { detectRuntime } from './runtime.ts';

afterEach(() => {
  vi.unstubAllGlobals();
});

it("in Node: no page to resolve against, no cookie jar, gzip through CompressionStream, br asked of undici's fetch", () => {
  expect(detectRuntime()).toEqual({
    baseUrl: undefined,
    cookieJar: false,
    gzip: true,
    responseCodings: 'br, gzip, deflate',
  });
});

it('reads the globals at each call, so a page (or a polyfill) installed late is seen', () => {
  vi.stubGlobal('location', { href: 'https://app.example/orders?x=1' });
  vi.stubGlobal('document', {});
  vi.stubGlobal('CompressionStream', undefined);
  vi.stubGlobal('process', undefined); // a browser: its fetch asks for br itself
  expect(detectRuntime()).toEqual({
    baseUrl: 'https://app.example/orders?x=1',
    cookieJar: true,
    gzip: false,
    responseCodings: undefined,
  });
});
