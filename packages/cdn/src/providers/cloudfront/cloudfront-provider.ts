import { createHash } from 'node:crypto';
import type { CloudFrontClient, CloudFrontClientConfig } from '@aws-sdk/client-cloudfront';
import { CdnError } from '../../errors.ts';
import type {
  CdnEvent,
  InvalidationProvider,
  ProviderCallContext,
  SubmitRequest,
  SubmitResult,
} from '../provider.ts';
import {
  describeAwsError,
  errorName,
  isReferenceConflict,
  isTransientAwsError,
  toCdnError,
} from './aws-errors.ts';
import { createRetryStrategy, type RetryMode, retryListener } from './aws-retry.ts';
import { cloudFrontProfile } from './cloudfront-profile.ts';

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
export const CLOUDFRONT_PROVIDER_DEFAULTS: Readonly<{
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
  const d = CLOUDFRONT_PROVIDER_DEFAULTS;
  const settings = {
    maxAttempts: options.maxAttempts ?? d.maxAttempts,
    retryMode: options.retryMode ?? d.retryMode,
    retryBaseDelayMs: options.retryBaseDelayMs ?? d.retryBaseDelayMs,
    retryMaxDelayMs: options.retryMaxDelayMs ?? d.retryMaxDelayMs,
    roomTimeoutMs: options.roomTimeoutMs ?? d.roomTimeoutMs,
    roomPollMs: options.roomPollMs ?? d.roomPollMs,
    completionPollMs: options.completionPollMs ?? d.completionPollMs,
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
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  let sdk: typeof import('@aws-sdk/client-cloudfront');
  try {
    sdk = await import('@aws-sdk/client-cloudfront');
  } catch (error) {
    throw new CdnError(
      'SDK_MISSING',
      'submitting to CloudFront needs @aws-sdk/client-cloudfront: install it next to @wirepack/cdn (pnpm add @aws-sdk/client-cloudfront)',
      { cause: error },
    );
  }
  const ownsClient = options.client === undefined;
  const client =
    options.client ??
    new sdk.CloudFrontClient({
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
        random: options.random ?? Math.random,
      }),
      requestHandler: { requestTimeout: 30_000, connectionTimeout: 10_000 },
    } satisfies CloudFrontClientConfig);

  /**
   * One API call. The SDK's retry strategy retries transient failures; this reports each retry as an
   * event and turns a transient failure that outlasted the attempts into PROVIDER_UNAVAILABLE.
   */
  const call = async <TOutput>(
    what: string,
    distributionId: string,
    send: () => Promise<TOutput>,
    onEvent: ((event: CdnEvent) => void) | undefined,
  ): Promise<TOutput> => {
    try {
      return await retryListener.run(({ errorName: name, attempt, delayMs }) => {
        onEvent?.({
          type: 'retry',
          distributionId,
          message: `${what}: ${name}, attempt ${attempt}/${settings.maxAttempts} failed; retrying after a ${delayMs} ms wait`,
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

  /**
   * Whether a batch fits beside the distribution's in-progress invalidations, from ListInvalidations
   * (newest first) and GetInvalidation for their paths. Bounded: it stops counting as soon as the
   * answer is "no room", and treats more than 200 in-progress invalidations as no room rather than
   * fetching each (3,000 single-path invalidations are legal).
   */
  const checkRoom = async (
    distributionId: string,
    need: { files: number; wildcards: number },
    onEvent: ProviderCallContext['onEvent'],
  ): Promise<{ room: boolean; files: number; wildcards: number; invalidations: number }> => {
    const caps = cloudFrontProfile.capabilities;
    const maxFiles = (caps.maxPathsInFlight ?? Infinity) - need.files;
    const maxWildcards = (caps.maxPrefixesInFlight ?? Infinity) - need.wildcards;
    const ids: string[] = [];
    // The SDK's paginator follows NextMarker; each page is one call (retried by the SDK).
    const pages = sdk.paginateListInvalidations(
      { client, pageSize: 100 },
      { DistributionId: distributionId },
    );
    const iterator = pages[Symbol.asyncIterator]();
    for (let page = 0; page < 20; page++) {
      const next = await call('ListInvalidations', distributionId, () => iterator.next(), onEvent);
      if (next.done) break;
      const items = next.value.InvalidationList?.Items ?? [];
      const inProgress = items.filter((item) => item.Status !== 'Completed').map((item) => item.Id!);
      ids.push(...inProgress);
      // Stop at the first page without anything in progress: older pages hold older invalidations.
      if (inProgress.length === 0 || ids.length > 200) break;
    }
    // Stopped early: let the paginator release what it holds.
    await iterator.return?.(undefined);
    let files = 0;
    let wildcards = 0;
    const result = (room: boolean) => ({ room, files, wildcards, invalidations: ids.length });
    if (ids.length > 200) return result(false);
    for (const id of ids) {
      const got = await call(
        'GetInvalidation',
        distributionId,
        () => client.send(new sdk.GetInvalidationCommand({ DistributionId: distributionId, Id: id })),
        onEvent,
      );
      if (got.Invalidation?.Status === 'Completed') continue;
      for (const path of got.Invalidation?.InvalidationBatch?.Paths?.Items ?? []) {
        if (path.endsWith('*')) wildcards++;
        else files++;
      }
      if (files > maxFiles || wildcards > maxWildcards) return result(false);
    }
    return result(true);
  };

  const submit = async (request: SubmitRequest, context: ProviderCallContext = {}): Promise<SubmitResult> => {
    const { distributionId, paths } = request;
    const { onEvent } = context;
    const batchWildcards = paths.filter((path) => path.endsWith('*')).length;
    const batchFiles = paths.length - batchWildcards;
    let reference = request.callerReference ?? randomReference(paths);
    let conflictHandled = false;
    let retriedWithRoom = false;
    const roomDeadline = Date.now() + settings.roomTimeoutMs;
    for (;;) {
      try {
        const created = await call(
          'CreateInvalidation',
          distributionId,
          () =>
            client.send(
              new sdk.CreateInvalidationCommand({
                DistributionId: distributionId,
                InvalidationBatch: {
                  CallerReference: reference,
                  Paths: { Quantity: paths.length, Items: [...paths] },
                },
              }),
            ),
          onEvent,
        );
        const id = created.Invalidation?.Id;
        if (!id)
          throw new CdnError(
            'PROVIDER_REJECTED',
            `CloudFront answered CreateInvalidation for ${distributionId} without an invalidation id`,
          );
        return { id, status: created.Invalidation?.Status ?? 'InProgress', callerReference: reference };
      } catch (error) {
        if (error instanceof CdnError) throw error;
        const name = errorName(error);
        if (name === 'TooManyInvalidationsInProgress') {
          // Retry at once when a fresh count says there is room; when the CDN disagrees with that count
          // (it refused right after one), retry only after the next poll, so it is not hammered.
          for (;;) {
            const inFlight = await checkRoom(
              distributionId,
              { files: batchFiles, wildcards: batchWildcards },
              onEvent,
            );
            const room = inFlight.room;
            if (room && !retriedWithRoom) {
              retriedWithRoom = true;
              break;
            }
            retriedWithRoom = false;
            if (Date.now() + settings.roomPollMs > roomDeadline) {
              throw new CdnError(
                'IN_FLIGHT_TIMEOUT',
                `CloudFront distribution ${distributionId} had no room for ${batchFiles} paths and ${batchWildcards} wildcards within ${Math.round(settings.roomTimeoutMs / 1000)} s (in flight: at least ${inFlight.files} paths and ${inFlight.wildcards} wildcards in ${inFlight.invalidations} invalidations; limits 3,000 and 15). Retry later with this run's id (--run-id) so the batches already submitted are not sent twice.`,
                { cause: error },
              );
            }
            onEvent?.({
              type: 'waiting-for-room',
              distributionId,
              message: `TooManyInvalidationsInProgress: at least ${inFlight.files} paths and ${inFlight.wildcards} wildcards in flight; waiting for room, checking again in ${seconds(settings.roomPollMs)}`,
            });
            await sleep(settings.roomPollMs);
          }
          continue;
        }
        if (isReferenceConflict(error) && !conflictHandled) {
          // The same deploy was submitted before with other paths (the previous manifest differed).
          // A reference that also covers the paths stays deterministic for this exact batch.
          conflictHandled = true;
          const digest = createHash('sha256').update(paths.join('\n')).digest('hex').slice(0, 12);
          reference = `${reference}-${digest}`;
          onEvent?.({
            type: 'reference-conflict',
            distributionId,
            message: `${name}: the caller reference was used for other paths; submitting as ${reference}`,
          });
          continue;
        }
        if (isReferenceConflict(error)) {
          throw new CdnError(
            'CALLER_REFERENCE_CONFLICT',
            `CloudFront refused CallerReference ${reference} for ${distributionId} (${describeAwsError(error)}) although it covers these exact paths; run without reusing this reference.`,
            { cause: error },
          );
        }
        throw toCdnError(error, 'CreateInvalidation', distributionId);
      }
    }
  };

  const waitForCompletion = async (
    distributionId: string,
    ids: readonly string[],
    options: { readonly timeoutMs: number } & ProviderCallContext,
  ): Promise<ReadonlyMap<string, string>> => {
    const deadline = Date.now() + options.timeoutMs;
    const status = new Map<string, string>(ids.map((id) => [id, 'InProgress']));
    let interval = Math.min(1000, settings.completionPollMs);
    for (;;) {
      for (const id of ids) {
        if (status.get(id) === 'Completed') continue;
        try {
          const got = await call(
            'GetInvalidation',
            distributionId,
            () => client.send(new sdk.GetInvalidationCommand({ DistributionId: distributionId, Id: id })),
            options.onEvent,
          );
          status.set(id, got.Invalidation?.Status ?? 'InProgress');
        } catch (error) {
          throw error instanceof CdnError ? error : toCdnError(error, 'GetInvalidation', distributionId);
        }
      }
      const pending = ids.filter((id) => status.get(id) !== 'Completed');
      const left = deadline - Date.now();
      if (pending.length === 0 || left <= 0) return status;
      options.onEvent?.({
        type: 'polling',
        distributionId,
        message: `${pending.length} invalidation(s) in progress; ${Math.ceil(left / 1000)} s left to wait`,
      });
      // Most invalidations take minutes, some seconds: poll soon at first, then every completionPollMs.
      await sleep(Math.min(interval, left));
      interval = Math.min(interval * 2, settings.completionPollMs);
    }
  };

  return {
    ...cloudFrontProfile,
    submit,
    waitForCompletion,
    close: () => {
      if (ownsClient) client.destroy();
    },
  };
}

const seconds = (ms: number): string => `${Number((ms / 1000).toFixed(1))} s`;

/** Without an idempotency key from the plan, a one-off reference (not idempotent across runs). */
function randomReference(paths: readonly string[]): string {
  return `wirepack-${Date.now()}-${createHash('sha256').update(paths.join('\n')).digest('hex').slice(0, 12)}`;
}
