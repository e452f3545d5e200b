// The outcome of a run, as `invalidate` returns it and `wirepack invalidate --json` prints it: its types,
// and the two pure steps that build it (the rows as planned, then the whole report).

import { EXIT_CODES, exitCodeFor } from './cli/exit-codes.ts';
import type { CdnErrorCode } from './errors.ts';
import type { Manifest } from './manifest/manifest.ts';
import { redactUrl } from './manifest/manifest-source.ts';
import type { PlanWarning } from './plan/change-set.ts';
import type { CostEstimate } from './plan/cost.ts';
import type { InvalidationPlan } from './plan/plan.ts';

/** One batch in a report. */
export interface BatchReport {
  /** Position, from 0. */
  readonly index: number;
  /** CloudFront `CallerReference` actually used (or planned). */
  readonly callerReference: string | null;
  /** Paths of the batch. */
  readonly paths: readonly string[];
  /** Id assigned by the CDN; `null` when not submitted. */
  readonly invalidationId: string | null;
  /** `planned` (dry run), `not-sent`, `InProgress`, `Completed`, or `failed`. */
  readonly status: string;
}

/** One distribution in a report. */
export interface DistributionReport {
  /** Distribution id. */
  readonly id: string;
  /**
   * `planned` (dry run), `nothing-to-do`, `submitted` (not waited for), `completed`, `not-confirmed`
   * (the wait ended first), or `failed`.
   */
  readonly status: 'planned' | 'nothing-to-do' | 'submitted' | 'completed' | 'not-confirmed' | 'failed';
  /** Paths submitted (or planned). */
  readonly paths: readonly string[];
  /** Batches in submission order. */
  readonly batches: readonly BatchReport[];
  /** Estimated cost of this distribution's paths. */
  readonly cost: CostEstimate;
  /** Why it failed, when it did. */
  readonly error: { readonly code: CdnErrorCode; readonly message: string } | null;
}

/** The outcome of `invalidate`; the CLI's `--json` prints exactly this. */
export interface InvalidationReport {
  /** Version of this report's shape. */
  readonly reportVersion: 1;
  /** True when every distribution succeeded (and, with `strict`, was confirmed). */
  readonly ok: boolean;
  /** The CLI's exit code for this outcome. */
  readonly exitCode: number;
  /** True for a dry run (nothing was called). */
  readonly dryRun: boolean;
  /** The run id in the caller references; pass it as `runId` / `--run-id` only to retry this run. */
  readonly runId: string;
  /** Provider name. */
  readonly provider: string;
  /** The new manifest. */
  readonly manifest: { readonly source: string | null; readonly digest: string; readonly files: number };
  /** The previous manifest, `null` on a first deploy. */
  readonly previous: {
    readonly source: string | null;
    readonly digest: string;
    readonly files: number;
  } | null;
  /** How many files were added, modified, deleted, unchanged, and how many URL paths are stale. */
  readonly changes: {
    readonly added: number;
    readonly modified: number;
    readonly deleted: number;
    readonly unchanged: number;
    readonly stalePaths: number;
  };
  /** Plan warnings (an immutable file whose bytes changed). */
  readonly warnings: readonly PlanWarning[];
  /** The paths submitted to each distribution. */
  readonly plan: {
    readonly paths: readonly string[];
    readonly wildcards: number;
    readonly collapsed: boolean;
    readonly needlesslyEvicted: number;
    readonly maxPaths: number;
  };
  /** Estimated cost of the whole run (one free tier per account). */
  readonly cost: CostEstimate;
  /** Per distribution: paths, batches, invalidation ids, statuses and cost. */
  readonly distributions: readonly DistributionReport[];
}

/** One report row per distribution as planned, before anything is sent (submitAll and waitAll fill them in). */
export function plannedReports(plan: InvalidationPlan, dryRun: boolean): DistributionReport[] {
  return plan.distributions.map((d) => ({
    id: d.distributionId,
    status: dryRun ? 'planned' : d.batches.length === 0 ? 'nothing-to-do' : 'submitted',
    paths: plan.paths,
    batches: d.batches.map((b) => ({
      index: b.index,
      callerReference: b.callerReference ?? null,
      paths: b.paths,
      invalidationId: null,
      status: dryRun ? 'planned' : 'not-sent',
    })),
    cost: d.cost,
    error: null,
  }));
}

/** The JSON report of a run: what was loaded, planned and done, and the exit code its failures call for. */
export function assembleReport(run: {
  /** Where the manifests came from (a URL or path, redacted in the report), or the manifests passed in. */
  readonly options: {
    readonly manifest: string | Manifest;
    readonly previous?: string | Manifest | undefined;
  };
  readonly plan: InvalidationPlan;
  readonly next: Manifest;
  readonly previous: Manifest | undefined;
  readonly dryRun: boolean;
  readonly maxPaths: number;
  readonly results: DistributionReport[];
}): InvalidationReport {
  const { options, plan, next, previous, dryRun, maxPaths, results } = run;
  const describe = (source: string | Manifest | undefined, manifest: Manifest) => ({
    source: typeof source === 'string' ? redactUrl(source) : null,
    digest: manifest.digest,
    files: manifest.files.size,
  });
  const failures = results.filter((r) => r.error !== null);
  const exitCode =
    failures.length === 0 ? EXIT_CODES.ok : Math.min(...failures.map((r) => exitCodeFor(r.error!.code)));
  return {
    reportVersion: 1,
    ok: failures.length === 0,
    exitCode,
    dryRun,
    runId: plan.runId,
    provider: plan.provider,
    manifest: describe(options.manifest, next),
    previous: previous === undefined ? null : describe(options.previous, previous),
    changes: {
      added: plan.changes.added.length,
      modified: plan.changes.modified.length,
      deleted: plan.changes.deleted.length,
      unchanged: plan.changes.unchanged.length,
      stalePaths: plan.changes.stale.length,
    },
    warnings: plan.changes.warnings,
    plan: {
      paths: plan.paths,
      wildcards: plan.wildcards,
      collapsed: plan.collapsed,
      needlesslyEvicted: plan.needlesslyEvicted,
      maxPaths,
    },
    cost: plan.cost,
    distributions: results,
  };
}
