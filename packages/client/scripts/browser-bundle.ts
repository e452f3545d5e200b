// The browser bundle of @wirepack/client as users get it: src/index.ts bundled for the browser,
// minified, every dependency included (msgpackr through @wirepack/protocol, and dataloader).
// brotli-wasm stays out: it is imported lazily, only by batches sent with brotli.
// Shared by scripts/size.ts (which prints it) and the README test (which holds the README to it).
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build, type Metafile } from 'esbuild';

export interface BrowserBundle {
  readonly code: Uint8Array;
  /** Bytes after gzip level 9. */
  readonly gzipBytes: number;
  readonly metafile: Metafile;
}

export async function buildBrowserBundle(): Promise<BrowserBundle> {
  const result = await build({
    entryPoints: [join(import.meta.dirname, '..', 'src/index.ts')],
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
  const code = (result.outputFiles[0] as { contents: Uint8Array }).contents;
  return { code, gzipBytes: gzipSync(code, { level: 9 }).length, metafile: result.metafile };
}
