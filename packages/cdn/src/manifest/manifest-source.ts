import { readFile, stat } from 'node:fs/promises';
import { CdnError } from '../errors.ts';
import type { Manifest } from './manifest.ts';
import { readManifest } from './manifest-reader.ts';

/** Options for {@link loadManifest}. */
export interface LoadManifestOptions {
  /** Abort a URL fetch after this many milliseconds. @default 15000 */
  timeoutMs?: number | undefined;
  /** Refuse manifests larger than this many bytes. @default 268435456 (256 MiB) */
  maxBytes?: number | undefined;
  /** The fetch implementation for URLs. @default globalThis.fetch */
  fetch?: typeof globalThis.fetch | undefined;
  /** Which manifest this is, for error messages and error codes. @default 'manifest' */
  role?: 'manifest' | 'previous' | undefined;
}

/** Defaults of {@link LoadManifestOptions}. */
export const DEFAULT_LOAD_MANIFEST_OPTIONS: Readonly<{
  timeoutMs: number;
  maxBytes: number;
  role: 'manifest';
}> = Object.freeze({
  timeoutMs: 15_000,
  maxBytes: 256 * 1024 * 1024,
  role: 'manifest',
});

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * A manifest source as shown in messages and reports: a URL loses its query and credentials (a presigned S3 URL
 * carries `X-Amz-Credential` and a signature), a file path is shown as given.
 */
export function redactUrl(source: string): string {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(source)) return source;
  try {
    const url = new URL(source);
    return `${url.origin}${url.pathname}${url.search ? '?…' : ''}`;
  } catch {
    // Not a URL after all; showing it could show whatever secret it holds.
    return '(unparsable URL)';
  }
}

/**
 * Reads and validates a manifest from a file path or an `https:` URL (plain `http:` only on loopback,
 * for tests). Errors are `MANIFEST_UNREADABLE`/`MANIFEST_INVALID` for the new manifest and
 * `PREVIOUS_UNAVAILABLE`/`MANIFEST_INVALID` for the previous one.
 *
 * @example
 * const previous = await loadManifest('https://www.example.com/.wirepack/manifest.json', { role: 'previous' });
 */
export async function loadManifest(source: string, options: LoadManifestOptions = {}): Promise<Manifest> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_LOAD_MANIFEST_OPTIONS.timeoutMs;
  const maxBytes = options.maxBytes ?? DEFAULT_LOAD_MANIFEST_OPTIONS.maxBytes;
  const role = options.role ?? DEFAULT_LOAD_MANIFEST_OPTIONS.role;
  const unreadable = role === 'previous' ? 'PREVIOUS_UNAVAILABLE' : 'MANIFEST_UNREADABLE';
  const label = role === 'previous' ? 'previous manifest' : 'manifest';
  const text = /^[a-z][a-z0-9+.-]*:\/\//i.test(source)
    ? await fetchText(source, {
        timeoutMs,
        maxBytes,
        fetch: options.fetch ?? globalThis.fetch,
        label,
        unreadable,
      })
    : await readText(source, maxBytes, label, unreadable);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new CdnError(
      'MANIFEST_INVALID',
      `${label} ${redactUrl(source)} is not valid JSON: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  return readManifest(json, redactUrl(source));
}

async function readText(
  path: string,
  maxBytes: number,
  label: string,
  code: 'MANIFEST_UNREADABLE' | 'PREVIOUS_UNAVAILABLE',
): Promise<string> {
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new CdnError(code, `${label} ${path} is not a file`);
    if (info.size > maxBytes) throw new CdnError(code, `${label} ${path} is larger than ${maxBytes} bytes`);
    return await readFile(path, 'utf8');
  } catch (error) {
    if (error instanceof CdnError) throw error;
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : 'cannot be read';
    throw new CdnError(code, `${label} ${path} ${reason} (${(error as Error).message})`, { cause: error });
  }
}

async function fetchText(
  source: string,
  options: {
    timeoutMs: number;
    maxBytes: number;
    fetch: typeof globalThis.fetch;
    label: string;
    unreadable: 'MANIFEST_UNREADABLE' | 'PREVIOUS_UNAVAILABLE';
  },
): Promise<string> {
  const { label, unreadable: code } = options;
  const url = new URL(source);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK.has(url.hostname))) {
    throw new CdnError(code, `${label} URL must use https: (got ${url.protocol}//${url.host})`);
  }
  // Credentials in a URL would end up in messages; refuse them rather than redact them.
  if (url.username || url.password) throw new CdnError(code, `${label} URL must not contain credentials`);
  const shown = `${url.origin}${url.pathname}`;
  let response: Response;
  try {
    response = await options.fetch(url, {
      signal: AbortSignal.timeout(options.timeoutMs),
      // The live manifest may itself sit behind the CDN: ask for a fresh copy.
      headers: { accept: 'application/json', 'cache-control': 'no-cache' },
      redirect: 'follow',
    });
  } catch (error) {
    const reason =
      (error as Error).name === 'TimeoutError'
        ? `timed out after ${options.timeoutMs} ms`
        : (error as Error).message;
    throw new CdnError(code, `${label} ${shown} could not be fetched: ${reason}`, { cause: error });
  }
  if (!response.ok) {
    await response.body?.cancel();
    const hint = response.status === 404 ? '; on a first deploy, omit --previous' : '';
    throw new CdnError(code, `${label} ${shown} answered HTTP ${response.status}${hint}`);
  }
  const declared = Number(response.headers.get('content-length') ?? '0');
  if (declared > options.maxBytes) {
    await response.body?.cancel();
    throw new CdnError(code, `${label} ${shown} is larger than ${options.maxBytes} bytes`);
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = response.body?.getReader();
  try {
    while (reader) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > options.maxBytes) {
        await reader.cancel();
        throw new CdnError(code, `${label} ${shown} is larger than ${options.maxBytes} bytes`);
      }
      chunks.push(value);
    }
  } catch (error) {
    if (error instanceof CdnError) throw error;
    throw new CdnError(code, `${label} ${shown} could not be read: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return new TextDecoder('utf-8', { fatal: false }).decode(Buffer.concat(chunks));
}
