#!/usr/bin/env node
// Measures what @wirepack/client adds to a browser bundle: esbuild bundles src/index.ts for the
// browser, minified, with every dependency included (msgpackr through @wirepack/protocol, and
// dataloader), then gzips it at level 9. brotli-wasm is left out: it is imported lazily, only by
// batches sent with brotli, and becomes its own chunk; its size is printed on its own line.
// Run: pnpm --filter @wirepack/client size
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const root = join(import.meta.dirname, '..');
const result = await build({
  entryPoints: [join(root, 'src/index.ts')],
  bundle: true,
  minify: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  conditions: ['@wirepack/source'],
  external: ['brotli-wasm'],
  write: false,
  metafile: true,
  logLevel: 'warning',
});
const code = result.outputFiles[0].contents;
const gzip = gzipSync(code, { level: 9 }).length;
const inputs = {};
for (const [path, info] of Object.entries(Object.values(result.metafile.outputs)[0].inputs)) {
  const name = path.includes('node_modules')
    ? path.replace(/.*node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+).*/, '$1')
    : path.includes('protocol')
      ? '@wirepack/protocol'
      : '@wirepack/client';
  inputs[name] = (inputs[name] ?? 0) + info.bytesInOutput;
}
const require = createRequire(join(root, 'package.json'));
const brotliDir = dirname(require.resolve('brotli-wasm')); // its `require` entry sits at the package root
const wasm = readFileSync(join(brotliDir, 'pkg.web/brotli_wasm_bg.wasm'));
const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KiB`;
console.log(
  `@wirepack/client browser bundle: ${kb(code.length)} min, ${kb(gzip)} min+gzip (msgpackr and dataloader included)`,
);
for (const [name, bytes] of Object.entries(inputs).sort((a, b) => b[1] - a[1]))
  console.log(`  ${name}: ${kb(bytes)} min`);
console.log(
  `lazy, only for brotli request bodies: brotli-wasm ${kb(wasm.length)} wasm, ${kb(gzipSync(wasm, { level: 9 }).length)} gzip`,
);
