import { describe, expect, it } from 'vitest';
import * as api from './index.js';

describe('@wirepack/vite-plugin exports', () => {
  it('has a curated, stable export list', () => {
    expect(Object.keys(api).sort()).toMatchInlineSnapshot(`
      [
        "CACHE_CONTROL_IMMUTABLE",
        "CACHE_CONTROL_REVALIDATE",
        "DEFAULT_OPTIONS",
        "ENCODINGS",
        "MANIFEST_VERSION",
        "SIBLING_EXTENSIONS",
        "contentTypeFromName",
        "default",
        "isCompressibleType",
        "wirepack",
      ]
    `);
  });

  it('default-exports the factory, which returns named sub-plugins', () => {
    expect(api.default).toBe(api.wirepack);
    expect(api.wirepack().map((plugin) => plugin.name)).toEqual([
      'wirepack:sri',
      'wirepack:precompress',
      'wirepack:manifest',
      'wirepack:report',
      'wirepack:preview',
    ]);
    expect(api.wirepack({ sri: false, preview: false }).map((plugin) => plugin.name)).toEqual([
      'wirepack:precompress',
      'wirepack:manifest',
      'wirepack:report',
    ]);
  });
});
