import { mkdirSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { Logger, ResolvedConfig } from 'vite';
import type { EarlyOutcome, EarlyPrecompression } from '../early-precompress.js';
import { type BundleItem, type FileNameOptions, hashedFileNames } from '../hashed-names.js';
import type { ResolvedOptions } from '../options.js';
import type { PrecompressOutcome } from '../precompress.js';

/** One environment's build, from `writeBundle` to the report. */
export interface EnvironmentRun {
  readonly environment: string;
  readonly outDir: string;
  readonly base: string;
  readonly logger: Logger;
  /** Bundle file names that carry a content hash. */
  readonly hashed: Set<string>;
  /** Time spent in the plugin's post-write steps so far. */
  elapsedMs: number;
  sri: { htmlFiles: number; tags: number; skipped: number };
  outcome: PrecompressOutcome | undefined;
  cacheDir: string | null;
  evicted: number;
  manifestPath: string | null;
}

/** The minimum of an environment the plugin reads (Vite 7 and 8 agree on it). */
export interface EnvironmentLike {
  readonly name: string;
  readonly config: {
    readonly consumer: 'client' | 'server';
    readonly root: string;
    readonly base: string;
    /** Absolute, or `''` when there is none. */
    readonly publicDir: string;
    readonly build: { readonly outDir: string; readonly copyPublicDir: boolean; readonly write: boolean };
  };
  readonly logger: Logger;
}

/**
 * What a step may report through: the plugin context of the hook (`this.warn`, `this.error`), so
 * warnings reach `build.rollupOptions.onwarn` / `onLog` like any plugin's, named after the step.
 */
export interface StepContext {
  warn(message: string): void;
  error(message: string): never;
}

/**
 * State shared by the sub-plugins of one `wirepack()` call: the resolved options, Vite's config,
 * and the runs in progress keyed by environment name (one plugin instance may serve several
 * environments when plugins are shared across a `vite build --app`).
 */
export class WirepackState {
  readonly options: ResolvedOptions;
  config: ResolvedConfig | undefined;
  readonly runs: Map<string, EnvironmentRun> = new Map();
  /** Early passes running while environments bundle, by environment name. */
  readonly early: Map<string, EarlyPrecompression> = new Map();
  /** What each environment's early pass did, once stopped. */
  readonly earlyOutcomes: Map<string, EarlyOutcome> = new Map();
  /** Which environment wrote each manifest path (see `claimManifestPath`). */
  private readonly manifestOwners: Map<string, string> = new Map();
  private cacheWarned = false;

  constructor(options: ResolvedOptions) {
    this.options = options;
  }

  /** Client environments by default; the ones named in `environments` otherwise. */
  appliesTo(environment: { readonly name: string; readonly config: { readonly consumer: string } }): boolean {
    const names = this.options.environments;
    return names === undefined ? environment.config.consumer === 'client' : names.includes(environment.name);
  }

  /**
   * The manifest's absolute path for this run, or `undefined` for none: inside the output
   * directory (the `manifest` string), or the `manifest.outFile` resolved from Vite's `root`.
   */
  manifestPath(run: Pick<EnvironmentRun, 'outDir'>): string | undefined {
    const manifest = this.options.manifest;
    if (manifest === false) return undefined;
    if ('inOutDir' in manifest) return join(run.outDir, manifest.inOutDir);
    return resolve(this.config?.root ?? process.cwd(), manifest.outFile);
  }

  /**
   * `manifestPath` for the writer, claimed by this environment: two environments writing one
   * `outFile` would each replace the other's manifest, so the second fails the build instead.
   */
  claimManifestPath(run: Pick<EnvironmentRun, 'outDir' | 'environment'>): string | undefined {
    const path = this.manifestPath(run);
    if (path === undefined) return undefined;
    const owner = this.manifestOwners.get(path);
    if (owner !== undefined && owner !== run.environment) {
      throw new Error(
        `[wirepack/vite-plugin] environments ${owner} and ${run.environment} both write their manifest to ${path}: ` +
          'give the plugin one environment per instance, or a manifest path inside each output directory',
      );
    }
    this.manifestOwners.set(path, run.environment);
    return path;
  }

  /**
   * The paths the output walk leaves out: the manifest, when it lies inside the output directory.
   * Fails if a file other than an earlier manifest sits at the manifest path, so a misconfigured
   * `manifest` never overwrites an output.
   */
  async outputExclusions(run: EnvironmentRun): Promise<Set<string>> {
    const path = this.manifestPath(run);
    if (path === undefined) return new Set();
    const file = relative(run.outDir, path).split(sep).join('/');
    if (file === '' || file.startsWith('../') || file === '..' || isAbsolute(file)) return new Set();
    let head = '';
    try {
      const handle = await open(path, 'r');
      try {
        const buffer = Buffer.alloc(256);
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
        head = buffer.subarray(0, bytesRead).toString('utf8');
      } finally {
        await handle.close();
      }
    } catch {
      // Nothing there yet (the usual case): the manifest path is free.
      return new Set([file]);
    }
    if (!head.includes('"generator": "@wirepack/vite-plugin"')) {
      throw new Error(
        `[wirepack/vite-plugin] option \`manifest\` points at ${file}, which this build wrote as an output file: ` +
          'choose a path no output uses (the default is .wirepack/manifest.json)',
      );
    }
    return new Set([file]);
  }

  /** Records what a `writeBundle` wrote (called once per output of the environment). */
  recordBundle(
    environment: EnvironmentLike,
    outputOptions: FileNameOptions & { readonly dir?: string | undefined },
    bundle: Readonly<Record<string, BundleItem>>,
  ): void {
    let run = this.runs.get(environment.name);
    if (run === undefined) {
      const { root, build, base } = environment.config;
      const outDir =
        outputOptions.dir === undefined ? resolve(root, build.outDir) : resolve(root, outputOptions.dir);
      run = {
        environment: environment.name,
        outDir,
        base,
        logger: environment.logger,
        hashed: new Set(),
        elapsedMs: 0,
        sri: { htmlFiles: 0, tags: 0, skipped: 0 },
        outcome: undefined,
        cacheDir: null,
        evicted: 0,
        manifestPath: null,
      };
      this.runs.set(environment.name, run);
    }
    for (const name of hashedFileNames(outputOptions, bundle)) run.hashed.add(name);
  }

  /**
   * The cache directory for this build, created if needed; `null` when the cache is off or cannot
   * be created (then a warning, once, and the build goes on compressing everything).
   */
  cacheDirFor(context: StepContext): string | null {
    const cache = this.options.cache;
    if (cache === false || this.config === undefined) return null;
    const dir =
      cache.dir === undefined
        ? join(this.config.cacheDir, 'wirepack')
        : isAbsolute(cache.dir)
          ? cache.dir
          : resolve(this.config.root, cache.dir);
    try {
      mkdirSync(dir, { recursive: true });
      return dir;
    } catch (error) {
      this.warnCache(context, `cannot create the cache directory ${dir} (${(error as Error).message})`);
      return null;
    }
  }

  /** Warns about an unusable cache once per plugin instance; the build carries on without it. */
  warnCache(context: StepContext, problem: string): void {
    if (this.cacheWarned) return;
    this.cacheWarned = true;
    context.warn(
      `[wirepack/vite-plugin] compression cache: ${problem}. Building without it; set \`cache.dir\` to a writable ` +
        'directory, or `cache: false` to silence this.',
    );
  }
}

/**
 * A `closeBundle` that runs after every other plugin's (`order: 'post'`), one after another
 * (`sequential`: Rollup runs `closeBundle` in parallel otherwise; Rolldown runs them in sequence),
 * and only for runs whose bundle was written without error.
 */
export function postCloseBundle(
  state: WirepackState,
  step: (run: EnvironmentRun, context: StepContext) => Promise<void>,
): {
  order: 'post';
  sequential: true;
  handler: (this: StepContext & { environment: EnvironmentLike }, error?: Error) => Promise<void>;
} {
  return {
    order: 'post',
    sequential: true,
    async handler(error) {
      const run = state.runs.get(this.environment.name);
      if (run === undefined) return;
      if (error !== undefined) {
        state.runs.delete(run.environment);
        return;
      }
      const started = performance.now();
      try {
        await step(run, this);
      } catch (failure) {
        state.runs.delete(run.environment);
        throw failure;
      } finally {
        run.elapsedMs += performance.now() - started;
      }
    },
  };
}
