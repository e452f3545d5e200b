/**
 * Every failure the protocol, client and server report. The set is closed: each code has one
 * HTTP status, used for batch-level answers (problem details) and for sub-request error frames.
 */
export const ERROR_STATUS = {
  /** The request method is not POST (batch, cancel). */
  METHOD_NOT_ALLOWED: 405,
  /** The body's media type is not one the endpoint reads. */
  UNSUPPORTED_MEDIA_TYPE: 415,
  /** The body's Content-Encoding is not one the endpoint accepts. */
  UNSUPPORTED_ENCODING: 415,
  /** The envelope's format version is not {@link PROTOCOL_VERSION}. */
  UNSUPPORTED_VERSION: 400,
  /** The body is larger than allowed (counted while reading, before decoding). */
  BODY_TOO_LARGE: 413,
  /** A compressed body inflates past the decoded-size limit (a compression bomb). */
  DECOMPRESSED_TOO_LARGE: 413,
  /** A response frame declares more bytes than allowed. */
  FRAME_TOO_LARGE: 413,
  /** The bytes are not valid MessagePack, or hold a type the protocol does not use. */
  MALFORMED: 400,
  /** The data ends in the middle of a value or a frame. */
  TRUNCATED: 400,
  /** Containers are nested deeper than allowed. */
  DEPTH_EXCEEDED: 400,
  /** More array items and map entries than allowed. */
  TOO_MANY_ENTRIES: 413,
  /** A string longer than allowed. */
  STRING_TOO_LONG: 413,
  /** A binary value longer than allowed. */
  BINARY_TOO_LONG: 413,
  /** A map key that is not a string, or the key `__proto__` (prototype pollution). */
  FORBIDDEN_KEY: 400,
  /** A message expands past the limit once its records are written out as maps (a record bomb). */
  EXPANSION_TOO_LARGE: 413,
  /** One call of a batch takes more bytes than allowed, its records written out as maps. */
  CALL_TOO_LARGE: 413,
  /** Valid MessagePack that is not a valid envelope or frame. */
  INVALID_ENVELOPE: 400,
  /** More sub-requests in one batch than allowed. */
  TOO_MANY_CALLS: 413,
  /** Sub-request headers larger than allowed. */
  HEADERS_TOO_LARGE: 431,
  /** A sub-request path that is not a same-origin absolute path, or that targets the batch endpoint. */
  INVALID_PATH: 400,
  /** A cancel message for a batch that has ended (one for a batch not read yet is held: 202). */
  UNKNOWN_BATCH: 404,
  /** A sub-request ran past its time limit. */
  TIMEOUT: 504,
  /** A sub-request was cancelled by its caller (the status nginx uses for closed requests). */
  CANCELED: 499,
  /** The server is at its queue limit. */
  OVERLOADED: 503,
  /** The request body did not arrive in time (too slow, or stalled). */
  BODY_TIMEOUT: 408,
  /** The client stopped reading the frame stream while results waited for it. */
  READ_TIMEOUT: 408,
  /** A value cannot be encoded (for example a BigInt wider than 64 bits). */
  ENCODE_FAILED: 500,
  /** An unexpected failure; details stay in the server's logs, never on the wire. */
  INTERNAL: 500,
  /** The transport failed: connection refused or reset, DNS, CORS. */
  NETWORK: 502,
  /** The batch endpoint answered with something that is not a wirepack frame stream. */
  BAD_RESPONSE: 502,
  /** The frame stream ended without a result for this sub-request. */
  MISSING_RESULT: 502,
} as const;

/** A code from the closed set in {@link ERROR_STATUS}. */
export type WirepackErrorCode = keyof typeof ERROR_STATUS;

/** The HTTP status that goes with a code. */
export function statusForCode(code: WirepackErrorCode): number {
  return ERROR_STATUS[code];
}

/** Whether a string is one of the protocol's error codes (for codes read off the wire). */
export function isWirepackErrorCode(value: unknown): value is WirepackErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_STATUS, value);
}

/** Options of {@link WirepackError}. */
export interface WirepackErrorOptions {
  /** The underlying error, kept for logs; never sent on the wire. */
  cause?: unknown;
  /** Overrides the status mapped from the code (for example the upstream status of BAD_RESPONSE). */
  status?: number;
  /**
   * Seconds the server asked the client to wait before trying again (its `Retry-After`, RFC 9110
   * section 10.2.3), for OVERLOADED answers.
   */
  retryAfter?: number;
}

/**
 * The one error class of wirepack's protocol, client and server. `code` is from a closed set and
 * `status` is the HTTP status that goes with it.
 */
export class WirepackError extends Error {
  override readonly name = 'WirepackError';
  readonly code: WirepackErrorCode;
  readonly status: number;
  /** Seconds to wait before a retry, when the server said (`Retry-After`); otherwise undefined. */
  readonly retryAfter: number | undefined;

  constructor(code: WirepackErrorCode, message: string, options: WirepackErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = options.status ?? ERROR_STATUS[code];
    this.retryAfter = options.retryAfter;
  }
}

/**
 * Whether a value is a {@link WirepackError}, also across copies of this package, optionally of one
 * code (the same shape as `isManifestError` and `isCdnError`).
 */
export function isWirepackError(value: unknown, code?: WirepackErrorCode): value is WirepackError {
  const coded =
    value instanceof WirepackError ||
    (value instanceof Error &&
      value.name === 'WirepackError' &&
      isWirepackErrorCode((value as WirepackError).code));
  return coded && (code === undefined || (value as WirepackError).code === code);
}
