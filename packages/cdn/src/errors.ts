/**
 * Every runtime failure of `@wirepack/cdn` is a {@link CdnError} with one of these codes, each with the
 * HTTP status that describes it (the shape of `@wirepack/protocol`'s `ERROR_STATUS`, for a script or a
 * deploy service that answers over HTTP). The set is closed: scripts may switch on `error.code`, and
 * the CLI maps each code to one exit code (`EXIT_CODES`).
 */
export const CDN_ERROR_STATUS: Readonly<{
  USAGE: 400;
  MANIFEST_UNREADABLE: 422;
  MANIFEST_INVALID: 422;
  PREVIOUS_UNAVAILABLE: 502;
  SDK_MISSING: 501;
  PROVIDER_REJECTED: 502;
  PROVIDER_UNAVAILABLE: 503;
  IN_FLIGHT_TIMEOUT: 503;
  CALLER_REFERENCE_CONFLICT: 409;
  NOT_CONFIRMED: 504;
}> = Object.freeze({
  /** Bad options or command line. */
  USAGE: 400,
  /** The new manifest could not be read (missing file, unreachable URL). */
  MANIFEST_UNREADABLE: 422,
  /** A manifest was read but is not a valid wirepack manifest. */
  MANIFEST_INVALID: 422,
  /** The previous (deployed) manifest could not be fetched. */
  PREVIOUS_UNAVAILABLE: 502,
  /** Submitting needs `@aws-sdk/client-cloudfront`, which is not installed. */
  SDK_MISSING: 501,
  /** The CDN refused a request (credentials, permissions, distribution id, path). */
  PROVIDER_REJECTED: 502,
  /** The CDN stayed throttled or unavailable through every retry. */
  PROVIDER_UNAVAILABLE: 503,
  /** No room under the CDN's in-flight limits appeared in time. */
  IN_FLIGHT_TIMEOUT: 503,
  /** The CDN refused a caller reference that covers these exact paths. */
  CALLER_REFERENCE_CONFLICT: 409,
  /** Submitted, but completion was not confirmed within the wait. */
  NOT_CONFIRMED: 504,
});

/** A code from the closed set in {@link CDN_ERROR_STATUS}. */
export type CdnErrorCode = keyof typeof CDN_ERROR_STATUS;

const PREFIX = '[wirepack/cdn] ';

/**
 * The one error class of `@wirepack/cdn`. `message` always starts with `[wirepack/cdn]`, says what failed
 * and what to do; it never contains credentials (SDK errors are reduced to their code and message).
 * `status` is the code's entry in {@link CDN_ERROR_STATUS}.
 *
 * @example
 * try { await invalidate(options) } catch (error) {
 *   if (isCdnError(error, 'IN_FLIGHT_TIMEOUT')) retryLater();
 * }
 */
export class CdnError extends Error {
  override readonly name = 'CdnError';
  /** Which kind of failure this is; stable across versions. */
  readonly code: CdnErrorCode;
  /** The HTTP status that goes with the code. */
  readonly status: number;

  constructor(code: CdnErrorCode, message: string, options?: { cause?: unknown }) {
    super(message.startsWith(PREFIX) ? message : PREFIX + message, options);
    this.code = code;
    this.status = CDN_ERROR_STATUS[code];
  }
}

/** True for a {@link CdnError}, optionally of one code. */
export function isCdnError(value: unknown, code?: CdnErrorCode): value is CdnError {
  return value instanceof CdnError && (code === undefined || value.code === code);
}
