import { describe, expect, it } from 'vitest';
import { buildManifest } from './build-manifest.ts';
import { CACHE_CONTROL_REVALIDATE, type ManifestFile } from './manifest.ts';
import { createManifestIndex, decodeUrlPath } from './manifest-index.ts';

const file = (path: string): ManifestFile => ({
  path,
  size: 1,
  hash: `sha256-${'A'.repeat(43)}=`,
  integrity: `sha384-${'B'.repeat(64)}`,
  contentType: 'text/plain',
  immutable: false,
  cacheControl: CACHE_CONTROL_REVALIDATE,
  encodings: {},
});
const index = createManifestIndex(
  buildManifest({
    base: '/app/',
    files: ['index.html', 'docs/read me.txt', 'café.txt', '100%.txt', 'a%2Fb.txt', 'q?.txt'].map(file),
  }),
);

describe('createManifestIndex', () => {
  it('finds files by the path a browser requests, whatever it chose to percent-encode', () => {
    expect(index.size).toBe(6);
    expect(index.lookup('/app/index.html')?.file.path).toBe('index.html');
    expect(index.lookup('/app/docs/read%20me.txt')?.url).toBe('/app/docs/read%20me.txt');
    expect(index.lookup('/app/caf%C3%A9.txt')?.file.path).toBe('café.txt');
    expect(index.lookup('/app/caf%c3%a9.txt')?.file.path).toBe('café.txt');
    expect(index.lookup('/app/%69ndex.html')?.file.path).toBe('index.html');
    expect(index.lookup('/app/100%25.txt')?.file.path).toBe('100%.txt');
    expect(index.lookup('/app/a%252Fb.txt')?.file.path).toBe('a%2Fb.txt');
    expect(index.lookup('/app/q%3F.txt')?.file.path).toBe('q?.txt');
    expect(index.get('/app/docs/read me.txt')?.file.path).toBe('docs/read me.txt');
  });

  it('finds nothing outside base, for bad encodings, or for encoded separators', () => {
    expect(index.lookup('/index.html')).toBeUndefined();
    expect(index.lookup('/app/100%.txt')).toBeUndefined();
    expect(index.lookup('/app/docs%2Fread%20me.txt')).toBeUndefined();
    expect(index.lookup('/app/docs%5Cread%20me.txt')).toBeUndefined();
    expect(index.lookup('/app\\index.html')).toBeUndefined();
    expect(index.lookup('/app/index.html%00')).toBeUndefined();
    expect(index.lookup('/app/%C0%AEindex.html')).toBeUndefined();
  });
});

describe('decodeUrlPath', () => {
  it('decodes per segment and refuses separators and NUL', () => {
    expect(decodeUrlPath('/a%20b/c')).toBe('/a b/c');
    expect(decodeUrlPath('/a%2fb')).toBeUndefined();
    expect(decodeUrlPath('/a%00')).toBeUndefined();
    expect(decodeUrlPath('/a\u0000')).toBeUndefined();
    expect(decodeUrlPath('/%E0%A4%A')).toBeUndefined();
  });
});
