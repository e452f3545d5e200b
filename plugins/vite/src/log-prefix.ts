/**
 * The one prefix of everything the plugin says: report lines, the progress line, warnings, errors
 * and option `TypeError`s. Vite puts `[plugin wirepack:<step>]` before what `this.warn` and
 * `this.error` report, naming the step; the message itself still starts with this, so one search
 * of a CI log finds every line the plugin wrote (STYLE.md: messages start with the package name).
 */
export const LOG_PREFIX = '[wirepack/vite-plugin]';
