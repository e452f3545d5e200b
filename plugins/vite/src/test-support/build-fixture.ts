import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, createLogger, type InlineConfig, type Logger } from 'vite';
import { wirepack } from '../index.js';
import type { WirepackOptions } from '../options.js';
import type { WirepackReport } from '../report.js';

/** The small fixture app (fixtures/small-app): two pages, a lazy chunk, CSS, an SVG, a mixed public/. */
export const SMALL_APP: string = fileURLToPath(new URL('../../../../fixtures/small-app/', import.meta.url));

/** What one fixture build produced. */
export interface FixtureBuild {
  readonly outDir: string;
  readonly reports: WirepackReport[];
  readonly warnings: string[];
}

/** A logger that keeps warnings for assertions and prints nothing. */
export function recordingLogger(warnings: string[]): Logger {
  const logger = createLogger('warn', { allowClearScreen: false });
  return {
    ...logger,
    info: () => {},
    warn: (message) => warnings.push(message),
    warnOnce: (message) => warnings.push(message),
    error: (message) => warnings.push(message),
  };
}

/**
 * Builds the fixture with the plugin into `outDir` for real (Vite 8, Rolldown), with the cache
 * under `cacheDir`. Tests pass a low brotli quality where the level does not matter to what they
 * assert, to stay fast.
 */
export async function buildFixture(
  outDir: string,
  cacheDir: string,
  options: WirepackOptions = {},
  config: InlineConfig = {},
): Promise<FixtureBuild> {
  const reports: WirepackReport[] = [];
  const warnings: string[] = [];
  await build({
    root: SMALL_APP,
    configFile: join(SMALL_APP, 'vite.config.ts'),
    cacheDir,
    customLogger: recordingLogger(warnings),
    logLevel: 'warn',
    ...config,
    build: { outDir, emptyOutDir: true, ...config.build },
    // Extra plugins come after wirepack: the harder case for "runs after every other plugin".
    plugins: [
      wirepack({
        brotli: { quality: 5 },
        ...options,
        onReport: (report) => {
          reports.push(report);
          options.onReport?.(report);
        },
      }),
      ...(config.plugins ?? []),
    ],
  });
  return { outDir, reports, warnings };
}

/** A fresh temporary directory and its removal. */
export function temporaryDirectory(prefix: string): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), `wirepack-${prefix}-`));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}
