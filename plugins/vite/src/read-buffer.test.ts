import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ReadBuffer } from './read-buffer.js';
import { temporaryDirectory } from './test-support/build-fixture.js';

const dir = temporaryDirectory('read-buffer');
afterAll(() => dir.remove());

describe('ReadBuffer', () => {
  it('reads files of any size exactly, growing as needed, ', () => {
    const reader = new ReadBuffer();
    for (const size of [0, 10, 65_535, 65_536, 200_000, 3]) {
      const path = join(dir.path, `file-${size}`);
      const bytes = Buffer.alloc(size, size % 251);
      writeFileSync(path, bytes);
      expect(reader.readFileSync(path).equals(bytes)).toBe(true);
    }
  });

  it('fails like readFile on a missing file', () => {
    const reader = new ReadBuffer();
    expect(() => reader.readFileSync(join(dir.path, 'missing'))).toThrow(/ENOENT/);
  });
});
