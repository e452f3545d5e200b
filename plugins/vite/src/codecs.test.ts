import * as zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { codecTag, compressSync, encoderVersion, zstdSupported } from './codecs.ts';

const input = Buffer.from('const greeting = "hello";\n'.repeat(500));

describe('codecs', () => {
  it('compresses deterministically with each encoding, and round-trips', () => {
    const br = compressSync({ encoding: 'br', level: 11 }, input);
    expect(zlib.brotliDecompressSync(br).equals(input)).toBe(true);
    expect(compressSync({ encoding: 'br', level: 11 }, input).equals(br)).toBe(true);
    const gzip = compressSync({ encoding: 'gzip', level: 9 }, input);
    expect(zlib.gunzipSync(gzip).equals(input)).toBe(true);
    expect(compressSync({ encoding: 'gzip', level: 9 }, input).equals(gzip)).toBe(true);
  });

  it('handles zstd exactly when the runtime has it', () => {
    expect(zstdSupported()).toBe(typeof (zlib as Record<string, unknown>).zstdCompressSync === 'function');
    if (zstdSupported()) {
      const zstd = compressSync({ encoding: 'zstd', level: 3 }, input);
      const decompress = (zlib as unknown as { zstdDecompressSync(data: Buffer): Buffer }).zstdDecompressSync;
      expect(decompress(zstd).equals(input)).toBe(true);
    } else {
      expect(() => compressSync({ encoding: 'zstd', level: 3 }, input)).toThrow(/zstd is not available/);
    }
  });

  it('tags a codec by encoding, level and encoder library version', () => {
    expect(encoderVersion('br')).toBe(`br-${process.versions.brotli}`);
    expect(encoderVersion('gzip')).toBe(`gzip-${process.versions.zlib}`);
    const tags = new Set([
      codecTag({ encoding: 'br', level: 11 }),
      codecTag({ encoding: 'br', level: 10 }),
      codecTag({ encoding: 'gzip', level: 9 }),
    ]);
    expect(tags.size).toBe(3);
    expect(codecTag({ encoding: 'br', level: 11 })).toBe(`br:level=11:br-${process.versions.brotli}`);
  });
});
