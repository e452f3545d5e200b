import { describe, expect, it } from 'vitest';
import { decideCompression } from './precompress-decisions.js';

const js = { contentType: 'text/javascript', compressible: true };
const png = { contentType: 'image/png', compressible: false };
const base = { threshold: 1024, filter: undefined, anyCodec: true };

describe('decideCompression', () => {
  it('compresses compressible types at or above the threshold', () => {
    expect(decideCompression({ file: 'a.js', size: 1024 }, js, base)).toEqual({
      type: js,
      compress: true,
      skipped: undefined,
    });
  });

  it('names why a file is skipped: not compressible, below the threshold, filtered', () => {
    expect(decideCompression({ file: 'a.png', size: 5000 }, png, base).skipped).toBe('notCompressible');
    expect(decideCompression({ file: 'a.js', size: 1023 }, js, base).skipped).toBe('belowThreshold');
    const select = (file: string) => file !== 'a.js';
    expect(decideCompression({ file: 'a.js', size: 5000 }, js, { ...base, select }).skipped).toBe('filtered');
  });

  it('lets filter overrule the verdict either way, and counts a refused eligible file as filtered', () => {
    const yes = () => true;
    const no = () => false;
    expect(decideCompression({ file: 'a.png', size: 1 }, png, { ...base, filter: yes }).compress).toBe(true);
    expect(decideCompression({ file: 'a.js', size: 5000 }, js, { ...base, filter: no })).toMatchObject({
      compress: false,
      skipped: 'filtered',
    });
  });

  it('with no codec configured, nothing is compressed and nothing counted as skipped', () => {
    expect(decideCompression({ file: 'a.js', size: 5000 }, js, { ...base, anyCodec: false })).toEqual({
      type: js,
      compress: false,
      skipped: undefined,
    });
  });

  it('refuses a filter result that is not a boolean', () => {
    const filter = (() => 1) as unknown as () => boolean;
    expect(() => decideCompression({ file: 'x.js', size: 5000 }, js, { ...base, filter })).toThrow(
      /`filter` must return a boolean, got number for x\.js/,
    );
  });
});
