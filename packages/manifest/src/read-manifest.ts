import { ManifestError, type ManifestErrorCode } from './errors.ts';
import {
  MANIFEST_CODINGS,
  MANIFEST_GENERATOR,
  MANIFEST_VERSION,
  type ManifestCoding,
  type ManifestEncoding,
  type ManifestFile,
  manifestUrlOf,
  type WirepackManifest,
} from './manifest.ts';

/**
 * The readers' half of the contract: the rules of `manifest.schema.json`, checked by hand (no schema
 * engine at run time), plus what a schema cannot say: each key is the URL of its file's path, and
 * limits on everything, because a manifest may come from a URL (the cdn's `--previous`).
 */

/** Limits on untrusted manifests. */
export interface ManifestLimits {
  /** Largest manifest text, in UTF-16 code units. @default 268435456 (256 Mi) */
  readonly maxTextLength: number;
  /** Most files. @default 1000000 */
  readonly maxFiles: number;
  /** Longest path or URL. @default 16384 */
  readonly maxPathLength: number;
}

/** Defaults of {@link ManifestLimits}. */
export const MANIFEST_LIMITS: ManifestLimits = Object.freeze({
  maxTextLength: 256 * 1024 * 1024,
  maxFiles: 1_000_000,
  maxPathLength: 16_384,
});

/** Options of {@link parseManifest} and {@link validateManifest}. */
export interface ReadManifestOptions {
  /** Where the manifest came from, for messages (a path or a URL without secrets). @default 'manifest' */
  readonly source?: string | undefined;
  /** Limits; missing fields take {@link MANIFEST_LIMITS}. @default MANIFEST_LIMITS */
  readonly limits?: Partial<ManifestLimits> | undefined;
}

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const SHA256 = /^sha256-[A-Za-z0-9+/]{43}=$/;
const SHA384 = /^sha384-[A-Za-z0-9+/]{64}$/;
const BASE = /^\/(.*\/)?$/s;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this rejects
const CONTROL = /[\u0000-\u001f\u007f]/;
// A lone UTF-16 surrogate cannot be UTF-8 encoded, so it could not be percent-encoded into a URL.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const FILE_FIELDS = new Set([
  'path',
  'size',
  'hash',
  'integrity',
  'contentType',
  'immutable',
  'cacheControl',
  'encodings',
]);
const ENCODING_FIELDS = new Set(['path', 'size', 'hash']);
const TOP_FIELDS = new Set(['version', 'generator', 'base', 'files']);

/**
 * Parses and validates manifest text. Throws {@link ManifestError}: `MANIFEST_TOO_LARGE`,
 * `MANIFEST_NOT_JSON`, `MANIFEST_VERSION` or `MANIFEST_INVALID`.
 *
 * @example
 * const manifest = parseManifest(readFileSync('dist/.wirepack/manifest.json', 'utf8'), { source: 'dist' });
 */
export function parseManifest(text: string, options: ReadManifestOptions = {}): WirepackManifest {
  const source = options.source ?? 'manifest';
  const limit = options.limits?.maxTextLength ?? MANIFEST_LIMITS.maxTextLength;
  if (text.length > limit) {
    throw new ManifestError('MANIFEST_TOO_LARGE', `${source}: ${text.length} characters exceed ${limit}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ManifestError('MANIFEST_NOT_JSON', `${source} is not JSON: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return validateManifest(json, options);
}

/**
 * Validates a parsed manifest against the contract and returns a frozen copy holding only its fields
 * (the input is not trusted or kept). Throws {@link ManifestError} naming the offending field.
 *
 * @example
 * const manifest = validateManifest(await response.json(), { source: 'https://example.com/.wirepack/manifest.json' });
 */
export function validateManifest(json: unknown, options: ReadManifestOptions = {}): WirepackManifest {
  const source = options.source ?? 'manifest';
  const limits = { ...MANIFEST_LIMITS, ...options.limits };
  const fail = (where: string, what: string, code: ManifestErrorCode = 'MANIFEST_INVALID'): never => {
    throw new ManifestError(code, `${source}: ${where} ${what}`);
  };
  if (!isObject(json)) return fail('the top level', 'must be an object');
  if (json.version !== MANIFEST_VERSION) {
    return fail(
      '"version"',
      `${JSON.stringify(json.version) ?? 'undefined'} is not supported; this reader understands ${MANIFEST_VERSION}`,
      'MANIFEST_VERSION',
    );
  }
  onlyFields(json, TOP_FIELDS, 'the top level', fail);
  if (json.generator !== MANIFEST_GENERATOR) fail('"generator"', `must be "${MANIFEST_GENERATOR}"`);
  const base = json.base;
  if (
    typeof base !== 'string' ||
    !BASE.test(base) ||
    CONTROL.test(base) ||
    base.length > limits.maxPathLength
  ) {
    return fail('"base"', 'must be a URL path starting and ending with "/"');
  }
  if (!isObject(json.files)) return fail('"files"', 'must be an object keyed by URL path');
  const keys = Object.keys(json.files);
  if (keys.length > limits.maxFiles) {
    fail('"files"', `has ${keys.length} entries, more than ${limits.maxFiles}`, 'MANIFEST_TOO_LARGE');
  }
  const files: Record<string, ManifestFile> = {};
  for (const key of keys) {
    const where = `files[${JSON.stringify(key.slice(0, 200))}]`;
    if (key.length > limits.maxPathLength) fail(where, 'is too long', 'MANIFEST_TOO_LARGE');
    const entry = json.files[key];
    if (!isObject(entry)) return fail(where, 'must be an object');
    onlyFields(entry, FILE_FIELDS, where, fail);
    const path = checkPath(entry.path, `${where}.path`, limits.maxPathLength, fail);
    if (key !== manifestUrlOf(path, base)) {
      fail(
        where,
        `is not the URL of its path ${JSON.stringify(path)} (expected ${manifestUrlOf(path, base)})`,
      );
    }
    const encodingsValue = entry.encodings;
    if (!isObject(encodingsValue)) return fail(`${where}.encodings`, 'must be an object');
    const encodings: Partial<Record<ManifestCoding, ManifestEncoding>> = {};
    for (const coding of Object.keys(encodingsValue)) {
      if (!(MANIFEST_CODINGS as readonly string[]).includes(coding)) {
        fail(`${where}.encodings`, `has an unknown coding ${JSON.stringify(coding.slice(0, 40))}`);
      }
      const sibling = encodingsValue[coding];
      const at = `${where}.encodings.${coding}`;
      if (!isObject(sibling)) return fail(at, 'must be an object');
      onlyFields(sibling, ENCODING_FIELDS, at, fail);
      encodings[coding as ManifestCoding] = Object.freeze({
        path: checkPath(sibling.path, `${at}.path`, limits.maxPathLength, fail),
        size: checkSize(sibling.size, `${at}.size`, fail),
        hash: checkPattern(sibling.hash, SHA256, `${at}.hash`, 'sha256-<base64>', fail),
      });
    }
    if (typeof entry.immutable !== 'boolean') fail(`${where}.immutable`, 'must be a boolean');
    files[key] = Object.freeze({
      path,
      size: checkSize(entry.size, `${where}.size`, fail),
      hash: checkPattern(entry.hash, SHA256, `${where}.hash`, 'sha256-<base64>', fail),
      integrity: checkPattern(entry.integrity, SHA384, `${where}.integrity`, 'sha384-<base64>', fail),
      contentType: checkHeader(entry.contentType, `${where}.contentType`, fail),
      immutable: entry.immutable as boolean,
      cacheControl: checkHeader(entry.cacheControl, `${where}.cacheControl`, fail),
      encodings: Object.freeze(encodings),
    });
  }
  return Object.freeze({
    version: MANIFEST_VERSION,
    generator: MANIFEST_GENERATOR,
    base,
    files: Object.freeze(files),
  });
}

type Fail = (where: string, what: string, code?: ManifestErrorCode) => never;

function onlyFields(value: Json, allowed: ReadonlySet<string>, where: string, fail: Fail): void {
  for (const key of Object.keys(value)) {
    if (!allowed.has(key)) fail(where, `has an unknown field ${JSON.stringify(key.slice(0, 40))}`);
  }
}

/**
 * A relative, `/`-separated path that stays inside the output directory whatever joins it: no
 * leading `/`, no `.`, `..` or empty segment, no backslash (a separator on Windows), no drive
 * letter, no control character, well-formed Unicode.
 */
function checkPath(value: unknown, where: string, maxLength: number, fail: Fail): string {
  if (typeof value !== 'string' || value.length === 0) return fail(where, 'must be a non-empty string');
  if (value.length > maxLength) return fail(where, `is longer than ${maxLength}`, 'MANIFEST_TOO_LARGE');
  if (value.startsWith('/')) return fail(where, 'must be relative (no leading "/")');
  if (value.includes('\\')) return fail(where, 'must not contain a backslash');
  if (/^[a-z]:/i.test(value)) return fail(where, 'must not start with a drive letter');
  if (CONTROL.test(value)) return fail(where, 'must not contain a control character');
  if (LONE_SURROGATE.test(value)) return fail(where, 'is not well-formed Unicode');
  for (const segment of value.split('/')) {
    if (segment === '' || segment === '.' || segment === '..') {
      return fail(where, `has a ${segment === '' ? 'empty' : `"${segment}"`} segment`);
    }
  }
  return value;
}

function checkSize(value: unknown, where: string, fail: Fail): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    return fail(where, 'must be a non-negative integer');
  }
  return value;
}

function checkPattern(value: unknown, pattern: RegExp, where: string, shape: string, fail: Fail): string {
  if (typeof value !== 'string' || !pattern.test(value)) return fail(where, `must be ${shape}`);
  return value;
}

/** A header value: it goes onto responses as is, so no CR/LF (response splitting) and bounded. */
function checkHeader(value: unknown, where: string, fail: Fail): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 1024 || CONTROL.test(value)) {
    return fail(where, 'must be a header value of 1-1024 printable characters');
  }
  return value;
}
