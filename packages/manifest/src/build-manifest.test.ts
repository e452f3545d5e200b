import { describe, expect, it } from 'vitest';
import { buildManifest, serializeManifest } from './build-manifest.ts';
import {
  CACHE_CONTROL_IMMUTABLE,
  CACHE_CONTROL_REVALIDATE,
  cacheControlFor,
  type ManifestFile,
  manifestUrlOf,
} from './manifest.ts';

const file = (path: string, extra: Partial<ManifestFile> = {}): ManifestFile => ({
  path,
  size: 10,
  hash: `sha256-${'A'.repeat(43)}=`,
  integrity: `sha384-${'B'.repeat(64)}`,
  contentType: 'text/plain; charset=utf-8',
  immutable: false,
  cacheControl: CACHE_CONTROL_REVALIDATE,
  encodings: {},
  ...extra,
});

describe('buildManifest', () => {
  it('sorts files by URL and encodings by preference, whatever the input order', () => {
    const gzip = { path: 'b.txt.gz', size: 5, hash: `sha256-${'C'.repeat(43)}=` };
    const br = { path: 'b.txt.br', size: 4, hash: `sha256-${'D'.repeat(43)}=` };
    const first = buildManifest({
      base: '/',
      files: [file('b.txt', { encodings: { gzip, br } }), file('a.txt')],
    });
    const second = buildManifest({
      base: '/',
      files: [file('a.txt'), file('b.txt', { encodings: { br, gzip } })],
    });
    expect(Object.keys(first.files)).toEqual(['/a.txt', '/b.txt']);
    expect(Object.keys(first.files['/b.txt']!.encodings)).toEqual(['br', 'gzip']);
    expect(serializeManifest(first)).toBe(serializeManifest(second));
    expect(serializeManifest(first).endsWith('}\n')).toBe(true);
  });

  it('refuses two files at one URL and a base that is not a URL path', () => {
    expect(() => buildManifest({ base: '/', files: [file('a.txt'), file('a.txt')] })).toThrow('/a.txt');
    expect(() => buildManifest({ base: 'app/', files: [] })).toThrow(TypeError);
  });

  it('keys files by base + the percent-encoded path', () => {
    expect(manifestUrlOf('docs/read me#1?.txt', '/app/')).toBe('/app/docs/read%20me%231%3F.txt');
    expect(manifestUrlOf('café.txt', '/')).toBe('/caf%C3%A9.txt');
  });

  it('suggests long caching only for immutable files', () => {
    expect(cacheControlFor(true)).toBe(CACHE_CONTROL_IMMUTABLE);
    expect(cacheControlFor(false)).toBe(CACHE_CONTROL_REVALIDATE);
  });
});
