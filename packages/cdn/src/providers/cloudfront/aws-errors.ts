// How the CloudFront provider reads AWS SDK errors: which are worth another attempt, which mean a
// CallerReference conflict, and how any other becomes a CdnError (code and message only: never the
// request, its headers or the client configuration, so no credentials).
import { isServerError, isThrottlingError, isTransientError } from '@smithy/core/retry';
import { CdnError } from '../../errors.ts';

const AUTH = new Set([
  'AccessDenied',
  'InvalidClientTokenId',
  'SignatureDoesNotMatch',
  'ExpiredToken',
  'UnrecognizedClientException',
  'CredentialsProviderError',
]);

/** The fields of an SDK error that matter here. */
interface AwsLikeError {
  name?: string;
  code?: string;
  message?: string;
  $fault?: string;
  $metadata?: { httpStatusCode?: number };
}

/** The error code (`Throttling`, `NoSuchDistribution`, ...). */
export const errorName = (error: unknown): string => {
  const e = error as AwsLikeError;
  return e?.name ?? e?.code ?? 'Error';
};

/**
 * Throttling, 5xx and network failures are worth another attempt; everything else is final. The SDK's
 * own classification (@smithy/core/retry, what its retry strategy uses), not a copied code list, so it
 * keeps up with the SDK. `TooManyInvalidationsInProgress` is a 400 the SDK does not retry; the provider
 * waits for room instead.
 */
export function isTransientAwsError(error: unknown): boolean {
  if (error === null || typeof error !== 'object') return false;
  if (errorName(error) === 'TooManyInvalidationsInProgress') return false;
  const e = error as Parameters<typeof isTransientError>[0];
  return isThrottlingError(e) || isTransientError(e) || isServerError(e);
}

/** Whether CloudFront refused a CallerReference already used with other paths. */
export const isReferenceConflict = (error: unknown): boolean => {
  const name = errorName(error);
  // Documented: InvalidationBatchAlreadyExists. Seen in the field (aws/aws-cdk#3878): InvalidArgument
  // "Your request contains a caller reference that was used for a previous invalidation batch".
  return (
    name === 'InvalidationBatchAlreadyExists' ||
    (name === 'InvalidArgument' && /caller reference/i.test((error as AwsLikeError).message ?? ''))
  );
};

/** `Code: message` of an SDK error. */
export function describeAwsError(error: unknown): string {
  const message = (error as AwsLikeError)?.message;
  return message ? `${errorName(error)}: ${message}` : errorName(error);
}

/** A final SDK error as a `PROVIDER_REJECTED` CdnError with a hint. */
export function toCdnError(error: unknown, operation: string, distributionId: string): CdnError {
  const name = errorName(error);
  let hint = '';
  if (AUTH.has(name)) {
    hint =
      ' Check the credentials (standard AWS chain) and that they allow cloudfront:CreateInvalidation, cloudfront:GetInvalidation and cloudfront:ListInvalidations on this distribution.';
  } else if (name === 'NoSuchDistribution') {
    hint = ' Check the distribution id.';
  } else if (name === 'InvalidArgument') {
    hint = ' CloudFront rejected a path or parameter.';
  }
  return new CdnError(
    'PROVIDER_REJECTED',
    `CloudFront ${operation} for ${distributionId} failed: ${describeAwsError(error)}.${hint}`,
    {
      cause: error,
    },
  );
}
