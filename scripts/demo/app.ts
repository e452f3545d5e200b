// The app the demo builds and deploys: a temporary copy of fixtures/small-app (so the deploy part can edit
// a source file without touching the repository), built for real with Vite and @wirepack/vite-plugin.
import { cpSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import wirepack, { type WirepackReport } from '@wirepack/vite-plugin';
import { build, createLogger, type Logger } from 'vite';

const FIXTURE = fileURLToPath(new URL('../../fixtures/small-app', import.meta.url));

/** A copy of the small app and the compression cache its builds share. */
export interface DemoApp {
  /** The app's root directory (a copy under the demo's temporary directory). */
  readonly root: string;
  /** Vite's cacheDir for every build of this copy; the plugin keeps its cache under it. */
  readonly cacheDir: string;
}

/** What one build produced. */
export interface AppBuild {
  readonly outDir: string;
  readonly manifestPath: string;
  /** The plugin's report object (from `onReport`). */
  readonly report: WirepackReport;
  /** The report as the plugin printed it through Vite's logger. */
  readonly printed: readonly string[];
  readonly wallMs: number;
}

/** Copies fixtures/small-app into `work/app`, leaving out installed and built files. */
export function copyApp(work: string): DemoApp {
  const root = join(work, 'app');
  cpSync(FIXTURE, root, {
    recursive: true,
    filter: (source) => !/[/\\](node_modules|dist|\.wirepack-cache)$/.test(source),
  });
  // The fixture's tsconfig extends the repository's, which a copy in the temporary directory cannot reach.
  writeFileSync(
    join(root, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: { target: 'ES2022', module: 'ESNext', allowImportingTsExtensions: true, noEmit: true },
    }),
  );
  return { root, cacheDir: join(work, 'vite-cache') };
}

/**
 * Builds the app copy into `outDir` with the plugin on its defaults (brotli 11, gzip 9, SRI, manifest,
 * cache). Vite's own file listing is kept quiet; the plugin's report lines are kept for printing, and
 * warnings and errors are printed as they come.
 */
export async function buildApp(app: DemoApp, outDir: string): Promise<AppBuild> {
  const printed: string[] = [];
  let report: WirepackReport | undefined;
  const started = performance.now();
  await build({
    root: app.root,
    // The fixture's vite.config.ts imports 'vite', which a copy outside the repository cannot resolve:
    // the same inputs are given here instead.
    configFile: false,
    cacheDir: app.cacheDir,
    // 'warn' turns off Vite's own progress and file list; the plugin's report still reaches `info` below.
    logLevel: 'warn',
    customLogger: reportLogger(printed),
    build: {
      outDir,
      emptyOutDir: true,
      rolldownOptions: {
        input: { main: join(app.root, 'index.html'), about: join(app.root, 'pages/about.html') },
      },
    },
    plugins: [wirepack({ onReport: (value) => (report = value) })],
  });
  if (report === undefined) throw new Error('[wirepack/demo] the plugin gave no report for the client build');
  if (report.manifest === null) throw new Error('[wirepack/demo] the plugin wrote no manifest');
  return { outDir, manifestPath: report.manifest, report, printed, wallMs: performance.now() - started };
}

/** Vite's logger, keeping only the plugin's report lines from `info` and printing warnings and errors. */
function reportLogger(printed: string[]): Logger {
  const logger = createLogger('info', { allowClearScreen: false });
  return {
    ...logger,
    info: (message) => {
      // The plugin's lines start with its tag; Vite's own progress and file list are left out.
      if (message.startsWith('[wirepack/vite-plugin]')) printed.push(message);
    },
    warn: (message, options) => logger.warn(`  ${message}`, options),
    warnOnce: (message, options) => logger.warnOnce(`  ${message}`, options),
  };
}
