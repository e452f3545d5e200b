/**
 * What the client learns from the runtime it runs in, in one place. The client is portable (browsers,
 * workers, Node, Deno, Bun), and three of its behaviours depend on globals only some runtimes have:
 *
 * - `baseUrl`: relative URLs resolve against the page, as they do in `fetch`. Browsers and workers have
 *   `location`; Node and other servers do not, and need absolute URLs.
 * - `cookieJar`: whether cookies from responses go to a browser's cookie jar (`document` exists). Only
 *   the HTTP layer can fill it (HttpOnly cookies cannot be set from script), and a batch response
 *   starts streaming before its calls finish, so it cannot carry their `Set-Cookie` headers.
 * - `gzip`: `CompressionStream` exists (browsers since 2023, Node since 18), so batch bodies can be gzipped.
 *
 * Read at each use, not at import, so tests and polyfills can install a global late. Everything else the
 * client needs from its environment (`fetch`, brotli) is an option, not detected.
 */
export function detectRuntime(): {
  readonly baseUrl: string | undefined;
  readonly cookieJar: boolean;
  readonly gzip: boolean;
} {
  return {
    baseUrl: typeof location === 'undefined' ? undefined : location.href,
    cookieJar: typeof document !== 'undefined',
    gzip: typeof CompressionStream === 'function',
  };
}
