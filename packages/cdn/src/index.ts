// Public API of @wirepack/cdn. Named exports only, grouped by concern; the export list is snapshotted by
// index.test.ts so additions and removals are deliberate.

export { isTransientAwsError } from './aws-errors.ts';
export { type ChangeSet, diffManifests, indexAliases, type PlanWarning } from './change-set.ts';
// Deploying to S3 + CloudFront (docs/deploy.md): objects and headers per phase, the encoding function, pruning.
export { cloudFrontEncodingFunction, ENCODED_VARY } from './cloudfront-encoding-function.ts';
export {
  CLOUDFRONT_CAPABILITIES,
  cloudFrontCacheKey,
  cloudFrontCallerReference,
  cloudFrontProfile,
  cloudFrontTarget,
  renderCloudFrontPath,
} from './cloudfront-profile.ts';
export {
  CLOUDFRONT_PROVIDER_DEFAULTS,
  type CloudFrontProviderOptions,
  createCloudFrontProvider,
} from './cloudfront-provider.ts';
export { type CollapseInput, type CollapseResult, collapseTargets } from './collapse.ts';
export { type CostEstimate, estimateCost } from './cost.ts';
// Errors.
export { CDN_ERROR_CODES, CdnError, type CdnErrorCode, isCdnError } from './errors.ts';
export { EXIT_CODES, exitCodeFor } from './exit-codes.ts';
// Deploy: plan and submit in one call (what `wirepack invalidate` runs).
export { INVALIDATE_DEFAULTS, type InvalidateOptions, invalidate } from './invalidate.ts';
// Manifests.
export { createManifest, type DeployedFile, EMPTY_MANIFEST, type Manifest } from './manifest.ts';
export { MANIFEST_LIMITS, normalizeUrlPath, readManifest } from './manifest-reader.ts';
export { LOAD_MANIFEST_DEFAULTS, type LoadManifestOptions, loadManifest } from './manifest-source.ts';
// Planning (pure, provider-neutral).
export {
  type DistributionPlan,
  type InvalidationPlan,
  newRunId,
  PLAN_DEFAULTS,
  type PlannedBatch,
  type PlanOptions,
  planInvalidation,
} from './plan.ts';
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
} from './provider.ts';
export type { BatchReport, DistributionReport, InvalidationReport } from './report.ts';
export {
  type BucketObject,
  keysToPrune,
  type PruneOptions,
  planS3Upload,
  S3_DEPLOY_DEFAULTS,
  S3_ENCODED_SUFFIXES,
  S3_UPLOAD_PHASES,
  type S3DeployOptions,
  type S3Object,
  type S3UploadPhase,
} from './s3-deploy.ts';
