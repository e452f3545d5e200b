/**
 * Every failure of `@wirepack/manifest` is a {@link ManifestError} with one of these codes, closed
 * so callers may switch on `error.code`:
 * - `MANIFEST_NOT_JSON`: the text does not parse as JSON.
 * - `MANIFEST_TOO_LARGE`: the text, a path or the number of files passes {@link MANIFEST_LIMITS}.
 * - `MANIFEST_VERSION`: a `version` this reader does not understand (a newer writer).
 * - `MANIFEST_INVALID`: parsed, but not the shape of the JSON Schema (the message names the field).
 */
export const MANIFEST_ERROR_CODES = [
  'MANIFEST_NOT_JSON',
  'MANIFEST_TOO_LARGE',
  'MANIFEST_VERSION',
  'MANIFEST_INVALID',
] as const;

/** One of {@link MANIFEST_ERROR_CODES}. */
export type ManifestErrorCode = (typeof MANIFEST_ERROR_CODES)[number];

const PREFIX = '[wirepack/manifest] ';

/**
 * The one error class of `@wirepack/manifest`. `message` starts with `[wirepack/manifest]` and names
 * the manifest's source and the offending field.
 *
 * @example
 * try { parseManifest(text) } catch (error) {
 *   if (isManifestError(error, 'MANIFEST_VERSION')) console.error('upgrade @wirepack/manifest');
 * }
 */
export class ManifestError extends Error {
  /** Which kind of failure this is; stable across versions. */
  readonly code: ManifestErrorCode;

  constructor(code: ManifestErrorCode, message: string, options?: { cause?: unknown }) {
    super(message.startsWith(PREFIX) ? message : PREFIX + message, options);
    this.name = 'ManifestError';
    this.code = code;
  }
}

/** True for a {@link ManifestError}, optionally of one code. */
export function isManifestError(value: unknown, code?: ManifestErrorCode): value is ManifestError {
  return value instanceof ManifestError && (code === undefined || value.code === code);
}
