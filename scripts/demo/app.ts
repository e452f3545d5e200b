// The app the demo builds, serves and redeploys: a copy of fixtures/dashboard (so the deploy part can edit
// a source file without touching the repository), built for real with Vite and @wirepack/vite-plugin.
// The copy lives under the repository's node_modules/.cache, where the app's imports
// (@wirepack/client) resolve through the root's node_modules as they do in the fixture itself.
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { buildDashboard, DASHBOARD_ROOT } from '@wirepack/fixture-dashboard';
import type { WirepackReport } from '@wirepack/vite-plugin';
import { createLogger, type Logger } from 'vite';

/** A copy of the dashboard and the compression cache its builds share. */
export interface DemoApp {
  /** The app's root directory (a copy under the demo's work directory). */
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

/** Copies fixtures/dashboard's page sources into `work/app`, leaving out its Node side and installed files. */
export function copyApp(work: string): DemoApp {
  const root = join(work, 'app');
  cpSync(DASHBOARD_ROOT, root, {
    recursive: true,
    filter: (source) => !/[/\\](node_modules|dist|server|\.wirepack-cache)$/.test(source),
  });
  return { root, cacheDir: join(work, 'vite-cache') };
}

/**
 * Builds the app copy into `outDir` with the plugin on its defaults (brotli 11, gzip 9, SRI, manifest,
 * cache). Vite's own file listing is kept quiet; the plugin's report lines are kept for printing, and
 * warnings and errors are printed as they come.
 */
export async function buildApp(app: DemoApp, outDir: string): Promise<AppBuild> {
  const printed: string[] = [];
  const started = performance.now();
  const report = await buildDashboard({
    root: app.root,
    outDir,
    cacheDir: app.cacheDir,
    // 'warn' turns off Vite's own progress and file list; the plugin's report still reaches `info` below.
    logLevel: 'warn',
    customLogger: reportLogger(printed),
  });
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
