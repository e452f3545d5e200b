/**
 * The one check client and server share for option objects: a key that is not an option is a typo
 * (`limits.maxCall` for `maxCalls`), and silently falling back to the default would hide it until the
 * limit mattered. The Vite plugin does the same (plugins/vite/src/options.ts); this lives in the
 * protocol package because it is the one both ends import, and they never import each other.
 */

/**
 * Throws a TypeError naming the first own key of `value` that is not in `known`, and the known ones.
 * Symbol keys are ignored (no option is a symbol); an unknown key is reported whatever its value,
 * since `{ maxCall: undefined }` is still a typo.
 *
 * @param value The options object (or nested object) as the caller passed it.
 * @param known Every key allowed at this level.
 * @param where The path of this object in the options, `''` for the top level, `'limits'` for a nested one.
 * @param prefix The package's message prefix, e.g. `'[wirepack/server]'`.
 * @example
 * rejectUnknownKeys(options.limits ?? {}, Object.keys(DEFAULT_SERVER_LIMITS), 'limits', '[wirepack/server]');
 */
export function rejectUnknownKeys(
  value: object,
  known: readonly string[],
  where: string,
  prefix: string,
): void {
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) {
      const option = where === '' ? key : `${where}.${key}`;
      throw new TypeError(`${prefix} unknown option \`${option}\` (known here: ${known.join(', ')})`);
    }
  }
}
