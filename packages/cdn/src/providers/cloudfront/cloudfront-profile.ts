import { createHash } from 'node:crypto';
import type { IdempotencyInput, PlanTarget, ProviderCapabilities, ProviderProfile } from '../provider.ts';

// Facts from "Specifying the objects to invalidate", "Concurrent invalidation request maximum" and the
// CloudFront pricing page:
// https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/invalidation-specifying-objects.html
// https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/InvalidationLimits.html

/** CloudFront's invalidation limits (per distribution) and prices (per account and month). */
export const CLOUDFRONT_CAPABILITIES: ProviderCapabilities = Object.freeze({
  // No separate per-request maximum is documented: the in-flight quotas bound a request.
  maxPathsPerRequest: 3000,
  maxPrefixesPerRequest: 15,
  maxPathsInFlight: 3000,
  maxPrefixesInFlight: 15,
  supportsPrefix: true,
  supportsTags: false,
  asynchronous: true,
  maxPathLength: 4000,
  pricing: Object.freeze({ freePathsPerMonth: 1000, usdPerPath: 0.005 }),
});

// RFC 1738 section 2.2 "unsafe" characters. CloudFront: "If the path includes non-ASCII characters or
// unsafe characters as defined in RFC 1738, URL-encode those characters. Don't URL-encode any other
// characters in the path, or CloudFront will not invalidate the old version" (over-encoding `*` as %2A
// silently invalidated nothing: apancutt/deploy-aws-s3-cloudfront#7). `~` is unsafe but unsupported in
// any form (aws/aws-sdk-js-v3#4042), so the cache key keeps it raw and `target` turns it into a prefix.
// Matches one character to encode: a code point outside printable ASCII (with `u`, a whole astral code
// point), or an RFC 1738 unsafe character other than `~`, or `?` (see below).
const TO_ENCODE = /[^\x21-\x7e]|[<>"#%{}|\\^[\]`?]/gu;

/**
 * Encodes a decoded URL path (a file path from the manifest) into the path CloudFront matches: UTF-8
 * percent-encoding of non-ASCII, control and RFC 1738 unsafe characters, nothing else. `?` is also
 * encoded: in a file name it is a literal character that browsers request as `%3F`, while a raw `?` in an
 * invalidation path starts a query string and would address another object.
 *
 * @example
 * cloudFrontCacheKey('/docs/a b/café.html'); // '/docs/a%20b/caf%C3%A9.html'
 */
export function cloudFrontCacheKey(urlPath: string): string {
  // One regex pass (not a loop of concatenations: 100,000 paths made millions of short-lived strings).
  return urlPath.replace(TO_ENCODE, encodeURIComponent);
}

/**
 * How CloudFront can invalidate one cache key: exactly, or through a prefix wildcard when the key has a
 * `~` (the wildcard ends before it), ends with a literal `*` (which CloudFront would read as a wildcard
 * anyway), or is longer than 4,000 characters (cut on a character boundary).
 */
export function cloudFrontTarget(cacheKey: string): PlanTarget {
  const max = CLOUDFRONT_CAPABILITIES.maxPathLength;
  const tilde = cacheKey.indexOf('~');
  let prefix: string | undefined;
  if (tilde >= 0) prefix = cacheKey.slice(0, tilde);
  else if (cacheKey.endsWith('*')) prefix = cacheKey.slice(0, -1);
  else if (cacheKey.length > max) prefix = cacheKey;
  if (prefix === undefined) return { kind: 'exact', key: cacheKey };
  if (prefix.length > max - 1) {
    prefix = prefix.slice(0, max - 1);
    // Never cut inside a %XX escape: a broken escape would match nothing.
    const percent = prefix.lastIndexOf('%');
    if (percent >= prefix.length - 2) prefix = prefix.slice(0, percent);
  }
  return { kind: 'prefix', key: prefix };
}

/** Renders a target as a CloudFront invalidation path (`*` only ever as the last character). */
export function renderCloudFrontPath(target: PlanTarget): string {
  return target.kind === 'prefix' ? `${target.key}*` : target.key;
}

/**
 * The `CallerReference` of one batch. CloudFront: "If you make a second invalidation request with the
 * same value for CallerReference, and if the rest of the request is the same, CloudFront doesn't create
 * a new invalidation request. Instead, CloudFront returns information about the invalidation request that
 * you previously created with the same CallerReference"; the same reference with other paths is refused
 * with `InvalidationBatchAlreadyExists`
 * (https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_InvalidationBatch.html).
 *
 * A replay therefore hands back an invalidation that may have completed long ago, before the objects it
 * covers were cached again. So the reference names the whole transition (previous and next manifest, the
 * batch's paths) and the run: a retry inside one run (the same `runId`) is idempotent, while a rollback
 * (A over B after B over A), a roll-forward (B over A again) or any later run gets its own invalidation.
 * Format: `wirepack-<transition digest, 20 hex>-<run>-<distribution>-<batch>` (at most 92 characters).
 */
export function cloudFrontCallerReference(input: IdempotencyInput): string {
  const { distributionId, batchIndex, runId } = input;
  const id = /^[A-Za-z0-9]{1,40}$/.test(distributionId) ? distributionId : sha256Hex(distributionId, 16);
  const run = /^[A-Za-z0-9]{1,16}$/.test(runId) ? runId : sha256Hex(runId, 16);
  // Length-prefixed fields, so no two different transitions hash the same input.
  const fields = [input.previousDigest, input.nextDigest, ...input.paths];
  const transition = sha256Hex(fields.map((field) => `${field.length}:${field}`).join('\n'), 20);
  return `wirepack-${transition}-${run}-${id}-${batchIndex}`;
}

const sha256Hex = (text: string, length: number): string =>
  createHash('sha256').update(text).digest('hex').slice(0, length);

/** The pure CloudFront profile the planner uses (no SDK needed: dry runs work without it). */
export const cloudFrontProfile: ProviderProfile = Object.freeze({
  name: 'cloudfront',
  capabilities: CLOUDFRONT_CAPABILITIES,
  cacheKey: cloudFrontCacheKey,
  target: cloudFrontTarget,
  render: renderCloudFrontPath,
  idempotencyKey: cloudFrontCallerReference,
});
