import type { ResolvedConfig } from 'vite';
import { cacheWarning, ensureCacheDir, resolveCacheDir } from '../cache-dir.js';
import type { EarlyOutcome, EarlyPrecompression } from '../early-precompress.js';
import { WirepackPluginError } from '../errors.js';
import type { BundleItem, FileNameOptions } from '../hashed-names.js';
import { manifestPathFor } from '../manifest-path.js';
import type { ResolvedOptions } from '../options.js';
import { outputExclusions } from '../output-exclusions.js';
import {
  appliesToEnvironment,
  createEnvironmentRun,
  type EnvironmentLike,
  type EnvironmentRun,
  recordHashedNames,
  type StepContext,
} from './environment-run.js';

export type { EnvironmentLike, EnvironmentRun, StepContext } from './environment-run.js';
export { postCloseBundle } from './post-close-bundle.js';

/**
 * What the sub-plugins of one `wirepack()` call share: the resolved options, the runs in progress keyed
 * by environment name (one plugin instance may serve several environments when plugins are shared across
 * a `vite build --app`), the early passes, and a few questions answered from Vite's resolved config.
 * Made by {@link createWirepackState}; what only it needs (the config, which environment owns which
 * manifest path, whether the cache warning was given) stays in its closure.
 */
export interface WirepackState {
  readonly options: ResolvedOptions;
  readonly runs: Map<string, EnvironmentRun>;
  /** Early passes running while environments bundle, by environment name. */
  readonly early: Map<string, EarlyPrecompression>;
  /** What each environment's early pass did, once stopped. */
  readonly earlyOutcomes: Map<string, EarlyOutcome>;
  /** Keeps Vite's resolved config (from `configResolved`). */
  useConfig(config: ResolvedConfig): void;
  /** Client environments by default; the ones named in `environments` otherwise. */
  appliesTo(environment: { readonly name: string; readonly config: { readonly consumer: string } }): boolean;
  /** The manifest's absolute path for this run, or `undefined` for none. */
  manifestPath(run: Pick<EnvironmentRun, 'outDir'>): string | undefined;
  /**
   * `manifestPath` for the writer, claimed by this environment: two environments writing one `outFile`
   * would each replace the other's manifest, so the second fails the build (MANIFEST_PATH_CONFLICT).
   */
  claimManifestPath(run: Pick<EnvironmentRun, 'outDir' | 'environment'>): string | undefined;
  /** The paths the output walk leaves out (the manifest inside the output directory); see output-exclusions.ts. */
  outputExclusions(run: EnvironmentRun): Promise<Set<string>>;
  /** Records what a `writeBundle` wrote (called once per output of the environment). */
  recordBundle(
    environment: EnvironmentLike,
    outputOptions: FileNameOptions & { readonly dir?: string | undefined },
    bundle: Readonly<Record<string, BundleItem>>,
  ): void;
  /**
   * The cache directory for this build, created if needed; `null` when the cache is off or cannot be
   * created (then a warning, once, and the build goes on compressing everything).
   */
  cacheDirFor(context: StepContext): string | null;
  /** Warns about an unusable cache once per plugin instance; the build carries on without it. */
  warnCache(context: StepContext, problem: string): void;
}

/** The shared state of one `wirepack()` call, over its resolved options. */
export function createWirepackState(options: ResolvedOptions): WirepackState {
  let config: ResolvedConfig | undefined;
  /** Which environment wrote each manifest path. */
  const manifestOwners = new Map<string, string>();
  let cacheWarned = false;
  const runs = new Map<string, EnvironmentRun>();

  const manifestPath = (run: Pick<EnvironmentRun, 'outDir'>): string | undefined =>
    manifestPathFor(options.manifest, run.outDir, config?.root ?? process.cwd());
  const warnCache = (context: StepContext, problem: string): void => {
    if (cacheWarned) return;
    cacheWarned = true;
    context.warn(cacheWarning(problem));
  };

  return {
    options,
    runs,
    early: new Map(),
    earlyOutcomes: new Map(),
    useConfig(resolved) {
      config = resolved;
    },
    appliesTo: (environment) => appliesToEnvironment(options.environments, environment),
    manifestPath,
    claimManifestPath(run) {
      const path = manifestPath(run);
      if (path === undefined) return undefined;
      const owner = manifestOwners.get(path);
      if (owner !== undefined && owner !== run.environment) {
        throw new WirepackPluginError(
          'MANIFEST_PATH_CONFLICT',
          `environments ${owner} and ${run.environment} both write their manifest to ${path}: ` +
            'give the plugin one environment per instance, or a manifest path inside each output directory',
        );
      }
      manifestOwners.set(path, run.environment);
      return path;
    },
    outputExclusions: (run) => outputExclusions(run.outDir, manifestPath(run)),
    recordBundle(environment, outputOptions, bundle) {
      let run = runs.get(environment.name);
      if (run === undefined) {
        run = createEnvironmentRun(environment, outputOptions);
        runs.set(environment.name, run);
      }
      recordHashedNames(run, outputOptions, bundle);
    },
    cacheDirFor(context) {
      if (config === undefined) return null;
      const dir = resolveCacheDir(options.cache, config);
      if (dir === null) return null;
      const created = ensureCacheDir(dir);
      if (created.ok) return dir;
      warnCache(context, created.problem);
      return null;
    },
    warnCache,
  };
}
