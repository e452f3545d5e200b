// Public API of @wirepack/cdn: what a deploy script needs (invalidate, or plan and submit), the CloudFront
// provider, the provider contract for other CDNs, the report and error types. Named exports only, grouped
// by concern; planning internals (change set, collapse, cover solver) and the AWS error handling stay
// private. The export list is snapshotted by exports.test.ts so additions and removals are deliberate.

// --- Exit codes (the CLI's, and `report.exitCode`) ------------------------------------------
export { EXIT_CODES } from './cli/exit-codes.ts';
// --- Deploying to S3 + CloudFront (docs/deploy.md): objects and headers per phase, the encoding
// function, pruning old hashed assets ----------------------------------------------------------
export { cloudFrontEncodingFunction, ENCODED_VARY } from './deploy/cloudfront-encoding-function.ts';
export {
  type BucketObject,
  DEFAULT_S3_DEPLOY_OPTIONS,
  keysToPrune,
  type PruneOptions,
  planS3Upload,
  S3_ENCODED_SUFFIXES,
  S3_UPLOAD_PHASES,
  type S3DeployOptions,
  type S3Object,
  type S3UploadPhase,
} from './deploy/s3-deploy.ts';
// --- Errors ---------------------------------------------------------------------------------
export { CDN_ERROR_STATUS, CdnError, type CdnErrorCode, isCdnError } from './errors.ts';
// --- Deploy: plan and submit in one call (what `wirepack invalidate` runs) ------------------
export { DEFAULT_INVALIDATE_OPTIONS, type InvalidateOptions, invalidate } from './invalidate.ts';
// --- Manifests ------------------------------------------------------------------------------
export { createManifest, type DeployedFile, type Manifest } from './manifest/manifest.ts';
export { readManifest } from './manifest/manifest-reader.ts';
export {
  DEFAULT_LOAD_MANIFEST_OPTIONS,
  type LoadManifestOptions,
  loadManifest,
} from './manifest/manifest-source.ts';
// --- Planning (pure, provider-neutral) ------------------------------------------------------
export type { ChangeSet, PlanWarning } from './plan/change-set.ts';
export { type CostEstimate, estimateCost } from './plan/cost.ts';
export {
  DEFAULT_PLAN_OPTIONS,
  type DistributionPlan,
  type InvalidationPlan,
  type PlannedBatch,
  type PlanOptions,
  planInvalidation,
} from './plan/plan.ts';
// --- CloudFront -----------------------------------------------------------------------------
export { CLOUDFRONT_CAPABILITIES, cloudFrontProfile } from './providers/cloudfront/cloudfront-profile.ts';
export {
  type CloudFrontProviderOptions,
  createCloudFrontProvider,
  DEFAULT_CLOUDFRONT_PROVIDER_OPTIONS,
} from './providers/cloudfront/cloudfront-provider.ts';
// --- The provider contract (other CDNs) -----------------------------------------------------
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
// --- Reports --------------------------------------------------------------------------------
export type { BatchReport, DistributionReport, InvalidationReport } from './report.ts';
