// The manifest contract end to end: two real Vite builds of fixtures/small-app with
// @wirepack/vite-plugin (before and after editing one shared module), then the plan from the two
// manifests the plugin wrote.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import wirepack from '@wirepack/vite-plugin';
import { build } from 'vite';
import { afterAll, describe, expect, it } from 'vitest';
import { loadManifest } from './manifest/manifest-source.ts';
import { planInvalidation } from './plan/plan.ts';

const fixture = fileURLToPath(new URL('../../../fixtures/small-app', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'wirepack-cdn-vite-'));
const app = join(work, 'app');
cpSync(fixture, app, {
  recursive: true,
  filter: (source) => !/[/\\](node_modules|dist|\.wirepack-cache)$/.test(source),
});
// The fixture's tsconfig extends the repository's, which the copy cannot reach.
writeFileSync(
  join(app, 'tsconfig.json'),
  JSON.stringify({
    compilerOptions: { target: 'ES2022', module: 'ESNext', allowImportingTsExtensions: true, noEmit: true },
  }),
);
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function buildTo(outDir: string): Promise<string> {
  await build({
    root: app,
    configFile: false,
    logLevel: 'error',
    build: {
      outDir,
      emptyOutDir: true,
      rolldownOptions: { input: { main: join(app, 'index.html'), about: join(app, 'pages/about.html') } },
    },
    plugins: [wirepack()],
  });
  return join(outDir, '.wirepack/manifest.json');
}

describe('plans from manifests written by @wirepack/vite-plugin', () => {
  it('one shared module edited: the pages that load it (and their aliases), never a hashed asset', async () => {
    const before = await loadManifest(await buildTo(join(work, 'v1')));
    const greeting = join(app, 'src/greeting.ts');
    writeFileSync(
      greeting,
      readFileSync(greeting, 'utf8').replace("English: 'Hello'", "English: 'Hello there'"),
    );
    const after = await loadManifest(await buildTo(join(work, 'v2')));
    const rebuilt = await loadManifest(await buildTo(join(work, 'v3')));

    const plan = planInvalidation({ previous: before, next: after });
    expect(plan.changes.modified).toEqual(['/index.html', '/pages/about.html']);
    expect([...plan.changes.added, ...plan.changes.deleted].every((p) => p.startsWith('/assets/'))).toBe(
      true,
    );
    expect(plan.changes.added.length).toBeGreaterThan(0);
    expect(plan.paths).toEqual(['/', '/index.html', '/pages/about.html']);
    // The public file with a space is read back as a file name, and would be submitted encoded once.
    expect(after.files.has('/docs/read me.txt')).toBe(true);
    // A rebuild of the same sources writes the same manifest: nothing to invalidate.
    expect(rebuilt.digest).toBe(after.digest);
    expect(planInvalidation({ previous: after, next: rebuilt }).paths).toEqual([]);
  });
});
