import { existsSync } from 'node:fs';
import { realpath } from 'node:fs/promises';
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { type StaticHandler, serveStatic, toNodeListener } from '@wirepack/server/node';

/** Settings of the preview middleware. */
export interface PreviewMiddlewareOptions {
  /** Absolute output directory that `vite preview` serves. */
  readonly outDir: string;
  /** The manifest's path, absolute or relative to `outDir` (it may sit outside it: `manifest.outFile`); undefined when off. */
  readonly manifest: string | undefined;
  /** Extra headers to send (`preview.headers`). */
  readonly headers?: OutgoingHttpHeaders | undefined;
}

type Next = (error?: unknown) => void;

/**
 * A Connect middleware for `vite preview` that is the production static server: `serveStatic` of
 * `@wirepack/server/node` over the build's manifest, so preview sends what production sends (the
 * sibling the one Accept-Encoding negotiator picks, the manifest's Cache-Control and ETag, 304s,
 * ranges). Requests for files the manifest does not list go on to Vite's own static server; so does
 * everything when the build wrote no manifest. Only files the manifest lists are opened, so a path
 * that escapes the output directory (`..`, encoded or not, or a link leading out) is never served.
 */
export function createPreviewMiddleware(
  options: PreviewMiddlewareOptions,
): (request: IncomingMessage, response: ServerResponse, next: Next) => void {
  // Made at the first request: `vite preview` may start before a build has written the manifest.
  let server: { handler: StaticHandler; listener: ReturnType<typeof toNodeListener> } | null | undefined;
  const headers = headerRecord(options.headers);
  return (request, response, next) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return next();
    try {
      server ??= open(options, headers);
    } catch (error) {
      return next(error);
    }
    const pathname = (request.url ?? '/').replace(/[?#].*$/s, '');
    if (server !== null && server.handler.find(pathname) !== undefined)
      return server.listener(request, response);
    // Vite's static server follows symbolic links: refuse a path that leads out before it sees it.
    leavesRoot(options.outDir, pathname).then(
      (leaves) => {
        if (!leaves) return next();
        response.statusCode = 403;
        response.setHeader('content-type', 'text/plain; charset=utf-8');
        response.end('Forbidden');
      },
      (error: unknown) => next(error),
    );
  };
}

/** Whether a request path names, inside `root`, something whose real path is outside it. */
async function leavesRoot(root: string, pathname: string): Promise<boolean> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    // Malformed percent-encoding names no file; Vite answers it.
    return false;
  }
  const target = resolve(root, `.${decoded.startsWith('/') ? decoded : `/${decoded}`}`);
  const real = await realpath(target).catch(() => undefined);
  if (real === undefined) return !isInside(root, target);
  return !isInside(await realpath(root), real);
}

function isInside(root: string, target: string): boolean {
  const path = relative(root, target);
  return path === '' || (path !== '..' && !path.startsWith(`..${sep}`) && !isAbsolute(path));
}

function open(
  options: PreviewMiddlewareOptions,
  headers: Record<string, string>,
): { handler: StaticHandler; listener: ReturnType<typeof toNodeListener> } | null {
  if (options.manifest === undefined) return null;
  const manifest = resolve(options.outDir, options.manifest);
  if (!existsSync(manifest)) return null;
  const handler = serveStatic({ root: options.outDir, manifest, headers });
  // Vite compresses on the fly after this middleware; the files here are compressed already.
  return { handler, listener: toNodeListener(handler, { compression: false }) };
}

/** `preview.headers` as plain strings (Node allows numbers and arrays there). */
function headerRecord(headers: OutgoingHttpHeaders | undefined): Record<string, string> {
  const record: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value !== undefined) record[name] = Array.isArray(value) ? value.join(', ') : String(value);
  }
  return record;
}
