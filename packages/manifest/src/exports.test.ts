import { describe, expect, it } from 'vitest';

// The public surface: a change here is a change for users, made on purpose.
describe('export list', () => {
  it('@wirepack/manifest', async () => {
    const entry = await import('@wirepack/manifest');
    expect(Object.keys(entry).sort()).toMatchInlineSnapshot(`
      [
        "CACHE_CONTROL_IMMUTABLE",
        "CACHE_CONTROL_REVALIDATE",
        "DEFAULT_MANIFEST_PATH",
        "MANIFEST_CODINGS",
        "MANIFEST_ERROR_STATUS",
        "MANIFEST_GENERATOR",
        "MANIFEST_LIMITS",
        "MANIFEST_VERSION",
        "ManifestError",
        "buildManifest",
        "cacheControlFor",
        "createManifestIndex",
        "decodeUrlPath",
        "isManifestError",
        "manifestUrlOf",
        "parseManifest",
        "serializeManifest",
        "validateManifest",
      ]
    `);
  });
});
