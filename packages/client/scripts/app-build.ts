// A real Vite build of scripts/size-app (the client used with its defaults) into a temporary folder:
// every file it emits, JavaScript and assets, with their sizes. brotli-wasm used to add a 1 MB `.wasm`
// asset (and its glue chunk) to every such build; with brotli opt-in (`loadBrotli`) it adds none.
// Used by scripts/size.ts.
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { build, defaultClientConditions } from 'vite';

/** One emitted file of the app's build. */
export interface BuiltFile {
  readonly file: string;
  readonly bytes: number;
}

/** Builds the size app and lists what it emitted (index.html excluded), largest first. */
export async function buildSizeApp(): Promise<BuiltFile[]> {
  const outDir = mkdtempSync(join(tmpdir(), 'wirepack-client-size-'));
  try {
    await build({
      root: join(import.meta.dirname, 'size-app'),
      configFile: false,
      logLevel: 'silent',
      // The workspace packages' TypeScript sources, as the repository's own builds read them.
      resolve: { conditions: ['@wirepack/source', ...defaultClientConditions] },
      build: { outDir, emptyOutDir: true, target: 'es2022', reportCompressedSize: false },
    });
    const files: BuiltFile[] = [];
    const walk = (dir: string): void => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) walk(path);
        else if (entry.name !== 'index.html')
          files.push({ file: relative(outDir, path), bytes: statSync(path).size });
      }
    };
    walk(outDir);
    return files.sort((a, b) => b.bytes - a.bytes);
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}
