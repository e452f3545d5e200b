import { expect, it } from 'vitest';
import * as api from './index.ts';

it('exports exactly the documented API', () => {
  expect(Object.keys(api).sort()).toMatchInlineSnapshot(`
    [
      "CDN_ERROR_CODES",
      "CLOUDFRONT_CAPABILITIES",
      "CLOUDFRONT_PROVIDER_DEFAULTS",
      "CdnError",
      "EMPTY_MANIFEST",
      "EXIT_CODES",
      "INVALIDATE_DEFAULTS",
      "LOAD_MANIFEST_DEFAULTS",
      "MANIFEST_LIMITS",
      "PLAN_DEFAULTS",
      "cloudFrontCacheKey",
      "cloudFrontCallerReference",
      "cloudFrontProfile",
      "cloudFrontTarget",
      "collapseTargets",
      "createCloudFrontProvider",
      "createManifest",
      "diffManifests",
      "estimateCost",
      "exitCodeFor",
      "indexAliases",
      "invalidate",
      "isCdnError",
      "isTransientAwsError",
      "loadManifest",
      "newRunId",
      "normalizeUrlPath",
      "planInvalidation",
      "readManifest",
      "renderCloudFrontPath",
    ]
  `);
});
