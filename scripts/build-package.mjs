#!/usr/bin/env node
// Builds the package in the current directory to dist/: JavaScript with esbuild (one ESM file per
// entry point, dependencies left external) and type declarations with tsc (isolatedDeclarations
// keeps them a plain transform). Entry points are read from the `exports` map: every
// `@wirepack/source` path is built to the `import` path beside it.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

const cwd = process.cwd();
const pkg = JSON.parse(readFileSync(join(cwd, 'package.json'), 'utf8'));
const entryPoints = {};
const collect = (target) => {
  if (!target || typeof target !== 'object') return;
  const source = target['@wirepack/source'];
  if (typeof source === 'string' && typeof target.import === 'string') {
    entryPoints[target.import.replace(/^\.\/dist\//, '').replace(/\.js$/, '')] = join(cwd, source);
  }
  for (const value of Object.values(target)) collect(value);
};
collect(pkg.exports);
// Entry points outside `exports`: bins, and modules the package loads itself by URL (a worker
// thread's entry) that must exist in dist/ without being public API.
for (const [name, source] of Object.entries({ ...pkg.wirepack?.bin, ...pkg.wirepack?.internal }))
  entryPoints[name] = join(cwd, source);
if (Object.keys(entryPoints).length === 0)
  throw new Error(`[wirepack/build] ${pkg.name}: no @wirepack/source entries in exports`);

rmSync(join(cwd, 'dist'), { recursive: true, force: true });
await build({
  entryPoints,
  outdir: join(cwd, 'dist'),
  bundle: true,
  packages: 'external',
  format: 'esm',
  platform: pkg.wirepack?.platform ?? 'neutral',
  target: 'es2022',
  sourcemap: true,
  logLevel: 'warning',
});
const tsconfig = existsSync(join(cwd, 'tsconfig.build.json')) ? 'tsconfig.build.json' : 'tsconfig.json';
execFileSync(
  join(import.meta.dirname, '..', 'node_modules', '.bin', 'tsc'),
  ['-p', tsconfig, '--noEmit', 'false', '--emitDeclarationOnly', '--outDir', 'dist', '--rootDir', 'src'],
  { cwd, stdio: 'inherit' },
);
// Sources import siblings as './x.ts'; published declarations must name './x.js'.
for (const entry of readdirSync(join(cwd, 'dist'), { recursive: true, withFileTypes: true })) {
  if (!entry.isFile() || !entry.name.endsWith('.d.ts')) continue;
  const file = join(entry.parentPath, entry.name);
  const text = readFileSync(file, 'utf8');
  const fixed = text.replace(/(from\s+|import\()(['"])(\.{1,2}\/[^'"]+)\.ts\2/g, '$1$2$3.js$2');
  if (fixed !== text) writeFileSync(file, fixed);
}
console.log(`[wirepack/build] ${pkg.name}: ${Object.keys(entryPoints).join(', ')}`);
