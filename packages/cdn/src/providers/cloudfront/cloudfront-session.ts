// The SDK and the client a CloudFront provider talks through, and the one way it makes an API call.
// Loading the SDK, building a client from the environment and wrapping calls are separate steps so
// each reads on its own; `submit`, the room check and the completion wait take a session.
import type { CloudFrontClient, CloudFrontClientConfig } from '@aws-sdk/client-cloudfront';
import { CdnError } from '../../errors.ts';
import type { CdnEvent } from '../provider.ts';
import { describeAwsError, isTransientAwsError } from './aws-errors.ts';
import { createRetryStrategy, retryListener } from './aws-retry.ts';
import type { CloudFrontProviderOptions, CloudFrontProviderSettings } from './cloudfront-options.ts';

/** `@aws-sdk/client-cloudfront`, loaded on first use. */
export type CloudFrontSdk = typeof import('@aws-sdk/client-cloudfront');

/**
 * One API call: the SDK's retry strategy retries transient failures; each retry is reported as an event,
 * and a transient failure that outlasted the attempts becomes PROVIDER_UNAVAILABLE.
 */
export type CloudFrontCall = <TOutput>(
  what: string,
  distributionId: string,
  send: () => Promise<TOutput>,
  onEvent: ((event: CdnEvent) => void) | undefined,
) => Promise<TOutput>;

/** What the provider's pieces share: the SDK, its client, the call wrapper and the settings. */
export interface CloudFrontSession {
  readonly sdk: CloudFrontSdk;
  readonly client: CloudFrontClient;
  readonly call: CloudFrontCall;
  readonly settings: CloudFrontProviderSettings;
}

/**
 * Loads the optional peer dependency. Dynamic, so planning and dry runs work without it installed;
 * its absence is a SDK_MISSING error saying what to install.
 */
export async function loadCloudFrontSdk(): Promise<CloudFrontSdk> {
  try {
    return await import('@aws-sdk/client-cloudfront');
  } catch (error) {
    throw new CdnError(
      'SDK_MISSING',
      'submitting to CloudFront needs @aws-sdk/client-cloudfront: install it next to @wirepack/cdn (pnpm add @aws-sdk/client-cloudfront)',
      { cause: error },
    );
  }
}

/**
 * A client from the standard AWS chain and environment: region from the options, `AWS_REGION` or
 * `AWS_DEFAULT_REGION`, else `us-east-1` (CloudFront is global); the endpoint from the options, else the
 * SDK reads `AWS_ENDPOINT_URL_CLOUDFRONT` / `AWS_ENDPOINT_URL` itself.
 */
export function createClientFromEnvironment(
  sdk: CloudFrontSdk,
  options: Pick<CloudFrontProviderOptions, 'region' | 'endpoint'>,
  settings: CloudFrontProviderSettings,
): CloudFrontClient {
  return new sdk.CloudFrontClient({
    region: options.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1',
    ...(options.endpoint !== undefined ? { endpoint: options.endpoint } : {}),
    // The SDK retries transient failures (the same request, hence the same CallerReference, is
    // re-sent), with more attempts than its default 3 and full-jitter backoff (aws-retry.ts).
    maxAttempts: settings.maxAttempts,
    retryStrategy: createRetryStrategy({
      maxAttempts: settings.maxAttempts,
      retryMode: settings.retryMode,
      baseDelayMs: settings.retryBaseDelayMs,
      maxDelayMs: settings.retryMaxDelayMs,
      random: settings.random,
    }),
    requestHandler: { requestTimeout: 30_000, connectionTimeout: 10_000 },
  } satisfies CloudFrontClientConfig);
}

/** The call wrapper of {@link CloudFrontCall} for a client configured with `maxAttempts`. */
export function createCloudFrontCall(maxAttempts: number): CloudFrontCall {
  return async (what, distributionId, send, onEvent) => {
    try {
      return await retryListener.run(({ errorName: name, attempt, delayMs }) => {
        onEvent?.({
          type: 'retry',
          distributionId,
          message: `${what}: ${name}, attempt ${attempt}/${maxAttempts} failed; retrying after a ${delayMs} ms wait`,
        });
      }, send);
    } catch (error) {
      if (!isTransientAwsError(error)) throw error;
      const attempts = (error as { $metadata?: { attempts?: number } }).$metadata?.attempts;
      throw new CdnError(
        'PROVIDER_UNAVAILABLE',
        `CloudFront ${what} for ${distributionId} still failing after ${attempts ?? 'all'} attempts: ${describeAwsError(error)}. Try again later.`,
        { cause: error },
      );
    }
  };
}
