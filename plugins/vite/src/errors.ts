import { LOG_PREFIX } from './log-prefix.js';

/**
 * Every build-failing problem the plugin finds itself is a {@link WirepackPluginError} with one of these
 * codes, each with the HTTP status that describes it: the shape of `@wirepack/protocol`'s `ERROR_STATUS`,
 * `@wirepack/manifest`'s and `@wirepack/cdn`'s. Hooks hand these to Vite through `this.error`, which
 * names the step (`[plugin wirepack:precompress]`). Invalid options are `TypeError`s, thrown at once by
 * the factory (programmer misuse, not a runtime failure).
 */
export const PLUGIN_ERROR_STATUS: Readonly<{
  OUTPUT_FILE_FAILED: 500;
  MANIFEST_PATH_CONFLICT: 409;
}> = Object.freeze({
  /** An output file disappeared, changed or could not be read while it was processed. */
  OUTPUT_FILE_FAILED: 500,
  /** The manifest would overwrite an output file, or two environments would write one manifest. */
  MANIFEST_PATH_CONFLICT: 409,
});

/** A code from the closed set in {@link PLUGIN_ERROR_STATUS}. */
export type PluginErrorCode = keyof typeof PLUGIN_ERROR_STATUS;

const PREFIX = `${LOG_PREFIX} `;

/** Options of {@link WirepackPluginError}. */
export interface PluginErrorOptions {
  /** The underlying error. */
  cause?: unknown;
  /** The output file concerned, relative to the output directory. */
  file?: string | undefined;
  /** The Node error code behind it (`ENOENT` for a file that disappeared, `ECHANGED` for one rewritten). */
  errno?: string | undefined;
}

/**
 * The one error class of the plugin. `message` starts with `[wirepack/vite-plugin]` and says what failed,
 * for which file, and what to do; `status` is the code's entry in {@link PLUGIN_ERROR_STATUS}.
 */
export class WirepackPluginError extends Error {
  override readonly name = 'WirepackPluginError';
  /** Which kind of failure this is; stable across versions. */
  readonly code: PluginErrorCode;
  /** The HTTP status that goes with the code. */
  readonly status: number;
  /** The output file concerned, when there is one. */
  readonly file: string | undefined;
  /** The Node error code behind it, when there is one. */
  readonly errno: string | undefined;

  constructor(code: PluginErrorCode, message: string, options: PluginErrorOptions = {}) {
    super(
      message.startsWith(PREFIX) ? message : PREFIX + message,
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.code = code;
    this.status = PLUGIN_ERROR_STATUS[code];
    this.file = options.file;
    this.errno = options.errno;
  }
}

/** True for a {@link WirepackPluginError}, optionally of one code. */
export function isWirepackPluginError(value: unknown, code?: PluginErrorCode): value is WirepackPluginError {
  return value instanceof WirepackPluginError && (code === undefined || value.code === code);
}

/** The error for an output file that failed while processed, worded by what happened to it. */
export function outputFileError(
  file: string,
  problem: { readonly code: string; readonly message: string },
): WirepackPluginError {
  const what =
    problem.code === 'ENOENT'
      ? `${file} disappeared from the output directory during the build (deleted or renamed by another plugin or process?)`
      : problem.code === 'ECHANGED'
        ? `${file} changed while it was being compressed (another plugin or process is still writing the output directory)`
        : `${file} could not be processed (${problem.code}): ${problem.message}`;
  return new WirepackPluginError('OUTPUT_FILE_FAILED', what, { file, errno: problem.code });
}

/** {@link outputFileError} for a thrown Node error. */
export function outputFileErrorFrom(file: string, error: unknown): WirepackPluginError {
  return outputFileError(file, {
    code: (error as NodeJS.ErrnoException).code ?? 'EIO',
    message: (error as Error).message,
  });
}
