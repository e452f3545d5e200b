// Found while merging issue 10's lazy-chunk work: an app without a public/ folder (Vite's default
// `publicDir` that does not exist, which is common) failed `vite build` with exit 1 when the cache
// was on (the default). The early pass that compresses public/ while Vite bundles walked the missing
// folder, and its rejected promise was only caught when the pass was stopped, later: in between,
// Node saw an unhandled rejection and ended the build.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { buildFixture } from '../../src/test-support/build-fixture.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

it('builds an app whose public/ folder does not exist, with the cache on, and rejects nothing unhandled', async () => {
  const work = mkdtempSync(join(tmpdir(), 'wirepack-no-public-'));
  dirs.push(work);
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => {
    unhandled.push(reason);
  };
  process.on('unhandledRejection', onUnhandled);
  try {
    const outDir = join(work, 'dist');
    const { reports } = await buildFixture(
      outDir,
      join(work, 'cache'),
      {},
      { publicDir: join(work, 'no-such-public') },
    );
    // Node reports a rejection nobody handled once the microtasks of the turn that made it have run:
    // one turn of the event loop after the build settled, every rejection it made has been reported.
    // (A 50 ms sleep stood here; its length proved nothing either way.)
    await new Promise((resolve) => setImmediate(resolve));
    expect(unhandled).toEqual([]);
    expect(reports).toHaveLength(1);
    expect(existsSync(join(outDir, 'index.html'))).toBe(true);
    expect(existsSync(join(outDir, 'index.html.br'))).toBe(true);
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
});
