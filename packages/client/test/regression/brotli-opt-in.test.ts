// Issue 13: the default client imported brotli-wasm lazily, which still made every app's Vite build
// emit its 1 MB `.wasm` (plus a glue chunk), used or not. Brotli is now opt-in (`loadBrotli`): a
// default client's build carries no brotli at all, compresses with gzip, and 'br' without a loader
// is a TypeError. Before: 4 files, 1,140,308 bytes (1,056,860 of them wasm); after: 1 file, 75,645.
import { describe, expect, it } from 'vitest';
import { buildSizeApp } from '../../scripts/app-build.ts';
import { createBatchFetch } from '../../src/index.ts';
import { RequestCompressor } from '../../src/request-compression.ts';

describe('brotli is opt-in', () => {
  it('a Vite build of an app using the default client emits no wasm and no brotli chunk', async () => {
    const files = await buildSizeApp();
    expect(files.map((f) => f.file).filter((file) => /wasm|brotli|index\.web/.test(file))).toEqual([]);
    expect(files.reduce((n, f) => n + f.bytes, 0)).toBeLessThan(200_000);
  }, 60_000);

  it("'br' without loadBrotli is refused at creation", () => {
    expect(() => createBatchFetch({ fetch: globalThis.fetch, compressRequests: 'br' })).toThrow(
      /compressRequests 'br' needs options\.loadBrotli/,
    );
    expect(() =>
      createBatchFetch({
        fetch: globalThis.fetch,
        compressRequests: 'br',
        loadBrotli: 'brotli-wasm' as never,
      }),
    ).toThrow(/loadBrotli must be a function/);
  });

  it("'auto' without loadBrotli uses gzip even when the server reads br", async () => {
    const compressor = new RequestCompressor('auto', 0, undefined);
    compressor.noteAcceptEncoding('br, gzip');
    expect((await compressor.encode(new Uint8Array(10_000))).coding).toBe('gzip');
    expect((await compressor.encode(new Uint8Array(10_000))).coding).toBe('gzip');
  });
});
