import type { ProviderCapabilities } from '../providers/provider.ts';

/** What submitting some paths costs, under the provider's pricing. */
export interface CostEstimate {
  /** Paths submitted (a wildcard counts as one path, however many objects it matches). */
  readonly paths: number;
  /** Free paths left this month before these, as assumed. */
  readonly freePathsRemaining: number;
  /** Paths beyond the free tier. */
  readonly billablePaths: number;
  /** Estimated price in US dollars. */
  readonly usd: number;
}

/**
 * Estimates the price of submitting `paths` paths. CloudFront: "The first 1,000 invalidation paths that you
 * submit per month are free; you pay for each invalidation path over 1,000 in a month", $0.005 each, for
 * all distributions of the account together (https://aws.amazon.com/cloudfront/pricing/). The free paths
 * already used this month are not visible through the API, so the caller states them.
 */
export function estimateCost(
  paths: number,
  pricing: ProviderCapabilities['pricing'],
  freePathsUsed = 0,
): CostEstimate {
  if (pricing === undefined) return { paths, freePathsRemaining: 0, billablePaths: 0, usd: 0 };
  const freePathsRemaining = Math.max(0, pricing.freePathsPerMonth - freePathsUsed);
  const billablePaths = Math.max(0, paths - freePathsRemaining);
  // Round to a tenth of a cent to keep binary fractions out of reports.
  return {
    paths,
    freePathsRemaining,
    billablePaths,
    usd: Math.round(billablePaths * pricing.usdPerPath * 1000) / 1000,
  };
}
