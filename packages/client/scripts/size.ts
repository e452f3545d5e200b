// Prints what @wirepack/client adds to a browser bundle (see browser-bundle.ts), by dependency, what
// a real Vite build of an app using it with its defaults emits (app-build.ts), and what the opt-in
// brotli-wasm would add.
// Run: pnpm --filter @wirepack/client size
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { buildSizeApp } from './app-build.ts';
import { buildBrowserBundle } from './browser-bundle.ts';

const root = join(import.meta.dirname, '..');
const { code, gzipBytes: gzip, metafile } = await buildBrowserBundle();
const inputs: Record<string, number> = {};
for (const [path, info] of Object.entries(
  (Object.values(metafile.outputs)[0] as { inputs: Record<string, { bytesInOutput: number }> }).inputs,
)) {
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
const kb = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KiB`;
console.log(
  `@wirepack/client browser bundle: ${kb(code.length)} min, ${kb(gzip)} min+gzip (msgpackr included)`,
);
for (const [name, bytes] of Object.entries(inputs).sort((a, b) => b[1] - a[1]))
  console.log(`  ${name}: ${kb(bytes)} min`);
const app = await buildSizeApp();
console.log(
  `Vite build of scripts/size-app (defaults): ${app.length} file(s), ${kb(app.reduce((n, f) => n + f.bytes, 0))}`,
);
for (const { file, bytes } of app) console.log(`  ${file}: ${kb(bytes)}`);
console.log(
  `opt-in (loadBrotli), only for brotli request bodies: brotli-wasm ${kb(wasm.length)} wasm, ${kb(gzipSync(wasm, { level: 9 }).length)} gzip`,
);
