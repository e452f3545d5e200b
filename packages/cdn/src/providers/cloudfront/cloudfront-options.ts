import type { CloudFrontClient } from '@aws-sdk/client-cloudfront';
import type { RetryMode } from './aws-retry.ts';

/** Options of {@link createCloudFrontProvider}. */
export interface CloudFrontProviderOptions {
  /** A configured client; otherwise one is made from the standard AWS chain and environment. */
  client?: CloudFrontClient | undefined;
  /** Region for a new client. @default AWS_REGION, AWS_DEFAULT_REGION, else 'us-east-1' (CloudFront is global) */
  region?: string | undefined;
  /** Endpoint for a new client. @default AWS_ENDPOINT_URL_CLOUDFRONT, AWS_ENDPOINT_URL, else AWS */
  endpoint?: string | undefined;
  /**
   * Attempts per API call (the first included) for throttling, 5xx and network errors, made by the SDK's
   * retry strategy of a client made here (a `client` you pass retries as you configured it).
   * @default 8
   */
  maxAttempts?: number | undefined;
  /**
   * The SDK's retry mode for a client made here: `adaptive` adds its client-side rate limiter.
   * @default 'standard'
   */
  retryMode?: RetryMode | undefined;
  /**
   * Delay ceiling of the first retry; doubles each retry. Full jitter: each wait is uniform between 0 and the ceiling.
   * @default 1000
   */
  retryBaseDelayMs?: number | undefined;
  /** Largest delay ceiling. @default 20000 */
  retryMaxDelayMs?: number | undefined;
  /** Source of the retry jitter, a number in [0, 1) (tests). @default Math.random */
  random?: (() => number) | undefined;
  /** How long to wait for room under the in-flight limits after `TooManyInvalidationsInProgress`. @default 900000 */
  roomTimeoutMs?: number | undefined;
  /** Interval between in-flight checks while waiting for room. @default 20000 */
  roomPollMs?: number | undefined;
  /** Interval between status checks while waiting for completion. @default 20000 */
  completionPollMs?: number | undefined;
  /** Sleep implementation (tests). @default setTimeout */
  sleep?: ((ms: number) => Promise<void>) | undefined;
}

/** Defaults of {@link CloudFrontProviderOptions}. */
export const DEFAULT_CLOUDFRONT_PROVIDER_OPTIONS: Readonly<{
  maxAttempts: number;
  retryMode: RetryMode;
  retryBaseDelayMs: number;
  retryMaxDelayMs: number;
  roomTimeoutMs: number;
  roomPollMs: number;
  completionPollMs: number;
}> = Object.freeze({
  maxAttempts: 8,
  retryMode: 'standard',
  retryBaseDelayMs: 1000,
  retryMaxDelayMs: 20_000,
  roomTimeoutMs: 15 * 60_000,
  roomPollMs: 20_000,
  completionPollMs: 20_000,
});

/** Options with their defaults applied and checked, as the provider's pieces read them. */
export interface CloudFrontProviderSettings {
  readonly maxAttempts: number;
  readonly retryMode: RetryMode;
  readonly retryBaseDelayMs: number;
  readonly retryMaxDelayMs: number;
  readonly roomTimeoutMs: number;
  readonly roomPollMs: number;
  readonly completionPollMs: number;
  readonly random: () => number;
  readonly sleep: (ms: number) => Promise<void>;
}

/**
 * Applies {@link DEFAULT_CLOUDFRONT_PROVIDER_OPTIONS} and checks what the SDK would otherwise take silently.
 * Throws a TypeError for a value no run could use (programmer misuse, so not a CdnError).
 */
export function resolveCloudFrontOptions(options: CloudFrontProviderOptions): CloudFrontProviderSettings {
  const d = DEFAULT_CLOUDFRONT_PROVIDER_OPTIONS;
  const settings: CloudFrontProviderSettings = {
    maxAttempts: options.maxAttempts ?? d.maxAttempts,
    retryMode: options.retryMode ?? d.retryMode,
    retryBaseDelayMs: options.retryBaseDelayMs ?? d.retryBaseDelayMs,
    retryMaxDelayMs: options.retryMaxDelayMs ?? d.retryMaxDelayMs,
    roomTimeoutMs: options.roomTimeoutMs ?? d.roomTimeoutMs,
    roomPollMs: options.roomPollMs ?? d.roomPollMs,
    completionPollMs: options.completionPollMs ?? d.completionPollMs,
    random: options.random ?? Math.random,
    sleep: options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))),
  };
  if (!Number.isSafeInteger(settings.maxAttempts) || settings.maxAttempts < 1) {
    throw new TypeError(
      `[wirepack/cdn] maxAttempts must be a positive integer, got ${String(settings.maxAttempts)}`,
    );
  }
  if (settings.retryMode !== 'standard' && settings.retryMode !== 'adaptive') {
    throw new TypeError(
      `[wirepack/cdn] retryMode must be 'standard' or 'adaptive', got ${String(settings.retryMode)}`,
    );
  }
  return settings;
}
