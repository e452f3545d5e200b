import type { CdnErrorCode } from '../errors.ts';

/** Exit codes of the `wirepack` CLI (also `report.exitCode` of `invalidate`). Documented in the README. */
export const EXIT_CODES: Readonly<{
  ok: 0;
  internal: 1;
  usage: 2;
  manifest: 3;
  rejected: 4;
  unavailable: 5;
  notConfirmed: 6;
}> = Object.freeze({
  /** Planned and submitted (or nothing to do, or a dry run); also submitted-not-confirmed without --strict. */
  ok: 0,
  /** An unexpected error (a bug): please report it. */
  internal: 1,
  /** Bad command line. */
  usage: 2,
  /** The new or previous manifest is missing, unreachable or invalid; nothing was submitted. */
  manifest: 3,
  /** The CDN refused a request (credentials, permissions, distribution id, path, caller reference), or the SDK is missing. */
  rejected: 4,
  /** The CDN stayed throttled/unavailable after retries, or no in-flight room appeared in time: re-run later (idempotent). */
  unavailable: 5,
  /** With --strict: submitted, but completion was not confirmed within --wait. */
  notConfirmed: 6,
});

/** The exit code for an error code. */
export function exitCodeFor(code: CdnErrorCode): number {
  switch (code) {
    case 'USAGE':
      return EXIT_CODES.usage;
    case 'MANIFEST_UNREADABLE':
    case 'MANIFEST_INVALID':
    case 'PREVIOUS_UNAVAILABLE':
      return EXIT_CODES.manifest;
    case 'SDK_MISSING':
    case 'PROVIDER_REJECTED':
    case 'CALLER_REFERENCE_CONFLICT':
      return EXIT_CODES.rejected;
    case 'PROVIDER_UNAVAILABLE':
    case 'IN_FLIGHT_TIMEOUT':
      return EXIT_CODES.unavailable;
    case 'NOT_CONFIRMED':
      return EXIT_CODES.notConfirmed;
  }
}
