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
      "EXIT_CODES",
      "cloudFrontProfile",
      "createCloudFrontProvider",
      "createManifest",
      "estimateCost",
      "invalidate",
      "isCdnError",
      "loadManifest",
      "planInvalidation",
      "readManifest",
    ]
  `);
});
