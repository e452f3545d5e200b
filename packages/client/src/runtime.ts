/**
 * What the client learns from the runtime it runs in, in one place. The client is portable (browsers,
 * workers, Node, Deno, Bun), and four of its behaviours depend on globals only some runtimes have:
 *
 * - `baseUrl`: relative URLs resolve against the page, as they do in `fetch`. Browsers and workers have
 *   `location`; Node and other servers do not, and need absolute URLs.
 * - `cookieJar`: whether cookies from responses go to a browser's cookie jar (`document` exists). Only
 *   the HTTP layer can fill it (HttpOnly cookies cannot be set from script), and a batch response
 *   starts streaming before its calls finish, so it cannot carry their `Set-Cookie` headers.
 * - `gzip`: `CompressionStream` exists (browsers since 2023, Node since 18), so batch bodies can be gzipped.
 * - `responseCodings`: what to ask for in `Accept-Encoding` when the runtime's own `fetch` asks for less
 *   than it decodes. Node's fetch (undici, named in `process.versions`) decodes br but sends only
 *   `gzip, deflate`; browsers send br themselves (and the header is theirs to set). For a batch stream
 *   br is both smaller and cheaper: 256 results as MessagePack, 15 KB, became 1.8 KB in 0.17 ms at
 *   brotli q4 and 2.7 KB in 0.28 ms at gzip 6 (the server's defaults, measured on these machines).
 *
 * Read at each use, not at import, so tests and polyfills can install a global late. Everything else the
 * client needs from its environment (`fetch`, brotli) is an option, not detected.
 */
export function detectRuntime(): {
  readonly baseUrl: string | undefined;
  readonly cookieJar: boolean;
  readonly gzip: boolean;
  readonly responseCodings: string | undefined;
} {
  const versions = (globalThis as { process?: { versions?: Record<string, string | undefined> } }).process
    ?.versions;
  return {
    baseUrl: pageUrl(),
    cookieJar: typeof document !== 'undefined',
    gzip: typeof CompressionStream === 'function',
    responseCodings: typeof versions?.undici === 'string' ? 'br, gzip, deflate' : undefined,
  };
}

/**
 * `detectRuntime().baseUrl` alone: what every call's URL resolves against, read on each call without
 * the rest of the detection (`location.href` in a page or worker, else undefined).
 */
export function pageUrl(): string | undefined {
  return typeof location === 'undefined' ? undefined : location.href;
}
