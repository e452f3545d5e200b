import { expect, it } from 'vitest';
import * as api from './index.ts';

it('exports exactly the documented API', () => {
  expect(Object.keys(api).sort()).toMatchInlineSnapshot(`
    [
      "CDN_ERROR_STATUS",
      "CLOUDFRONT_CAPABILITIES",
      "CdnError",
      "DEFAULT_CLOUDFRONT_PROVIDER_OPTIONS",
      "DEFAULT_INVALIDATE_OPTIONS",
      "DEFAULT_LOAD_MANIFEST_OPTIONS",
      "DEFAULT_PLAN_OPTIONS",
      "DEFAULT_S3_DEPLOY_OPTIONS",
      "ENCODED_VARY",
      "EXIT_CODES",
      "S3_ENCODED_SUFFIXES",
      "S3_UPLOAD_PHASES",
      "cloudFrontEncodingFunction",
      "cloudFrontProfile",
      "createCloudFrontProvider",
      "createManifest",
      "estimateCost",
      "invalidate",
      "isCdnError",
      "keysToPrune",
      "loadManifest",
      "planInvalidation",
      "planS3Upload",
      "readManifest",
    ]
  `);
});
