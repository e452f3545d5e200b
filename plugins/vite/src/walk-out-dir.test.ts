import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { temporaryDirectory } from './test-support/build-fixture.js';
import { type OutputFile, walkOutDir } from './walk-out-dir.js';

const dir = temporaryDirectory('walk');
afterAll(() => dir.remove());

describe('walkOutDir', () => {
  it('lists files sorted, leaving out excluded paths, and earlier siblings of listed files', async () => {
    const root = join(dir.path, 'dist');
    mkdirSync(join(root, 'assets'), { recursive: true });
    mkdirSync(join(root, '.wirepack'));
    for (const file of [
      'index.html',
      'index.html.br',
      'assets/app.js',
      'assets/app.js.gz',
      'archive.tar.gz',
      'b.txt',
    ]) {
      writeFileSync(join(root, file), file);
    }
    writeFileSync(join(root, '.wirepack/manifest.json'), '{}');
    symlinkSync(root, join(root, 'assets', 'loop'));
    const siblings: OutputFile[] = [];
    const files = await walkOutDir(root, new Set(['.wirepack/manifest.json']), siblings);
    expect(files.map((file) => file.file)).toEqual([
      'archive.tar.gz',
      'assets/app.js',
      'b.txt',
      'index.html',
    ]);
    expect(files[3]).toEqual({
      file: 'index.html',
      path: join(root, 'index.html'),
      size: 'index.html'.length,
    });
    expect(siblings.map((file) => file.file).sort()).toEqual(['assets/app.js.gz', 'index.html.br']);
  });

  it('fails on a missing output directory', async () => {
    await expect(walkOutDir(join(dir.path, 'nope'))).rejects.toThrow(/ENOENT/);
  });
});
