/**
 * The `wirepack` command as npm users reach it: the package is built and packed the way it is
 * published, installed from the tarball into an empty project, and run through `npx`, both by the
 * bin's name (installed as a dependency) and by the package's name (the form that needs no
 * install: npx runs a package's only bin). @wirepack/manifest, a workspace dependency,
 * is packed and installed from its tarball beside it (`pnpm pack` writes `workspace:*` as the
 * version); @smithy/core comes from the npm cache or the registry.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const packageDir = fileURLToPath(new URL('../..', import.meta.url));
const manifestDir = fileURLToPath(new URL('../../../manifest', import.meta.url));
const buildScript = fileURLToPath(new URL('../../../../scripts/build-package.mjs', import.meta.url));
let project: string;

beforeAll(() => {
  project = mkdtempSync(join(tmpdir(), 'wirepack-bin-'));
  for (const dir of [manifestDir, packageDir]) {
    execFileSync(process.execPath, [buildScript], { cwd: dir, stdio: 'pipe' });
    execFileSync('pnpm', ['pack', '--pack-destination', project], { cwd: dir, stdio: 'pipe' });
  }
  const tarballs = readdirSync(project)
    .filter((name) => name.endsWith('.tgz'))
    .map((name) => `./${name}`);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'app', private: true }));
  execFileSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--silent', ...tarballs], {
    cwd: project,
    stdio: 'pipe',
  });
}, 120_000);
afterAll(() => rmSync(project, { recursive: true, force: true }));

const npx = (...args: string[]): string =>
  execFileSync('npx', ['--offline', '--no-install', ...args], { cwd: project, encoding: 'utf8' });

describe('the wirepack bin', () => {
  it('runs --help through npx by its name, once installed', () => {
    expect(npx('wirepack', '--help')).toMatch(
      /^Usage: wirepack invalidate --manifest <file> --distribution <id>/,
    );
  });

  it('runs --help through npx by the package name', () => {
    expect(npx('@wirepack/cdn', '--help')).toMatch(/^Usage: wirepack invalidate/);
  });
});
