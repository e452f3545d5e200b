import { rm } from 'node:fs/promises';
import type { Plugin } from 'vite';
import { evictCache } from '../cache.js';
import { startEarlyPrecompression } from '../early-precompress.js';
import { precompressFiles } from '../precompress.js';
import { createProgressLine } from '../progress-line.js';
import { userSetReportCompressedSize } from '../report-compressed-size.js';
import { staleSiblings } from '../stale-siblings.js';
import { type OutputFile, walkOutDir } from '../walk-out-dir.js';
import {
  type EnvironmentLike,
  type EnvironmentRun,
  postCloseBundle,
  type StepContext,
  type WirepackState,
} from './state.js';

/** The worker module, beside this package's entry: `.ts` when running from source, `.js` when built. */
const WORKER_ENTRY = new URL(
  import.meta.url.endsWith('.ts') ? '../compress-worker.ts' : './compress-worker.js',
  import.meta.url,
);

/**
 * `wirepack:precompress`: starts compressing `public/` into the cache while Vite bundles
 * (`buildStart`, see early-precompress.ts), records what the bundler wrote (`writeBundle`), then,
 * after every other plugin has finished (`closeBundle`, post), fingerprints every file of the
 * output directory, `public/` copies included, and writes its compressed siblings through the cache.
 */
export function precompressPlugin(state: WirepackState): Plugin {
  const finalPass = postCloseBundle(state, (run, context) => precompress(state, run, context));
  return {
    name: 'wirepack:precompress',
    apply: 'build',
    applyToEnvironment: (environment) => state.appliesTo(environment),
    config(userConfig) {
      // Vite's size table gzips every chunk (and only to print it) before this plugin compresses
      // them again; the plugin's report lists the sizes it measured instead. A value the user set
      // (top level or per environment) is theirs to keep.
      if (userSetReportCompressedSize(userConfig)) return;
      return { build: { reportCompressedSize: false } };
    },
    configResolved(config) {
      state.useConfig(config);
      if (state.options.zstdUnavailable) {
        this.warn(
          `[wirepack/vite-plugin] zstd was requested but Node.js ${process.version} has no zstd in zlib ` +
            '(needs 22.15+ or 23.8+): writing brotli and gzip only.',
        );
      }
    },
    writeBundle: {
      order: 'post',
      handler(outputOptions, bundle) {
        state.recordBundle(this.environment, outputOptions, bundle);
      },
    },
    buildStart: {
      order: 'post',
      handler() {
        startEarly(state, this.environment, this);
      },
    },
    closeBundle: {
      ...finalPass,
      async handler(error) {
        // Stop the early pass first in every case (a failed build included): no worker outlives the build.
        const early = state.early.get(this.environment.name);
        if (early !== undefined) {
          state.early.delete(this.environment.name);
          state.earlyOutcomes.set(this.environment.name, await early.stop());
        }
        try {
          await finalPass.handler.call(this, error);
        } finally {
          state.earlyOutcomes.delete(this.environment.name);
        }
      },
    },
  };
}

/** Starts the early pass over `public/` when it can help: cache on, something to compress, a public/ to copy. */
function startEarly(state: WirepackState, environment: EnvironmentLike, context: StepContext): void {
  const { options } = state;
  const { publicDir, build } = environment.config;
  if (!options.early || options.codecs.length === 0 || !build.copyPublicDir || !publicDir) return;
  if (!build.write || state.early.has(environment.name)) return;
  const cacheDir = state.cacheDirFor(context);
  if (cacheDir === null) return;
  state.early.set(
    environment.name,
    startEarlyPrecompression({
      publicDir,
      codecs: options.codecs,
      threshold: options.threshold,
      cacheDir,
      concurrency: options.concurrency,
      workerEntry: WORKER_ENTRY,
    }),
  );
}

async function precompress(state: WirepackState, run: EnvironmentRun, context: StepContext): Promise<void> {
  const earlierSiblings: OutputFile[] = [];
  const files = await walkOutDir(run.outDir, await state.outputExclusions(run), earlierSiblings);
  run.cacheDir = state.cacheDirFor(context);
  const { options } = state;
  const progress = createProgressLine(run.environment);
  try {
    // A WirepackPluginError (an output file that vanished or changed) reaches Vite through this.error,
    // naming the file and the step (postCloseBundle).
    run.outcome = await precompressFiles(files, {
      codecs: options.codecs,
      threshold: options.threshold,
      ratio: options.ratio,
      select: options.select,
      filter: options.filter,
      onProgress: (done, total) => progress.update(done, total),
      cacheDir: run.cacheDir,
      hashed: run.hashed,
      concurrency: options.concurrency,
      workerEntry: WORKER_ENTRY,
      earlyKeys: state.earlyOutcomes.get(run.environment)?.keys ?? new Set(),
    });
  } finally {
    progress.end();
  }
  await Promise.all(
    staleSiblings(earlierSiblings, run.outcome.records).map((entry) => rm(entry.path, { force: true })),
  );
  if (run.outcome.cacheWriteError !== undefined) {
    state.warnCache(context, `cannot write entries under ${run.cacheDir} (${run.outcome.cacheWriteError})`);
  }
  const bad = run.outcome.badCacheEntries;
  if (bad !== undefined) {
    // Not `warnCache`: the cache stays in use, and this is worth saying on every build it happens.
    context.warn(
      `[wirepack/vite-plugin] compression cache: ${bad.count} ${bad.count === 1 ? 'entry was' : 'entries were'} ` +
        `not usable (${bad.first}); removed where possible and compressed again. Only wirepack should write ` +
        `under ${run.cacheDir}.`,
    );
  }
  if (run.cacheDir !== null && options.cache !== false) {
    run.evicted = evictCache(run.cacheDir, options.cache.maxSize).evicted;
  }
}
