// Runs the CloudFront tests against another @aws-sdk/client-cloudfront than the lockfile's, to check
// the peer floor without touching the lockfile:
//   mkdir /tmp/sdk && cd /tmp/sdk && npm init -y && npm i @aws-sdk/client-cloudfront@3.521.0
//   WIREPACK_SDK_DIR=/tmp/sdk pnpm exec vitest run --config packages/cdn/scripts/sdk-floor.vitest.config.mts \
//     packages/cdn/src/cloudfront.e2e.test.ts packages/cdn/test/regression
import { join } from 'node:path';
import { mergeConfig } from 'vite';
import base from '../../../vitest.config.ts';

const dir = process.env.WIREPACK_SDK_DIR;
if (!dir) throw new Error('set WIREPACK_SDK_DIR to a folder where @aws-sdk/client-cloudfront is installed');

export default mergeConfig(base, {
  root: join(import.meta.dirname, '../../..'),
  resolve: {
    alias: [
      {
        find: /^@aws-sdk\/client-cloudfront$/,
        replacement: join(dir, 'node_modules/@aws-sdk/client-cloudfront/dist-cjs/index.js'),
      },
    ],
  },
});
