/**
 * Every failure of `@wirepack/manifest` is a {@link ManifestError} with one of these codes, each with the
 * HTTP status that describes it (the shape of `@wirepack/protocol`'s `ERROR_STATUS`). The set is closed,
 * so callers may switch on `error.code`.
 */
export const MANIFEST_ERROR_STATUS: Readonly<{
  MANIFEST_NOT_JSON: 422;
  MANIFEST_TOO_LARGE: 413;
  MANIFEST_VERSION: 422;
  MANIFEST_INVALID: 422;
}> = Object.freeze({
  /** The text does not parse as JSON. */
  MANIFEST_NOT_JSON: 422,
  /** The text, a path or the number of files passes {@link MANIFEST_LIMITS}. */
  MANIFEST_TOO_LARGE: 413,
  /** A `version` this reader does not understand (a newer writer). */
  MANIFEST_VERSION: 422,
  /** Parsed, but not the shape of the JSON Schema (the message names the field). */
  MANIFEST_INVALID: 422,
});

/** A code from the closed set in {@link MANIFEST_ERROR_STATUS}. */
export type ManifestErrorCode = keyof typeof MANIFEST_ERROR_STATUS;

const PREFIX = '[wirepack/manifest] ';

/**
 * The one error class of `@wirepack/manifest`. `message` starts with `[wirepack/manifest]` and names
 * the manifest's source and the offending field; `status` is the code's entry in
 * {@link MANIFEST_ERROR_STATUS}.
 *
 * @example
 * try { parseManifest(text) } catch (error) {
 *   if (isManifestError(error, 'MANIFEST_VERSION')) console.error('upgrade @wirepack/manifest');
 * }
 */
export class ManifestError extends Error {
  override readonly name = 'ManifestError';
  /** Which kind of failure this is; stable across versions. */
  readonly code: ManifestErrorCode;
  /** The HTTP status that goes with the code. */
  readonly status: number;

  constructor(code: ManifestErrorCode, message: string, options?: { cause?: unknown }) {
    super(message.startsWith(PREFIX) ? message : PREFIX + message, options);
    this.code = code;
    this.status = MANIFEST_ERROR_STATUS[code];
  }
}

/** True for a {@link ManifestError}, optionally of one code. */
export function isManifestError(value: unknown, code?: ManifestErrorCode): value is ManifestError {
  return value instanceof ManifestError && (code === undefined || value.code === code);
}
