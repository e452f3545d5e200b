#!/usr/bin/env node
// One entry point for a fresh clone that has only Node and npm: fetch the pinned pnpm (from the
// `packageManager` field) when the machine lacks it, install the workspace from the lockfile, then
// run a root script. `npm run demo` and `npm test` call this; so does `.ci/run`.
//
//   node scripts/bootstrap.mjs                 install only
//   node scripts/bootstrap.mjs run <script>    install, then `pnpm run <script>`
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const rootPackage = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const pinned = /^pnpm@(\d+\.\d+\.\d+)/.exec(rootPackage.packageManager ?? '')?.[1];
if (!pinned) fail('package.json has no pinned "packageManager": "pnpm@x.y.z"');

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 19)) fail(`Node >= 20.19 is required; this is ${process.version}`);

/** The pnpm command to use: the machine's own when it is the pinned version, else npx's copy. */
function pnpmCommand() {
  try {
    const version = execFileSync('pnpm', ['--version'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    if (version.trim() === pinned) return ['pnpm'];
  } catch {
    // No pnpm on PATH: fall through to npx, which fetches the pinned version from the registry.
  }
  return ['npx', '--yes', `pnpm@${pinned}`];
}

function run(command, args, extraEnv = {}) {
  const result = spawnSync(command, args, {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, ...extraEnv },
  });
  if (result.error) fail(`could not start ${command}: ${result.error.message}`);
  if (result.status !== 0) process.exit(result.status ?? 1);
}

function fail(message) {
  console.error(`[wirepack/bootstrap] ${message}`);
  process.exit(1);
}

/** Debian packages the tests need, each with the binary that shows it is installed. */
const TEST_SERVICES = [
  { pkg: 'chromium', bin: '/usr/bin/chromium', env: 'WIREPACK_CHROMIUM', use: 'browser tests' },
  {
    pkg: 'redis-server',
    bin: '/usr/bin/redis-server',
    env: 'WIREPACK_REDIS_SERVER',
    use: 'Redis cache tests',
  },
  { pkg: 'prometheus', bin: '/usr/bin/promtool', env: 'WIREPACK_PROMTOOL', use: 'alert-rule checks' },
];

const [pnpm, ...pnpmArgs] = pnpmCommand();
// The lockfile is the source of truth: a fresh clone installs exactly what was tested.
run(pnpm, [...pnpmArgs, 'install', '--frozen-lockfile']);

const [verb, script, ...rest] = process.argv.slice(2);
if (verb === 'run' && script) {
  // Tests drive real services from Debian's packages (a browser or server download cannot work on
  // these machines): Chromium for the browser tests, redis-server for the shared response cache,
  // prometheus for `promtool check rules` on the shipped alerting rules.
  if (script === 'check' || script === 'test:run') ensureDebianPackages(TEST_SERVICES);
  // Put the pinned pnpm first on PATH for nested `pnpm` calls in scripts.
  const bin = join(root, 'node_modules', '.bin');
  run(pnpm, [...pnpmArgs, 'run', script, ...rest], { PATH: `${bin}:${process.env.PATH}` });
} else if (verb) {
  fail(`unknown arguments: ${process.argv.slice(2).join(' ')}`);
}

function ensureDebianPackages(wanted) {
  const missing = wanted.filter(({ bin, env }) => !process.env[env] && !existsSync(bin));
  if (missing.length === 0) return;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot || !existsSync('/usr/bin/apt-get')) {
    for (const { pkg, bin, env, use } of missing) {
      console.warn(
        `[wirepack/bootstrap] ${bin} is missing: ${use} will fail. Install Debian's ${pkg} package or set ${env}.`,
      );
    }
    return;
  }
  const names = missing.map(({ pkg }) => pkg);
  console.log(`[wirepack/bootstrap] installing Debian's ${names.join(', ')} for the tests`);
  run('apt-get', ['update', '-qq']);
  run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...names], {
    DEBIAN_FRONTEND: 'noninteractive',
  });
}
