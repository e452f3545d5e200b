// The planner works for a CDN with other rules without changes: a Cloudflare-like profile (absolute
// URLs, prefix purges without `*`, 100 entries per request, synchronous, free) shapes the plan.
import { describe, expect, it } from 'vitest';
import { createManifest } from '../manifest/manifest.ts';
import type { ProviderProfile } from '../providers/provider.ts';
import { deployedFile as file } from '../test-support/deployed-file.ts';
import { planInvalidation } from './plan.ts';

const cloudflareLike: ProviderProfile = {
  name: 'cloudflare-like',
  capabilities: {
    maxPathsPerRequest: 100,
    maxPrefixesPerRequest: 100,
    maxPathsInFlight: undefined,
    maxPrefixesInFlight: 30,
    supportsPrefix: true,
    supportsTags: true,
    asynchronous: false,
    maxPathLength: 8192,
    pricing: undefined,
  },
  cacheKey: (urlPath) => encodeURI(urlPath),
  target: (key) => ({ kind: 'exact', key }),
  render: (target) => `https://www.example.com${target.key}`,
  idempotencyKey: () => undefined,
};

describe('a provider profile with other capabilities', () => {
  const pages = (hash: string) => Array.from({ length: 250 }, (_, i) => file(`/p/${i}.html`, hash));
  const previous = createManifest(pages('a'));
  const next = createManifest(pages('b'));

  it('renders its own addresses and batches at its own per-request maximum', () => {
    const plan = planInvalidation({
      previous,
      next,
      profile: cloudflareLike,
      maxPaths: 1000,
      distributionIds: ['zone'],
    });
    const [zone] = plan.distributions;
    expect(zone!.batches.map((b) => b.paths.length)).toEqual([100, 100, 50]);
    expect(zone!.batches[0]!.paths[0]).toMatch(/^https:\/\/www\.example\.com\/p\/\d+\.html$/);
    expect(zone!.batches[0]!.callerReference).toBeUndefined();
    expect(plan.cost.usd).toBe(0);
  });

  it('collapses with its own prefix limit (no in-flight cap on paths)', () => {
    const plan = planInvalidation({ previous, next, profile: cloudflareLike, maxPaths: 10 });
    expect(plan.paths).toEqual(['https://www.example.com/p/']);
  });
});
