import { resolve } from 'node:path';
import type { Logger } from 'vite';
import { type BundleItem, type FileNameOptions, hashedFileNames } from '../hashed-names.js';
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

/** Client environments by default; the ones named in `environments` otherwise. Pure. */
export function appliesToEnvironment(
  names: readonly string[] | undefined,
  environment: { readonly name: string; readonly config: { readonly consumer: string } },
): boolean {
  return names === undefined ? environment.config.consumer === 'client' : names.includes(environment.name);
}

/** A new run for an environment's first `writeBundle`: its output directory from the output options. Pure. */
export function createEnvironmentRun(
  environment: EnvironmentLike,
  outputOptions: { readonly dir?: string | undefined },
): EnvironmentRun {
  const { root, build, base } = environment.config;
  return {
    environment: environment.name,
    outDir: resolve(root, outputOptions.dir ?? build.outDir),
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
}

/** Adds the hashed names of one output's bundle to the run (an environment may write several outputs). */
export function recordHashedNames(
  run: EnvironmentRun,
  outputOptions: FileNameOptions,
  bundle: Readonly<Record<string, BundleItem>>,
): void {
  for (const name of hashedFileNames(outputOptions, bundle)) run.hashed.add(name);
}
