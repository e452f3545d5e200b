// Where manifests become the planner's normalized `Manifest` (./manifest.ts). A manifest the plugin
// wrote (its `generator`) is checked by the contract's own reader, @wirepack/manifest; hand-written
// manifests in the looser shapes below are still accepted for scripts that predate the plugin.
import { isManifestError, MANIFEST_GENERATOR, MANIFEST_LIMITS, validateManifest } from '@wirepack/manifest';
import { CdnError } from '../errors.ts';
import { createManifest, type DeployedFile, type Manifest } from './manifest.ts';

/** Limits on untrusted manifests (a previous manifest may come from a URL): the contract's. */
export { MANIFEST_LIMITS };

type Json = Record<string, unknown>;

// A lone UTF-16 surrogate cannot be UTF-8 encoded, so it could not be percent-encoded into a URL.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Validates a parsed manifest and normalizes it. Accepts `files` as an object keyed by URL path or as
 * an array of entries with a `path` field. Throws `CdnError('MANIFEST_INVALID')` naming the source and
 * the offending field.
 *
 * @example
 * const manifest = readManifest(JSON.parse(text), 'dist/.wirepack/manifest.json');
 */
export function readManifest(json: unknown, source: string): Manifest {
  const fail = (what: string): never => {
    throw new CdnError('MANIFEST_INVALID', `manifest ${source}: ${what}`);
  };
  if (!isObject(json)) return fail('expected a JSON object with "version" and "files"');
  if (json.generator === MANIFEST_GENERATOR) return fromContract(json, source);
  if (json.version !== 1) {
    return fail(`unsupported "version" ${JSON.stringify(json.version)}; this reader understands version 1`);
  }
  const raw = json.files;
  // Shapes: @wirepack/vite-plugin writes `files` keyed by the percent-encoded URL path, each entry with
  // `path` relative to the output directory and a top-level `base`; the decoded URL path is then
  // base + path. Hand-written manifests may key `files` by decoded URL path, or list entries whose
  // `path` is the URL path.
  const base = json.base;
  if (base !== undefined && (typeof base !== 'string' || !/^\/(.*\/)?$/.test(base))) {
    fail('"base" must be a URL path starting and ending with "/"');
  }
  let entries: Array<[string, unknown]>;
  if (Array.isArray(raw)) {
    entries = raw.map((entry, index): [string, unknown] => {
      if (!isObject(entry) || typeof entry.path !== 'string') fail(`files[${index}].path must be a string`);
      return [(entry as Json).path as string, entry];
    });
  } else if (isObject(raw)) {
    entries = Object.entries(raw).map(([key, entry]): [string, unknown] => {
      if (typeof base !== 'string' || !isObject(entry) || typeof entry.path !== 'string') return [key, entry];
      const decoded = `${base}${entry.path}`;
      if (safeDecode(key) !== decoded) {
        fail(`files[${JSON.stringify(key)}]: the key is not the URL of its path ${JSON.stringify(decoded)}`);
      }
      return [decoded, entry];
    });
  } else {
    return fail('"files" must be an object keyed by URL path or an array of entries');
  }
  if (entries.length > MANIFEST_LIMITS.maxFiles) {
    fail(`${entries.length} files exceed the limit of ${MANIFEST_LIMITS.maxFiles}`);
  }
  const files: DeployedFile[] = [];
  const seen = new Set<string>();
  for (const [key, entry] of entries) {
    const where = `files[${JSON.stringify(key)}]`;
    const path = normalizeUrlPath(key, (why) => fail(`${where}: ${why}`));
    if (seen.has(path)) fail(`${where}: duplicate path ${JSON.stringify(path)}`);
    seen.add(path);
    if (!isObject(entry)) return fail(`${where} must be an object`);
    const hash = entry.hash ?? entry.integrity;
    if (typeof hash !== 'string' || hash.length === 0) fail(`${where}.hash must be a non-empty string`);
    const size = entry.size;
    if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
      fail(`${where}.size must be a non-negative integer`);
    }
    if (typeof entry.immutable !== 'boolean') fail(`${where}.immutable must be a boolean`);
    const contentType = optionalString(entry.contentType, () =>
      fail(`${where}.contentType must be a string`),
    );
    const cacheControl = optionalString(entry.cacheControl, () =>
      fail(`${where}.cacheControl must be a string`),
    );
    files.push({
      path,
      hash: hash as string,
      size: size as number,
      immutable: entry.immutable as boolean,
      contentType,
      cacheControl,
    });
  }
  return createManifest(files);
}

/** A manifest the plugin wrote: validated by @wirepack/manifest, then keyed by decoded URL path. */
function fromContract(json: unknown, source: string): Manifest {
  let manifest: ReturnType<typeof validateManifest>;
  try {
    manifest = validateManifest(json, { source: `manifest ${source}` });
  } catch (error) {
    if (!isManifestError(error)) throw error;
    throw new CdnError('MANIFEST_INVALID', error.message.replace(/^\[wirepack\/manifest\] /, ''), {
      cause: error,
    });
  }
  const files: DeployedFile[] = [];
  for (const file of Object.values(manifest.files)) {
    files.push({
      path: `${manifest.base}${file.path}`,
      hash: file.hash,
      size: file.size,
      immutable: file.immutable,
      contentType: file.contentType,
      cacheControl: file.cacheControl,
    });
  }
  return createManifest(files);
}

function safeDecode(value: string): string | undefined {
  try {
    return decodeURIComponent(value);
  } catch {
    // Malformed percent-encoding: no path can match it, which the caller reports.
    return undefined;
  }
}

function optionalString(value: unknown, fail: () => never): string | undefined {
  if (value === undefined || value === null) return undefined;
  return typeof value === 'string' ? value : fail();
}

/**
 * Checks one decoded URL path and returns it with a leading `/`. Rejects what no build writes and what
 * would make the planner address something else: control characters, ill-formed Unicode, empty,
 * `.` or `..` segments.
 */
export function normalizeUrlPath(value: string, fail: (why: string) => never): string {
  if (value.length === 0) return fail('empty path');
  if (value.length > MANIFEST_LIMITS.maxPathLength) {
    return fail(`path longer than ${MANIFEST_LIMITS.maxPathLength} characters`);
  }
  if (LONE_SURROGATE.test(value)) return fail('path is not well-formed Unicode');
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this rejects
  if (/[\u0000-\u001f\u007f]/.test(value)) return fail('path contains a control character');
  const path = value.startsWith('/') ? value : `/${value}`;
  const segments = path.slice(1).split('/');
  for (const [index, segment] of segments.entries()) {
    if (segment === '.' || segment === '..') return fail(`path has a "${segment}" segment`);
    if (segment === '' && index !== segments.length - 1) return fail('path has an empty segment ("//")');
  }
  if (path.endsWith('/')) return fail('path names a directory, not a file');
  return path;
}
