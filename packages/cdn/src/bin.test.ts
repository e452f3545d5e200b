/**
 * The `wirepack` command as npm users reach it: the package is built and packed the way it is
 * published, installed from the tarball into an empty project, and run through `npx`, both by the
 * bin's name (installed as a dependency) and by the package's name (the form that needs no
 * install: npx runs a package's only bin). Offline: the package has no runtime dependencies.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const buildScript = fileURLToPath(new URL('../../../scripts/build-package.mjs', import.meta.url));
let project: string;

beforeAll(() => {
  project = mkdtempSync(join(tmpdir(), 'wirepack-bin-'));
  execFileSync(process.execPath, [buildScript], { cwd: packageDir, stdio: 'pipe' });
  execFileSync('npm', ['pack', '--silent', '--pack-destination', project], {
    cwd: packageDir,
    stdio: 'pipe',
  });
  const tarball = readdirSync(project).find((name) => name.endsWith('.tgz'))!;
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'app', private: true }));
  execFileSync('npm', ['install', '--offline', '--no-audit', '--no-fund', '--silent', `./${tarball}`], {
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
