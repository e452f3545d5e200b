import type { Plugin } from 'vite';
import { formatReport, REPORT_LARGEST_FILES, type WirepackReport } from '../report.ts';
import { type EnvironmentRun, postCloseBundle, type WirepackState } from './state.ts';

/**
 * `wirepack:report`: the last step of each environment's build: prints the report through Vite's
 * logger (`report` option), hands it to `onReport`, and forgets the run.
 */
export function reportPlugin(state: WirepackState): Plugin {
  return {
    name: 'wirepack:report',
    apply: 'build',
    applyToEnvironment: (environment) => state.appliesTo(environment),
    closeBundle: postCloseBundle(state, async (run) => {
      state.runs.delete(run.environment);
      const report = buildReport(run);
      if (state.options.report) for (const line of formatReport(report)) run.logger.info(line);
      state.options.onReport?.(report);
    }),
  };
}

function buildReport(run: EnvironmentRun): WirepackReport {
  const outcome = run.outcome;
  const records = outcome?.records ?? [];
  return {
    environment: run.environment,
    outDir: run.outDir,
    files: records.length,
    bytes: records.reduce((sum, record) => sum + record.size, 0),
    compressible: outcome?.compressible ?? { files: 0, bytes: 0 },
    encodings: outcome?.encodings ?? {},
    skipped: outcome?.skipped ?? { notCompressible: 0, belowThreshold: 0, filtered: 0, notSmaller: 0 },
    cache: {
      enabled: run.cacheDir !== null,
      dir: run.cacheDir,
      hits: outcome?.cache.hits ?? 0,
      misses: outcome?.cache.misses ?? 0,
      corrupt: outcome?.cache.corrupt ?? 0,
      writeErrors: outcome?.cache.writeErrors ?? 0,
      evicted: run.evicted,
    },
    largest: records
      .filter((record) => Object.keys(record.encodings).length > 0)
      .sort((a, b) => b.size - a.size || (a.file < b.file ? -1 : 1))
      .slice(0, REPORT_LARGEST_FILES)
      .map((record) => ({
        file: record.file,
        size: record.size,
        encodings: Object.fromEntries(
          Object.entries(record.encodings).map(([encoding, sibling]) => [encoding, sibling.size]),
        ),
      })),
    compressed: outcome?.compressed ?? [],
    early: outcome?.early ?? 0,
    sri: { ...run.sri },
    manifest: run.manifestPath,
    workers: outcome?.workers ?? 0,
    durationMs: Math.round(run.elapsedMs),
  };
}
