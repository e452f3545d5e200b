// How the CloudFront provider reads AWS SDK errors: which are worth another attempt, which mean a
// CallerReference conflict, and how any other becomes a CdnError (code and message only: never the
// request, its headers or the client configuration, so no credentials).
import { CdnError } from './errors.ts';

// Codes the SDK itself treats as throttling (@smithy/service-error-classification THROTTLING_ERROR_CODES).
const THROTTLING = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestThrottledException',
  'TooManyRequestsException',
  'ProvisionedThroughputExceededException',
  'TransactionInProgressException',
  'RequestLimitExceeded',
  'BandwidthLimitExceeded',
  'LimitExceededException',
  'RequestThrottled',
  'SlowDown',
  'PriorRequestNotComplete',
  'EC2ThrottledException',
]);
const NETWORK = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
]);
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

/** Throttling, 5xx and network failures are worth another attempt; everything else is final. */
export function isTransientAwsError(error: unknown): boolean {
  const e = error as AwsLikeError;
  const name = errorName(error);
  if (name === 'TooManyInvalidationsInProgress') return false;
  const status = e?.$metadata?.httpStatusCode;
  return (
    THROTTLING.has(name) ||
    NETWORK.has(name) ||
    (e?.code !== undefined && NETWORK.has(e.code)) ||
    (status !== undefined && (status >= 500 || status === 429)) ||
    e?.$fault === 'server'
  );
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
