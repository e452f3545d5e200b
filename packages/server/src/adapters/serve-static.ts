import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  createManifestIndex,
  DEFAULT_MANIFEST_PATH,
  type ManifestEntry,
  type ManifestFile,
  parseManifest,
  type WirepackManifest,
} from '@wirepack/manifest';
// Internal and pure; bundled into this entry like batch-context.ts.
import { passResponse } from '../compose.ts';
import { ifNoneMatchMatches, ifRangeAllows, parseRange } from '../http-conditions.ts';
import { type ContentCoding, negotiateEncoding } from '../negotiate-encoding.ts';
import { type StaticBody, StaticFiles, type StaticWarning } from './static-files.ts';

export type { StaticWarning } from './static-files.ts';

/** Options of {@link serveStatic}. */
export interface ServeStaticOptions {
  /** The build's output directory (Vite's `outDir`). Only files the manifest lists under it are served. */
  readonly root: string;
  /**
   * The manifest, or its path relative to `root`; read once, when the handler is made.
   * @default '.wirepack/manifest.json'
   */
  readonly manifest?: WirepackManifest | string;
  /** The file served for a path ending in `/`; `false` for none. @default 'index.html' */
  readonly index?: string | false;
  /**
   * For a single-page app: the URL path (in the manifest) answered to a GET for any other path whose
   * `Accept` includes `text/html` (a navigation), with status 200. `false` passes such requests on.
   * @default false
   */
  readonly spaFallback?: string | false;
  /**
   * `Cache-Control` values instead of the manifest's (`public, max-age=31536000, immutable` for hashed
   * names, `public, max-age=0, must-revalidate` for the rest): a string per kind of file.
   * @default {} (the manifest's value for each file)
   */
  readonly cacheControl?: { readonly immutable?: string; readonly revalidate?: string };
  /** Headers added to every file response (CSP, HSTS...). @default {} */
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * Files up to this size are read in one call and sent as one chunk; larger ones stream from disk
   * in 64 KiB chunks, so memory per response stays bounded.
   * @default 65536
   */
  readonly bufferLimit?: number;
  /**
   * Receives problems with the files (listed but missing, changed since the build, a link leaving
   * `root`); the request gets a 404 (or the identity file, when only a sibling is affected). Each file
   * is reported once per handler.
   * @default logs to console.warn
   */
  readonly onWarning?: (warning: StaticWarning) => void;
}

/** Defaults of {@link ServeStaticOptions}. */
export const DEFAULT_SERVE_STATIC_OPTIONS: Readonly<{
  manifest: string;
  index: string;
  spaFallback: false;
  bufferLimit: number;
}> = Object.freeze({
  manifest: DEFAULT_MANIFEST_PATH,
  index: 'index.html',
  spaFallback: false,
  bufferLimit: 64 * 1024,
});

/** The handler {@link serveStatic} returns. */
export interface StaticHandler {
  (request: Request): Promise<Response>;
  /**
   * The manifest entry a request path (percent-encoded, no query) is served from, `index` applied;
   * undefined when the handler would pass it on (the SPA fallback is not applied here). Lets a
   * Connect-style server call `next()` without building a Request.
   */
  find(pathname: string): ManifestEntry | undefined;
}

/** The representation chosen for one response. */
interface Representation {
  readonly path: string;
  readonly size: number;
  readonly etag: string;
  readonly coding: ContentCoding | undefined;
}

/**
 * Serves `@wirepack/vite-plugin`'s output from its manifest: a Web-standard handler that finds files
 * in memory (no file-system lookup per request), sends the precompressed sibling the request's
 * `Accept-Encoding` prefers, with `Content-Type`, `Content-Encoding`, `Content-Length`, `Vary`,
 * `Cache-Control` (immutable for hashed names) and an `ETag` from the manifest's hash (one per
 * encoding); answers `304` to `If-None-Match`, `HEAD`, and single `Range`s on the identity bytes.
 * Only files the manifest lists are ever opened, so a request path cannot name anything else
 * (`..`, encoded separators, backslashes, NUL, absolute paths); links are resolved and must stay
 * in `root`. Anything it does not serve (other methods, unknown paths) is a {@link passResponse},
 * which `compose()` hands to the next handler.
 *
 * @example
 * import { compose, createBatchHandler } from '@wirepack/server';
 * import { serveStatic, toNodeListener } from '@wirepack/server/node';
 * const assets = serveStatic({ root: 'dist', spaFallback: '/index.html' });
 * createServer(toNodeListener(createBatchHandler({ fetch: compose(assets, app.fetch) }))).listen(3000);
 */
export function serveStatic(options: ServeStaticOptions): StaticHandler {
  if (typeof options?.root !== 'string' || options.root === '') {
    throw new TypeError('[wirepack/server] serveStatic needs options.root, the output directory');
  }
  const root = resolve(options.root);
  const manifest = loadManifest(root, options.manifest ?? DEFAULT_SERVE_STATIC_OPTIONS.manifest);
  const index = createManifestIndex(manifest);
  const indexName = options.index ?? DEFAULT_SERVE_STATIC_OPTIONS.index;
  const fallback = options.spaFallback ?? DEFAULT_SERVE_STATIC_OPTIONS.spaFallback;
  const fallbackEntry = fallback === false ? undefined : index.lookup(fallback);
  if (fallback !== false && fallbackEntry === undefined) {
    throw new TypeError(`[wirepack/server] serveStatic: spaFallback ${fallback} is not in the manifest`);
  }
  const extraHeaders = Object.entries(options.headers ?? {});
  const cacheControl = options.cacheControl ?? {};
  const files = new StaticFiles(
    root,
    options.bufferLimit ?? DEFAULT_SERVE_STATIC_OPTIONS.bufferLimit,
    options.onWarning ?? ((warning) => console.warn(warning.message)),
  );

  const handler = async (request: Request): Promise<Response> => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return passResponse();
    const pathname = pathnameOf(request.url);
    let entry = pathname === undefined ? undefined : find(pathname);
    let vary = 'Accept-Encoding';
    if (entry === undefined && fallbackEntry !== undefined) {
      if (!acceptsHtml(request.headers.get('accept'))) return passResponse();
      entry = fallbackEntry;
      vary = 'Accept, Accept-Encoding';
    }
    if (entry === undefined) return passResponse();
    return respond(request, entry.file, vary);
  };
  return Object.assign(handler, { find });

  function find(pathname: string): ManifestEntry | undefined {
    const found = index.lookup(pathname);
    if (found !== undefined || indexName === false || !pathname.endsWith('/')) return found;
    return index.lookup(pathname + encodeURIComponent(indexName));
  }

  async function respond(request: Request, file: ManifestFile, vary: string): Promise<Response> {
    const headers = new Headers(extraHeaders);
    headers.set('vary', vary);
    const accept = request.headers.get('accept-encoding');
    const codings = Object.keys(file.encodings) as ContentCoding[];
    let coding = negotiateEncoding(accept, codings);
    const range = request.headers.get('range');
    // A range applies to the identity bytes: serve them for a Range request when the client takes them.
    if (range !== null && coding !== 'identity' && negotiateEncoding(accept, []) === 'identity') {
      coding = 'identity';
    }
    if (coding === null) {
      headers.set('content-type', 'text/plain; charset=utf-8');
      return new Response('Not Acceptable: no encoding allowed by Accept-Encoding', { status: 406, headers });
    }
    let chosen = representation(file, coding);
    let body = await files.open(chosen.path, chosen.size);
    if (body === undefined && chosen.coding !== undefined) {
      // The sibling is gone: the identity file is still a correct answer.
      chosen = representation(file, 'identity');
      body = await files.open(chosen.path, chosen.size);
    }
    if (body === undefined) {
      headers.set('content-type', 'text/plain; charset=utf-8');
      return new Response('Not Found', { status: 404, headers });
    }

    headers.set('etag', chosen.etag);
    headers.set(
      'cache-control',
      (file.immutable ? cacheControl.immutable : cacheControl.revalidate) ?? file.cacheControl,
    );
    if (ifNoneMatchMatches(request.headers.get('if-none-match'), chosen.etag)) {
      await body.close();
      return new Response(null, { status: 304, headers });
    }
    headers.set('content-type', file.contentType);
    headers.set('x-content-type-options', 'nosniff');
    if (chosen.coding !== undefined) headers.set('content-encoding', chosen.coding);
    else headers.set('accept-ranges', 'bytes');

    let status = 200;
    let start = 0;
    let end = chosen.size - 1;
    if (
      chosen.coding === undefined &&
      range !== null &&
      ifRangeAllows(request.headers.get('if-range'), chosen.etag)
    ) {
      const wanted = parseRange(range, chosen.size);
      if (wanted === 'unsatisfiable') {
        await body.close();
        headers.set('content-range', `bytes */${chosen.size}`);
        headers.set('content-type', 'text/plain; charset=utf-8');
        return new Response('Range Not Satisfiable', { status: 416, headers });
      }
      if (wanted !== undefined) {
        status = 206;
        ({ start, end } = wanted);
        headers.set('content-range', `bytes ${start}-${end}/${chosen.size}`);
      }
    }
    headers.set('content-length', String(end - start + 1));
    if (request.method === 'HEAD') {
      await body.close();
      return new Response(null, { status, headers });
    }
    return new Response(await readBody(body, start, end), { status, headers });
  }

  async function readBody(body: StaticBody, start: number, end: number): Promise<BodyInit | null> {
    if (end < start) {
      await body.close();
      return null;
    }
    // Node Buffers and web streams of them are both valid bodies; the DOM typing is narrower.
    return (await body.read(start, end)) as BodyInit;
  }
}

function representation(file: ManifestFile, coding: ContentCoding | 'identity'): Representation {
  const sibling = coding === 'identity' ? undefined : file.encodings[coding];
  const source = sibling ?? file;
  // The manifest's sha256 of exactly these bytes: a strong validator, distinct per encoding.
  return {
    path: source.path,
    size: source.size,
    etag: `"${source.hash.slice('sha256-'.length, -1)}"`,
    coding: sibling === undefined ? undefined : (coding as ContentCoding),
  };
}

function loadManifest(root: string, manifest: WirepackManifest | string): WirepackManifest {
  if (typeof manifest !== 'string')
    return parseManifest(JSON.stringify(manifest), { source: 'options.manifest' });
  const path = resolve(root, manifest);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(
      `[wirepack/server] serveStatic: cannot read the manifest ${path} (${(error as Error).message}); ` +
        'build with @wirepack/vite-plugin, or pass options.manifest',
      { cause: error },
    );
  }
  return parseManifest(text, { source: path });
}

/** The request's path, percent-encoded as sent, or undefined when the URL does not parse. */
function pathnameOf(url: string): string | undefined {
  try {
    return new URL(url).pathname;
  } catch {
    // Request URLs are absolute; one that is not names no file.
    return undefined;
  }
}

/** Whether an `Accept` header asks for HTML: browsers' navigations send `text/html` first. */
function acceptsHtml(accept: string | null): boolean {
  return accept !== null && /(^|[\s,])text\/html(\s*(;|,|$))/i.test(accept.slice(0, 1024));
}
