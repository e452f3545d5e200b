import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { placeFileAtomicSync } from './atomic-write.js';
import { temporaryDirectory } from './test-support/build-fixture.js';

const dir = temporaryDirectory('atomic-write');
afterAll(() => dir.remove());

describe('placeFileAtomicSync', () => {
  it('links to a source holding the bytes, replaces an existing file, and leaves no temporary file', () => {
    const source = join(dir.path, 'entry');
    const bytes = Buffer.from('compressed bytes');
    writeFileSync(source, bytes);
    const target = join(dir.path, 'app.js.br');
    placeFileAtomicSync(target, bytes, source);
    expect(statSync(target).ino).toBe(statSync(source).ino);
    // Placing it again over itself, then over a stale file: still one name, same bytes.
    placeFileAtomicSync(target, bytes, source);
    const stale = join(dir.path, 'old.js.br');
    writeFileSync(stale, 'stale');
    placeFileAtomicSync(stale, bytes, source);
    expect(readFileSync(stale).equals(bytes)).toBe(true);
    expect(readdirSync(dir.path).sort()).toEqual(['app.js.br', 'entry', 'old.js.br']);
  });

  it('writes the bytes when the source cannot be linked', () => {
    const target = join(dir.path, 'fallback.br');
    placeFileAtomicSync(target, Buffer.from('abc'), join(dir.path, 'missing-entry'));
    expect(readFileSync(target, 'utf8')).toBe('abc');
  });
});
