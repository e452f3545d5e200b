// Public API of @wirepack/cdn. Named exports only, grouped by concern; the export list is snapshotted by
// index.test.ts so additions and removals are deliberate.

export { EXIT_CODES, exitCodeFor } from './cli/exit-codes.ts';
// Errors.
export { CDN_ERROR_CODES, CdnError, type CdnErrorCode, isCdnError } from './errors.ts';
// Deploy: plan and submit in one call (what `wirepack invalidate` runs).
export { INVALIDATE_DEFAULTS, type InvalidateOptions, invalidate } from './invalidate.ts';
// Manifests.
export { createManifest, type DeployedFile, EMPTY_MANIFEST, type Manifest } from './manifest/manifest.ts';
export { MANIFEST_LIMITS, normalizeUrlPath, readManifest } from './manifest/manifest-reader.ts';
export {
  LOAD_MANIFEST_DEFAULTS,
  type LoadManifestOptions,
  loadManifest,
} from './manifest/manifest-source.ts';
export { type ChangeSet, diffManifests, indexAliases, type PlanWarning } from './plan/change-set.ts';
export { type CollapseInput, type CollapseResult, collapseTargets } from './plan/collapse.ts';
export { type CostEstimate, estimateCost } from './plan/cost.ts';
// Planning (pure, provider-neutral).
export {
  type DistributionPlan,
  type InvalidationPlan,
  newRunId,
  PLAN_DEFAULTS,
  type PlannedBatch,
  type PlanOptions,
  planInvalidation,
} from './plan/plan.ts';
export { isTransientAwsError } from './providers/cloudfront/aws-errors.ts';
export {
  CLOUDFRONT_CAPABILITIES,
  cloudFrontCacheKey,
  cloudFrontCallerReference,
  cloudFrontProfile,
  cloudFrontTarget,
  renderCloudFrontPath,
} from './providers/cloudfront/cloudfront-profile.ts';
export {
  CLOUDFRONT_PROVIDER_DEFAULTS,
  type CloudFrontProviderOptions,
  createCloudFrontProvider,
} from './providers/cloudfront/cloudfront-provider.ts';
// Providers.
export type {
  CdnEvent,
  IdempotencyInput,
  InvalidationProvider,
  PlanTarget,
  ProviderCallContext,
  ProviderCapabilities,
  ProviderProfile,
  SubmitRequest,
  SubmitResult,
} from './providers/provider.ts';
export type { BatchReport, DistributionReport, InvalidationReport } from './report.ts';
