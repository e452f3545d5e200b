import { CdnError } from './errors.ts';
import { EMPTY_MANIFEST, type Manifest } from './manifest/manifest.ts';
import { DEFAULT_LOAD_MANIFEST_OPTIONS, loadManifest } from './manifest/manifest-source.ts';
import { DEFAULT_PLAN_OPTIONS, type InvalidationPlan, planInvalidation } from './plan/plan.ts';
import { cloudFrontProfile } from './providers/cloudfront/cloudfront-profile.ts';
import {
  type CloudFrontProviderOptions,
  createCloudFrontProvider,
} from './providers/cloudfront/cloudfront-provider.ts';
import type { CdnEvent, InvalidationProvider, ProviderProfile } from './providers/provider.ts';
import {
  assembleReport,
  type BatchReport,
  type DistributionReport,
  type InvalidationReport,
  plannedReports,
} from './report.ts';

/** Options of {@link invalidate}. */
export interface InvalidateOptions {
  /** The new build's manifest: a file path, an https URL, or a loaded {@link Manifest}. */
  readonly manifest: string | Manifest;
  /** The deployed manifest (file, https URL or loaded); absent on a first deploy. */
  readonly previous?: string | Manifest | undefined;
  /** Distribution ids to invalidate, one after another. */
  readonly distributions: readonly string[];
  /** Plan and report without loading the SDK or calling anything. @default false */
  readonly dryRun?: boolean | undefined;
  /** Seconds to wait for the invalidations to complete; 0 or absent: do not wait. @default 0 */
  readonly waitSeconds?: number | undefined;
  /** Fail (exit code 6) when a wait ends before completion is confirmed. @default false */
  readonly strict?: boolean | undefined;
  /** Paths per distribution above which paths collapse into wildcards. @default 100 */
  readonly maxPaths?: number | undefined;
  /** Paths per request (smaller batches). @default the provider's maximum (3,000 on CloudFront) */
  readonly maxPathsPerBatch?: number | undefined;
  /** Free invalidation paths the account already used this month, for the cost estimate. @default 0 */
  readonly freePathsUsed?: number | undefined;
  /**
   * Set only to retry a run that failed part-way (its report's `runId`): its batches keep their caller
   * references, so those already submitted are not submitted (nor billed) twice. Never reuse a run id for
   * another deploy: CloudFront would hand back that run's invalidations and invalidate nothing.
   * @default a new random id per call
   */
  readonly runId?: string | undefined;
  /** The provider; dry runs need only a profile. @default CloudFront, from the standard AWS chain */
  readonly provider?: InvalidationProvider | undefined;
  /** Options of the default CloudFront provider. */
  readonly cloudFront?: CloudFrontProviderOptions | undefined;
  /** Timeout of fetching a manifest URL, in milliseconds. @default 15000 */
  readonly fetchTimeoutMs?: number | undefined;
  /** Fetch implementation for manifest URLs. @default globalThis.fetch */
  readonly fetch?: typeof globalThis.fetch | undefined;
  /** Receives progress notes (retries, waits). */
  readonly onEvent?: ((event: CdnEvent) => void) | undefined;
}

/** Defaults of {@link InvalidateOptions}. */
export const DEFAULT_INVALIDATE_OPTIONS: Readonly<{
  dryRun: boolean;
  waitSeconds: number;
  strict: boolean;
  maxPaths: number;
  fetchTimeoutMs: number;
}> = Object.freeze({
  dryRun: false,
  waitSeconds: 0,
  strict: false,
  maxPaths: DEFAULT_PLAN_OPTIONS.maxPaths,
  fetchTimeoutMs: DEFAULT_LOAD_MANIFEST_OPTIONS.timeoutMs,
});

const ID_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;
/** Distributions one run may target (each costs API calls and paths). */
const MAX_DISTRIBUTIONS = 100;

/**
 * Plans and submits an invalidation for each distribution: the programmatic form of
 * `wirepack invalidate`. Rejects (with a {@link CdnError}) only when nothing could be planned (a bad
 * manifest or option); failures of one distribution are reported in it and do not stop the others.
 *
 * @example
 * const report = await invalidate({
 *   manifest: 'dist/.wirepack/manifest.json',
 *   previous: 'https://www.example.com/.wirepack/manifest.json',
 *   distributions: ['E2QWRUHAPOMQZL'],
 *   waitSeconds: 300,
 * });
 * if (!report.ok) process.exitCode = report.exitCode;
 */
export async function invalidate(options: InvalidateOptions): Promise<InvalidationReport> {
  const distributions = checkDistributions(options.distributions);
  const dryRun = options.dryRun ?? DEFAULT_INVALIDATE_OPTIONS.dryRun;
  const strict = options.strict ?? DEFAULT_INVALIDATE_OPTIONS.strict;
  const waitSeconds = options.waitSeconds ?? DEFAULT_INVALIDATE_OPTIONS.waitSeconds;
  if (!Number.isFinite(waitSeconds) || waitSeconds < 0) {
    throw new CdnError('USAGE', `waitSeconds must be a non-negative number, got ${String(waitSeconds)}`);
  }
  const load = async (source: string | Manifest, role: 'manifest' | 'previous'): Promise<Manifest> =>
    typeof source === 'string'
      ? loadManifest(source, {
          role,
          timeoutMs: options.fetchTimeoutMs ?? DEFAULT_INVALIDATE_OPTIONS.fetchTimeoutMs,
          fetch: options.fetch,
        })
      : source;
  const next = await load(options.manifest, 'manifest');
  const previous = options.previous === undefined ? undefined : await load(options.previous, 'previous');
  const profile: ProviderProfile = options.provider ?? cloudFrontProfile;
  const maxPaths = options.maxPaths ?? DEFAULT_INVALIDATE_OPTIONS.maxPaths;
  let plan: InvalidationPlan;
  try {
    plan = planInvalidation({
      previous: previous ?? EMPTY_MANIFEST,
      next,
      profile,
      maxPaths,
      maxPathsPerBatch: options.maxPathsPerBatch,
      distributionIds: distributions,
      freePathsUsed: options.freePathsUsed,
      runId: options.runId,
    });
  } catch (error) {
    if (error instanceof TypeError) throw new CdnError('USAGE', error.message, { cause: error });
    throw error;
  }

  const results = plannedReports(plan, dryRun);

  const needsCalls = !dryRun && plan.paths.length > 0;
  if (needsCalls) {
    const provider = options.provider ?? (await createCloudFrontProvider(options.cloudFront));
    try {
      await submitAll(provider, results, options.onEvent);
      if (waitSeconds > 0) await waitAll(provider, results, waitSeconds, strict, options.onEvent);
    } finally {
      if (options.provider === undefined) provider.close?.();
    }
  }

  return assembleReport({ options, plan, next, previous, dryRun, maxPaths, results });
}

/** The distribution ids of a run, deduplicated and checked (USAGE errors). */
function checkDistributions(ids: readonly string[]): string[] {
  const distributions = [...new Set(ids)];
  if (distributions.length === 0) throw new CdnError('USAGE', 'at least one distribution id is required');
  if (distributions.length > MAX_DISTRIBUTIONS) {
    throw new CdnError(
      'USAGE',
      `at most ${MAX_DISTRIBUTIONS} distributions per run, got ${distributions.length}`,
    );
  }
  for (const id of distributions) {
    if (!ID_PATTERN.test(id)) throw new CdnError('USAGE', `invalid distribution id ${JSON.stringify(id)}`);
  }
  return distributions;
}

type Mutable<TValue> = { -readonly [TKey in keyof TValue]: TValue[TKey] };

async function submitAll(
  provider: InvalidationProvider,
  results: DistributionReport[],
  onEvent: InvalidateOptions['onEvent'],
): Promise<void> {
  for (const result of results as Mutable<DistributionReport>[]) {
    const batches = result.batches as Mutable<BatchReport>[];
    for (const batch of batches) {
      try {
        const submitted = await provider.submit(
          {
            distributionId: result.id,
            paths: batch.paths,
            callerReference: batch.callerReference ?? undefined,
          },
          { onEvent },
        );
        batch.invalidationId = submitted.id;
        batch.status = submitted.status;
        batch.callerReference = submitted.callerReference ?? null;
        onEvent?.({
          type: 'submitted',
          distributionId: result.id,
          message: `batch ${batch.index + 1}/${batches.length}: ${batch.paths.length} paths, invalidation ${submitted.id} (${submitted.status})`,
        });
      } catch (error) {
        const cdnError =
          error instanceof CdnError
            ? error
            : new CdnError(
                'PROVIDER_REJECTED',
                `${provider.name} submit for ${result.id} failed: ${(error as Error)?.message}`,
                {
                  cause: error,
                },
              );
        batch.status = 'failed';
        result.status = 'failed';
        result.error = { code: cdnError.code, message: cdnError.message };
        break;
      }
    }
  }
}

async function waitAll(
  provider: InvalidationProvider,
  results: DistributionReport[],
  waitSeconds: number,
  strict: boolean,
  onEvent: InvalidateOptions['onEvent'],
): Promise<void> {
  const deadline = Date.now() + waitSeconds * 1000;
  for (const result of results as Mutable<DistributionReport>[]) {
    if (result.status !== 'submitted') continue;
    const batches = result.batches as Mutable<BatchReport>[];
    const ids = batches.map((b) => b.invalidationId).filter((id): id is string => id !== null);
    if (provider.waitForCompletion === undefined || ids.length === 0) {
      result.status = 'completed';
      continue;
    }
    try {
      const statuses = await provider.waitForCompletion(result.id, ids, {
        timeoutMs: Math.max(0, deadline - Date.now()),
        onEvent,
      });
      for (const batch of batches) {
        if (batch.invalidationId !== null) batch.status = statuses.get(batch.invalidationId) ?? batch.status;
      }
      const done = batches.every((b) => b.status === 'Completed');
      result.status = done ? 'completed' : 'not-confirmed';
      if (!done && strict) {
        result.error = {
          code: 'NOT_CONFIRMED',
          message: `[wirepack/cdn] ${result.id}: submitted, not confirmed within ${waitSeconds} s (--strict)`,
        };
      }
    } catch (error) {
      // The invalidations were submitted; only the confirmation failed.
      result.status = 'not-confirmed';
      if (strict) {
        const message = error instanceof Error ? error.message : String(error);
        result.error = {
          code: 'NOT_CONFIRMED',
          message: `[wirepack/cdn] ${result.id}: submitted, confirmation failed: ${message}`,
        };
      }
    }
  }
}
