// The retry strategy of the CloudFront clients this package makes: the SDK's own (attempt counting,
// the retry quota, which errors are retryable, and in 'adaptive' mode its client-side rate limiter),
// with two changes: more attempts than the SDK's 3 (aws/aws-cdk#15891: deploys to busy accounts ran
// out of them) and full-jitter backoff with a configurable base, so a fleet of deploys that were
// throttled together does not come back together. Full jitter, as in the AWS Architecture Blog's
// "Exponential Backoff And Jitter": sleep = random_between(0, min(cap, base * 2 ** attempt)).
import { AsyncLocalStorage } from 'node:async_hooks';
import { ConfiguredRetryStrategy, DefaultRateLimiter } from '@smithy/core/retry';

// The SDK's RetryStrategyV2 types (from @smithy/types), read off the strategy rather than adding a dependency.
type RetryToken = Awaited<ReturnType<ConfiguredRetryStrategy['acquireInitialRetryToken']>>;
type RetryErrorInfo = Parameters<ConfiguredRetryStrategy['refreshRetryTokenForRetry']>[1];
/** What the SDK's `retryStrategy` client option takes. */
export interface RetryStrategyV2 {
  acquireInitialRetryToken(scope: string | undefined): Promise<RetryToken>;
  refreshRetryTokenForRetry(token: RetryToken, errorInfo: RetryErrorInfo): Promise<RetryToken>;
  recordSuccess(token: RetryToken): void;
}

/** How the SDK retries: `standard`, or `adaptive` (standard plus a client-side rate limiter that slows down on throttling). */
export type RetryMode = 'standard' | 'adaptive';

/** What a retry strategy needs to know. */
export interface RetryStrategySettings {
  /** Attempts per API call, the first included. */
  readonly maxAttempts: number;
  readonly retryMode: RetryMode;
  /** The delay ceiling of the first retry; doubles each retry. */
  readonly baseDelayMs: number;
  /** The largest delay ceiling. */
  readonly maxDelayMs: number;
  /** A number in [0, 1) (tests inject one). */
  readonly random: () => number;
}

/** Called at each retry the SDK makes, after its wait, with the error's code, the retry's number and the wait. */
export type RetryListener = (info: { errorName: string; attempt: number; delayMs: number }) => void;

/**
 * The listener of the API call being made: the client is shared by every call of a provider, so the
 * strategy finds who to tell through the async context of `client.send` (the SDK calls the strategy
 * inside it).
 */
export const retryListener: AsyncLocalStorage<RetryListener> = new AsyncLocalStorage<RetryListener>();

/**
 * The full-jitter delay before retry number `retry` (1 for the first retry): uniform in
 * [0, min(maxDelayMs, baseDelayMs * 2 ** (retry - 1))).
 */
export function fullJitterDelay(
  retry: number,
  settings: Pick<RetryStrategySettings, 'baseDelayMs' | 'maxDelayMs' | 'random'>,
): number {
  const ceiling = Math.min(settings.maxDelayMs, settings.baseDelayMs * 2 ** (retry - 1));
  return Math.floor(settings.random() * ceiling);
}

/** The SDK's retry strategy with {@link fullJitterDelay} backoff, reporting each retry to {@link retryListener}. */
export function createRetryStrategy(settings: RetryStrategySettings): RetryStrategyV2 {
  // ConfiguredRetryStrategy calls the backoff with the retry count plus one: 1 for the first retry.
  const standard = new ConfiguredRetryStrategy(settings.maxAttempts, (retry) =>
    fullJitterDelay(retry, settings),
  );
  // The same composition as the SDK's AdaptiveRetryStrategy, which cannot take a custom backoff.
  const limiter = settings.retryMode === 'adaptive' ? new DefaultRateLimiter() : undefined;
  return {
    async acquireInitialRetryToken(scope: string | undefined): Promise<RetryToken> {
      // Older SDKs (3.521) pass an undefined scope (their partition id), which this strategy reads as a string.
      const token = await standard.acquireInitialRetryToken(scope ?? '');
      await limiter?.getSendToken();
      return token;
    },
    async refreshRetryTokenForRetry(token: RetryToken, errorInfo: RetryErrorInfo): Promise<RetryToken> {
      limiter?.updateClientSendingRate(errorInfo);
      // Throws when the error is not retryable or the attempts or the quota are spent. Waits the
      // backoff itself (this @smithy/core sleeps inside the strategy and logs the wait in $retryLog;
      // a Retry-After hint may lengthen it), so the retry is reported once the wait is over.
      const next = await standard.refreshRetryTokenForRetry(token, errorInfo);
      const error = errorInfo.error as { name?: string; code?: string } | undefined;
      const waited = (next as { $retryLog?: { acquisitionDelay?: number } }).$retryLog?.acquisitionDelay;
      retryListener.getStore()?.({
        errorName: error?.name ?? error?.code ?? errorInfo.errorType,
        attempt: next.getRetryCount(),
        delayMs: waited ?? next.getRetryDelay(),
      });
      await limiter?.getSendToken();
      return next;
    },
    recordSuccess(token: RetryToken): void {
      limiter?.updateClientSendingRate({} as RetryErrorInfo);
      standard.recordSuccess(token);
    },
  };
}
