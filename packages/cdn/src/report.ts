// The outcome of a run, as `invalidate` returns it and `wirepack invalidate --json` prints it.

import type { CdnErrorCode } from './errors.ts';
import type { PlanWarning } from './plan/change-set.ts';
import type { CostEstimate } from './plan/cost.ts';

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
