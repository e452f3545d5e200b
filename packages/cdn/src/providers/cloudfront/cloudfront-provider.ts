import type { InvalidationProvider } from '../provider.ts';
import { type CloudFrontProviderOptions, resolveCloudFrontOptions } from './cloudfront-options.ts';
import { cloudFrontProfile } from './cloudfront-profile.ts';
import {
  type CloudFrontSession,
  createClientFromEnvironment,
  createCloudFrontCall,
  loadCloudFrontSdk,
} from './cloudfront-session.ts';
import { submitInvalidation } from './submit-invalidation.ts';
import { waitForCompletion } from './wait-for-completion.ts';

export {
  type CloudFrontProviderOptions,
  DEFAULT_CLOUDFRONT_PROVIDER_OPTIONS,
} from './cloudfront-options.ts';

/**
 * Creates the CloudFront provider (submits with the real `@aws-sdk/client-cloudfront`, an optional peer
 * dependency loaded on first use). Credentials, region and endpoint come from the standard AWS chain;
 * `AWS_ENDPOINT_URL_CLOUDFRONT` or `AWS_ENDPOINT_URL` point it at any CloudFront-compatible endpoint.
 *
 * Batches are retried on throttling and 5xx with exponential backoff (the SDK's own 3 attempts are too
 * few: aws/aws-cdk#15891); `TooManyInvalidationsInProgress`, which the SDK never retries, makes it count
 * what is in flight (ListInvalidations + GetInvalidation) and wait for room, within `roomTimeoutMs`.
 *
 * @example
 * const provider = await createCloudFrontProvider();
 * await provider.submit({ distributionId: 'E2QWRUHAPOMQZL', paths: ['/index.html'], callerReference: 'ref-1' });
 */
export async function createCloudFrontProvider(
  options: CloudFrontProviderOptions = {},
): Promise<InvalidationProvider> {
  const settings = resolveCloudFrontOptions(options);
  const sdk = await loadCloudFrontSdk();
  const ownsClient = options.client === undefined;
  const client = options.client ?? createClientFromEnvironment(sdk, options, settings);
  const session: CloudFrontSession = {
    sdk,
    client,
    call: createCloudFrontCall(settings.maxAttempts),
    settings,
  };
  return {
    ...cloudFrontProfile,
    submit: (request, context) => submitInvalidation(session, request, context),
    waitForCompletion: (distributionId, ids, waitOptions) =>
      waitForCompletion(session, distributionId, ids, waitOptions),
    close: () => {
      // A client passed in is the caller's to destroy.
      if (ownsClient) client.destroy();
    },
  };
}
