/** The checks the build tests rely on can fail: a wrong sibling is caught, a lone `.br` is an original. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { digest, listOutput, mismatchedSiblings } from './output-check.ts';

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('output-check', () => {
  it('flags siblings that do not decode to their original, and only those', () => {
    dir = mkdtempSync(join(tmpdir(), 'wirepack-output-check-'));
    mkdirSync(join(dir, 'assets'));
    const files: Record<string, Buffer> = {
      'index.html': Buffer.from('<!doctype html><p>hello</p>'.repeat(20)),
      'index.html.br': brotliCompressSync(Buffer.from('<!doctype html><p>hello</p>'.repeat(20))),
      'index.html.gz': gzipSync(Buffer.from('<!doctype html><p>hello</p>'.repeat(20))),
      'assets/app.js': Buffer.from('console.log(1);'.repeat(30)),
      'assets/app.js.gz': gzipSync(Buffer.from('console.log(2);'.repeat(30))),
      'downloads/archive.tar.br': brotliCompressSync(Buffer.from('a lone .br is a file the app ships')),
    };
    mkdirSync(join(dir, 'downloads'));
    for (const [file, bytes] of Object.entries(files)) writeFileSync(join(dir, file), bytes);
    const listing = listOutput(dir);
    expect(listing.originals).toEqual(['assets/app.js', 'downloads/archive.tar.br', 'index.html']);
    expect([...listing.siblings.br!.keys()]).toEqual(['index.html']);
    expect(mismatchedSiblings(dir, listing)).toEqual(['assets/app.js.gz']);
    expect(digest(join(dir, 'index.html'))).toMatch(/^sha256-[A-Za-z0-9+/]{43}=$/);
    expect(digest(join(dir, 'index.html'), 'sha384')).toMatch(/^sha384-[A-Za-z0-9+/]{64}$/);
  });
});
