import { isManifestError } from '@wirepack/manifest';
import type { WirepackManifest } from '@wirepack/vite-plugin';
import { describe, expect, it } from 'vitest';
import { CdnError } from '../errors.ts';
import { readManifest } from './manifest-reader.ts';

const sha256 = `sha256-${'A'.repeat(43)}=`;
const sha384 = `sha384-${'B'.repeat(64)}`;

// Typed with the plugin's own type: if the contract changes shape, this stops compiling.
const written: WirepackManifest = {
  version: 1,
  generator: '@wirepack/vite-plugin',
  base: '/app/',
  files: {
    '/app/assets/index-Bx1yZ2.js': {
      path: 'assets/index-Bx1yZ2.js',
      size: 1200,
      hash: sha256,
      integrity: sha384,
      contentType: 'text/javascript',
      immutable: true,
      cacheControl: 'public, max-age=31536000, immutable',
      encodings: { br: { path: 'assets/index-Bx1yZ2.js.br', size: 400, hash: sha256 } },
    },
    '/app/docs/caf%C3%A9%20menu.html': {
      path: 'docs/café menu.html',
      size: 10,
      hash: sha256,
      integrity: sha384,
      contentType: 'text/html',
      immutable: false,
      cacheControl: 'public, max-age=0, must-revalidate',
      encodings: {},
    },
  },
};

const invalid = (json: unknown): CdnError => {
  try {
    readManifest(json, 'test.json');
  } catch (error) {
    expect(error).toBeInstanceOf(CdnError);
    expect((error as CdnError).code).toBe('MANIFEST_INVALID');
    expect((error as CdnError).message).toMatch(/^\[wirepack\/cdn\] manifest test\.json: /);
    return error as CdnError;
  }
  throw new Error('expected a CdnError');
};

describe('readManifest', () => {
  it('reads the manifest @wirepack/vite-plugin writes, with decoded URL paths under its base', () => {
    const manifest = readManifest(JSON.parse(JSON.stringify(written)), 'manifest.json');
    expect([...manifest.files.keys()]).toEqual(['/app/assets/index-Bx1yZ2.js', '/app/docs/café menu.html']);
    expect(manifest.files.get('/app/assets/index-Bx1yZ2.js')).toMatchObject({
      hash: sha256,
      size: 1200,
      immutable: true,
      contentType: 'text/javascript',
    });
    expect(manifest.digest).toMatch(/^[0-9a-f]{64}$/);
  });

  it('reads hand-written manifests keyed by URL path or listed with a path field', () => {
    const keyed = readManifest(
      { version: 1, files: { '/a b.html': { size: 1, hash: 'x', immutable: false } } },
      't',
    );
    const listed = readManifest(
      { version: 1, files: [{ path: '/a b.html', size: 1, hash: 'x', immutable: false }] },
      't',
    );
    expect([...keyed.files.keys()]).toEqual(['/a b.html']);
    expect(listed.digest).toBe(keyed.digest);
  });

  it('rejects bad input with coded errors that name the field', () => {
    expect(invalid(null).message).toMatch(/JSON object/);
    expect(invalid({ version: 2, files: {} }).message).toMatch(/version/);
    expect(invalid({ version: 1 }).message).toMatch(/"files"/);
    expect(invalid({ version: 1, files: { '/a': { size: 1, immutable: false } } }).message).toMatch(
      /files\["\/a"\]\.hash/,
    );
    expect(
      invalid({ version: 1, files: { '/a': { size: -1, hash: 'x', immutable: false } } }).message,
    ).toMatch(/size/);
    expect(
      invalid({ version: 1, files: { '/a': { size: 1, hash: 'x', immutable: 'yes' } } }).message,
    ).toMatch(/immutable/);
    expect(
      invalid({ version: 1, files: { '/a/../b': { size: 1, hash: 'x', immutable: false } } }).message,
    ).toMatch(/"\.\." segment/);
    expect(
      invalid({ version: 1, files: { '/a//b': { size: 1, hash: 'x', immutable: false } } }).message,
    ).toMatch(/empty segment/);
    expect(
      invalid({ version: 1, files: { '/a\u0000': { size: 1, hash: 'x', immutable: false } } }).message,
    ).toMatch(/control/);
    expect(
      invalid({ version: 1, files: { '/\ud800': { size: 1, hash: 'x', immutable: false } } }).message,
    ).toMatch(/Unicode/);
    expect(
      invalid({ version: 1, files: { '/dir/': { size: 1, hash: 'x', immutable: false } } }).message,
    ).toMatch(/directory/);
    expect(
      invalid({
        version: 1,
        files: [
          { path: '/a', size: 1, hash: 'x', immutable: false },
          { path: 'a', size: 1, hash: 'y', immutable: false },
        ],
      }).message,
    ).toMatch(/duplicate/);
    const mismatched = {
      ...written,
      files: { '/app/other.js': { ...written.files['/app/assets/index-Bx1yZ2.js']! } },
    };
    expect(invalid(mismatched).message).toMatch(/not the URL of its path/);
  });

  it('is not polluted by a __proto__ key', () => {
    const json = JSON.parse('{"version":1,"files":{"__proto__":{"size":1,"hash":"x","immutable":false}}}');
    const manifest = readManifest(json, 't');
    expect([...manifest.files.keys()]).toEqual(['/__proto__']);
    expect(({} as Record<string, unknown>).size).toBeUndefined();
  });
});

describe('readManifest on a manifest the plugin wrote', () => {
  it('applies the contract of @wirepack/manifest, keeping its error as the cause', () => {
    const broken = structuredClone(written) as unknown as {
      files: Record<string, { cacheControl: string }>;
    };
    broken.files['/app/assets/index-Bx1yZ2.js']!.cacheControl = 'no-cache\r\nSet-Cookie: a=b';
    let caught: unknown;
    try {
      readManifest(broken, 'next.json');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(CdnError);
    expect((caught as CdnError).code).toBe('MANIFEST_INVALID');
    expect((caught as CdnError).message).toMatch(/^\[wirepack\/cdn\] manifest next\.json: .*cacheControl/);
    expect(isManifestError((caught as CdnError).cause, 'MANIFEST_INVALID')).toBe(true);
  });
});
