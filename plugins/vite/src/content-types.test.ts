import { describe, expect, it } from 'vitest';
import {
  contentTypeFromName,
  extensionOf,
  isCompressibleType,
  SNIFF_BYTES,
  sniffContentType,
} from './content-types.ts';

describe('contentTypeFromName', () => {
  it.each([
    ['assets/index-a1b2c3d4.js', 'text/javascript; charset=utf-8'],
    ['app.mjs', 'text/javascript; charset=utf-8'],
    ['style.css', 'text/css; charset=utf-8'],
    ['index.html', 'text/html; charset=utf-8'],
    ['data.json', 'application/json; charset=utf-8'],
    ['app.js.map', 'application/json; charset=utf-8'],
    ['icon.svg', 'image/svg+xml; charset=utf-8'],
    ['feed.xml', 'application/xml; charset=utf-8'],
    ['robots.txt', 'text/plain; charset=utf-8'],
    ['manifest.webmanifest', 'application/manifest+json; charset=utf-8'],
    ['module.wasm', 'application/wasm'],
    ['favicon.ico', 'image/x-icon'],
    ['fonts/a.ttf', 'font/ttf'],
    ['fonts/a.otf', 'font/otf'],
    ['fonts/a.eot', 'application/vnd.ms-fontobject'],
  ])('%s is %s and compressible', (file, type) => {
    expect(contentTypeFromName(file)).toEqual({ contentType: type, compressible: true });
  });

  it.each([
    'photo.png',
    'photo.jpg',
    'photo.JPEG',
    'photo.webp',
    'photo.avif',
    'anim.gif',
    'font.woff',
    'font.woff2',
    'archive.zip',
    'bundle.js.gz',
    'bundle.js.br',
    'bundle.js.zst',
    'movie.mp4',
    'clip.webm',
    'song.mp3',
    'doc.pdf',
    'model.glb',
  ])('%s is never compressed', (file) => {
    expect(contentTypeFromName(file)?.compressible).toBe(false);
  });

  it('leaves unknown or missing extensions to sniffing', () => {
    expect(contentTypeFromName('LICENSE')).toBeUndefined();
    expect(contentTypeFromName('data.unknownext')).toBeUndefined();
    expect(contentTypeFromName('.hidden')).toBeUndefined();
  });

  it('takes the extension of the last path segment only, case-insensitively', () => {
    expect(extensionOf('dir.v2/file')).toBe('');
    expect(extensionOf('a/b/C.SVG')).toBe('.svg');
  });
});

describe('isCompressibleType', () => {
  it('decides by content type, parameters ignored', () => {
    expect(isCompressibleType('text/anything; charset=utf-8')).toBe(true);
    expect(isCompressibleType('application/vnd.api+json')).toBe(true);
    expect(isCompressibleType('application/rss+xml')).toBe(true);
    expect(isCompressibleType('Application/JSON')).toBe(true);
    expect(isCompressibleType('image/png')).toBe(false);
    expect(isCompressibleType('application/octet-stream')).toBe(false);
  });
});

describe('sniffContentType', () => {
  const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

  it('classifies UTF-8 text as compressible text/plain', () => {
    expect(sniffContentType(bytes('MIT License\n\nCopyright (c) Ünïcödé\n'))).toEqual({
      contentType: 'text/plain; charset=utf-8',
      compressible: true,
    });
  });

  it('accepts a multi-byte character cut at the sniff boundary', () => {
    const text = bytes(`${'a'.repeat(SNIFF_BYTES - 1)}é`).subarray(0, SNIFF_BYTES);
    expect(sniffContentType(text).compressible).toBe(true);
  });

  it('recognises wasm and refuses compressed containers and binary data', () => {
    expect(sniffContentType(new Uint8Array([0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0]))).toEqual({
      contentType: 'application/wasm',
      compressible: true,
    });
    expect(sniffContentType(new Uint8Array([0x1f, 0x8b, 8, 0])).compressible).toBe(false);
    expect(sniffContentType(new Uint8Array([0x77, 0x4f, 0x46, 0x32, 0])).compressible).toBe(false);
    expect(sniffContentType(new Uint8Array([0x41, 0x00, 0x42])).compressible).toBe(false);
    expect(sniffContentType(new Uint8Array([0xc3, 0x28])).compressible).toBe(false);
    expect(sniffContentType(new Uint8Array()).compressible).toBe(false);
  });
});
