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
      "ENCODED_VARY",
      "EXIT_CODES",
      "INVALIDATE_DEFAULTS",
      "LOAD_MANIFEST_DEFAULTS",
      "MANIFEST_LIMITS",
      "PLAN_DEFAULTS",
      "S3_DEPLOY_DEFAULTS",
      "S3_ENCODED_SUFFIXES",
      "S3_UPLOAD_PHASES",
      "cloudFrontCacheKey",
      "cloudFrontCallerReference",
      "cloudFrontEncodingFunction",
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
      "keysToPrune",
      "loadManifest",
      "newRunId",
      "normalizeUrlPath",
      "planInvalidation",
      "planS3Upload",
      "readManifest",
      "renderCloudFrontPath",
    ]
  `);
});
