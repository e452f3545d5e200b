import { describe, expect, it } from 'vitest';
import { keepSiblings } from './precompress-totals.js';

describe('keepSiblings', () => {
  it('keeps the siblings small enough, in codec order, and totals them per encoding', () => {
    const files = [
      { file: 'a.js', size: 1000 },
      { file: 'b.css', size: 500 },
      { file: 'c.png', size: 300 },
    ];
    const result = keepSiblings(
      files,
      [
        {
          gzip: { encoding: 'gzip', size: 300, hash: 'sha256-g', kept: true },
          br: { encoding: 'br', size: 250, hash: 'sha256-b', kept: true },
        },
        { gzip: { encoding: 'gzip', size: 480, hash: 'sha256-x', kept: false } },
        {},
      ],
      ['br', 'gzip'],
    );
    expect(result.kept[0]).toEqual({
      br: { path: 'a.js.br', size: 250, hash: 'sha256-b' },
      gzip: { path: 'a.js.gz', size: 300, hash: 'sha256-g' },
    });
    expect(Object.keys(result.kept[0]!)).toEqual(['br', 'gzip']);
    expect(result.kept[1]).toEqual({});
    expect(result.kept[2]).toEqual({});
    expect(result.notSmaller).toBe(1);
    expect(result.encodings).toEqual({
      br: { files: 1, bytes: 250, originalBytes: 1000 },
      gzip: { files: 1, bytes: 300, originalBytes: 1000 },
    });
  });
});
