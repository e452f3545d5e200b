import { describe, expect, it } from 'vitest';
import type { FileRecord } from './precompress.js';
import { staleSiblings } from './stale-siblings.js';

const record = (file: string, encodings: FileRecord['encodings']): FileRecord => ({
  file,
  size: 10,
  hash: 'sha256-x',
  integrity: 'sha384-x',
  contentType: 'text/javascript',
  immutable: false,
  encodings,
});

describe('staleSiblings', () => {
  it('returns the earlier siblings this build did not write again', () => {
    const earlier = ['app.js.gz', 'app.js.br', 'old.js.gz'].map((file) => ({
      file,
      path: `/out/${file}`,
      size: 1,
    }));
    const records = [
      record('app.js', { gzip: { path: 'app.js.gz', size: 5, hash: 'sha256-g' } }),
      record('new.js', { br: { path: 'new.js.br', size: 5, hash: 'sha256-b' } }),
    ];
    // app.js.br: not kept this time (not small enough, or its encoding turned off); old.js is gone.
    expect(staleSiblings(earlier, records).map((entry) => entry.file)).toEqual(['app.js.br', 'old.js.gz']);
    expect(staleSiblings([], records)).toEqual([]);
  });
});
