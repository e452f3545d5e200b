import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { ENCODINGS, type Encoding, SIBLING_EXTENSIONS } from './codecs.js';
import { contentTypeFromName } from './content-types.js';
import { basePath } from './output-urls.js';

/**
 * Picks the encoding to send from an `Accept-Encoding` header (RFC 9110 section 12.5.3) among the
 * siblings that exist: highest q-value first, ties broken by `preference` (smallest output first);
 * `q=0` refuses a coding, `*` stands for any coding not named. `undefined` means send the original.
 */
export function negotiateEncoding(
  header: string | undefined,
  available: readonly Encoding[],
  preference: readonly Encoding[] = ENCODINGS,
): Encoding | undefined {
  if (header === undefined || header.trim() === '' || available.length === 0) return undefined;
  const weights = new Map<string, number>();
  for (const part of header.slice(0, 1024).split(',')) {
    const [token, ...parameters] = part.trim().split(';');
    const name = token?.trim().toLowerCase();
    if (name === undefined || name === '') continue;
    let q = 1;
    for (const parameter of parameters) {
      const match = /^\s*q\s*=\s*([01](?:\.\d{0,3})?)\s*$/i.exec(parameter);
      if (match !== null) q = Math.min(1, Number(match[1]));
    }
    weights.set(name === 'x-gzip' ? 'gzip' : name, Math.max(q, weights.get(name) ?? 0));
  }
  let best: Encoding | undefined;
  let bestQ = 0;
  for (const encoding of preference) {
    if (!available.includes(encoding)) continue;
    const q = weights.get(encoding) ?? weights.get('*') ?? 0;
    if (q > bestQ) {
      best = encoding;
      bestQ = q;
    }
  }
  return best;
}

/** Settings of the preview middleware. */
export interface PreviewMiddlewareOptions {
  /** Absolute output directory that `vite preview` serves. */
  readonly outDir: string;
  /** Vite's `base`. */
  readonly base: string;
  /** Extra headers to send (`preview.headers`). */
  readonly headers?: OutgoingHttpHeaders | undefined;
}

type Next = (error?: unknown) => void;

/**
 * A Connect middleware for `vite preview` that answers a GET or HEAD for an output file with its
 * precompressed sibling when the client accepts it, with `Content-Encoding`, the original's
 * `Content-Type`, `Vary: Accept-Encoding` and `Content-Length`. Anything else is passed on to
 * Vite's own static server (with `Vary` set when siblings exist). Paths are resolved inside the
 * output directory only: a request whose path escapes it (`..`, encoded or not, or through a
 * symbolic link) is answered 403 and nothing is read.
 */
export function createPreviewMiddleware(
  options: PreviewMiddlewareOptions,
): (request: IncomingMessage, response: ServerResponse, next: Next) => void {
  const root = resolve(options.outDir);
  const prefix = basePath(options.base);
  let realRoot: Promise<string> | undefined;
  return (request, response, next) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return next();
    serve(request, response).then(
      (handled) => {
        if (!handled) next();
      },
      (error: unknown) => next(error),
    );
  };

  async function serve(request: IncomingMessage, response: ServerResponse): Promise<boolean> {
    const rawPath = (request.url ?? '/').replace(/[?#].*$/s, '');
    let pathname: string;
    try {
      pathname = decodeURIComponent(rawPath);
    } catch {
      return refuse(response, 400, 'Bad Request');
    }
    if (pathname.includes('\0')) return refuse(response, 400, 'Bad Request');
    if (!pathname.startsWith(prefix)) {
      // `/app` for base `/app/`: Vite redirects or 404s it; not ours.
      return false;
    }
    let file = pathname.slice(prefix.length);
    if (file === '' || file.endsWith('/')) file += 'index.html';
    const target = resolve(root, file);
    if (!isInside(root, target)) return refuse(response, 403, 'Forbidden');
    const info = await stat(target).catch(() => undefined);
    if (info === undefined || !info.isFile()) return false;
    realRoot ??= realpath(root);
    if (!isInside(await realRoot, await realpath(target))) return refuse(response, 403, 'Forbidden');

    const siblings = new Map<Encoding, number>();
    for (const encoding of ENCODINGS) {
      const sibling = await stat(target + SIBLING_EXTENSIONS[encoding]).catch(() => undefined);
      if (sibling?.isFile()) siblings.set(encoding, sibling.size);
    }
    if (siblings.size === 0) return false;
    response.setHeader('Vary', 'Accept-Encoding');
    const header = request.headers['accept-encoding'];
    const encoding = negotiateEncoding(Array.isArray(header) ? header.join(',') : header, [
      ...siblings.keys(),
    ]);
    if (encoding === undefined) return false;

    const size = siblings.get(encoding)!;
    const siblingPath = target + SIBLING_EXTENSIONS[encoding];
    if (!isInside(await realRoot, await realpath(siblingPath))) return refuse(response, 403, 'Forbidden');
    for (const [name, value] of Object.entries(options.headers ?? {})) {
      if (value !== undefined) response.setHeader(name, value);
    }
    response.statusCode = 200;
    // A file with siblings but no known extension was sniffed as text when it was built.
    response.setHeader('Content-Type', contentTypeFromName(file)?.contentType ?? 'text/plain; charset=utf-8');
    response.setHeader('Content-Encoding', encoding);
    response.setHeader('Content-Length', size);
    response.setHeader('Cache-Control', 'no-cache');
    if (request.method === 'HEAD') {
      response.end();
      return true;
    }
    await new Promise<void>((done, fail) => {
      const stream = createReadStream(siblingPath);
      stream.on('error', fail);
      response.on('close', () => {
        stream.destroy();
        done();
      });
      stream.pipe(response);
    });
    return true;
  }
}

function isInside(root: string, target: string): boolean {
  const path = relative(root, target);
  return path !== '' && path !== '..' && !path.startsWith(`..${sep}`) && !isAbsolute(path);
}

function refuse(response: ServerResponse, status: number, message: string): true {
  response.statusCode = status;
  response.setHeader('Content-Type', 'text/plain; charset=utf-8');
  response.end(message);
  return true;
}
