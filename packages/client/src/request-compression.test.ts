import { describe, expect, it } from 'vitest';
import { RequestCompressor } from './request-compression.ts';

const big = new Uint8Array(4096).fill(97);
const noBrotli = () => Promise.reject(new Error('no brotli here'));

describe('RequestCompressor', () => {
  it("'auto' uses only codings the server advertised with a non-zero weight", async () => {
    const compressor = new RequestCompressor('auto', 1024, noBrotli);
    expect((await compressor.encode(big)).coding).toBeUndefined();
    compressor.noteAcceptEncoding('gzip;q=0, deflate');
    expect((await compressor.encode(big)).coding).toBeUndefined();
    compressor.noteAcceptEncoding('GZIP;q=0.5');
    const encoded = await compressor.encode(big);
    expect(encoded.coding).toBe('gzip');
    expect(encoded.bytes.length).toBeLessThan(100);
  });

  it('leaves small bodies alone and stops using a refused coding', async () => {
    const compressor = new RequestCompressor('gzip', 1024, noBrotli);
    expect((await compressor.encode(new Uint8Array(100))).coding).toBeUndefined();
    expect((await compressor.encode(big)).coding).toBe('gzip');
    compressor.refuse('gzip');
    expect((await compressor.encode(big)).coding).toBeUndefined();
  });

  it("'auto' prefers brotli once loaded, without waiting for it, and falls back when it cannot load", async () => {
    let release: (encoder: { compress: (bytes: Uint8Array) => Uint8Array }) => void = () => {};
    const loading = new Promise<{ compress: (bytes: Uint8Array) => Uint8Array }>((resolve) => {
      release = resolve;
    });
    const compressor = new RequestCompressor('auto', 1024, () => loading);
    compressor.noteAcceptEncoding('br, gzip');
    expect((await compressor.encode(big)).coding).toBe('gzip'); // brotli still loading
    release({ compress: () => new Uint8Array([1, 2, 3]) });
    await loading;
    expect(await compressor.encode(big)).toEqual({ bytes: new Uint8Array([1, 2, 3]), coding: 'br' });

    const failing = new RequestCompressor('auto', 1024, noBrotli);
    failing.noteAcceptEncoding('br');
    expect((await failing.encode(big)).coding).toBeUndefined();
  });
});
