/**
 * Every runtime failure of `@wirepack/cdn` is a {@link CdnError} with one of these codes. The set is
 * closed: scripts may switch on `error.code`, and the CLI maps each code to one exit code.
 */
export const CDN_ERROR_CODES = [
  'USAGE',
  'MANIFEST_UNREADABLE',
  'MANIFEST_INVALID',
  'PREVIOUS_UNAVAILABLE',
  'SDK_MISSING',
  'PROVIDER_REJECTED',
  'PROVIDER_UNAVAILABLE',
  'IN_FLIGHT_TIMEOUT',
  'CALLER_REFERENCE_CONFLICT',
  'NOT_CONFIRMED',
] as const;

/** One of {@link CDN_ERROR_CODES}. */
export type CdnErrorCode = (typeof CDN_ERROR_CODES)[number];

const PREFIX = '[wirepack/cdn] ';

/**
 * The one error class of `@wirepack/cdn`. `message` always starts with `[wirepack/cdn]`, says what failed
 * and what to do; it never contains credentials (SDK errors are reduced to their code and message).
 *
 * @example
 * try { await invalidate(options) } catch (error) {
 *   if (error instanceof CdnError && error.code === 'IN_FLIGHT_TIMEOUT') retryLater();
 * }
 */
export class CdnError extends Error {
  /** Which kind of failure this is; stable across versions. */
  readonly code: CdnErrorCode;

  constructor(code: CdnErrorCode, message: string, options?: { cause?: unknown }) {
    super(message.startsWith(PREFIX) ? message : PREFIX + message, options);
    this.name = 'CdnError';
    this.code = code;
  }
}

/** True for a {@link CdnError}, optionally of one code. */
export function isCdnError(value: unknown, code?: CdnErrorCode): value is CdnError {
  return value instanceof CdnError && (code === undefined || value.code === code);
}
