import { availableParallelism } from 'node:os';
import { posix } from 'node:path';
import { createFilter, type FilterPattern } from 'vite';
import type { CodecSpec, Encoding } from './codecs.ts';
import type { WirepackReport } from './report.ts';

/** brotli settings. */
export interface BrotliOptions {
  /** Quality, 0 (fastest) to 11 (smallest). @default 11 */
  readonly quality?: number;
}

/** gzip settings. */
export interface GzipOptions {
  /** Level, 1 (fastest) to 9 (smallest). @default 9 */
  readonly level?: number;
}

/** zstd settings (needs Node.js 22.15+ / 23.8+; elsewhere a warning and no `.zst`). */
export interface ZstdOptions {
  /** Level, 1 (fastest) to 22 (smallest). @default 19 */
  readonly level?: number;
}

/** Compression cache settings. */
export interface CacheOptions {
  /** Directory of the cache; relative paths resolve from Vite's `root`. @default `<cacheDir>/wirepack` */
  readonly dir?: string;
  /** Size bound in bytes; least recently used entries go first beyond it. @default 536870912 (512 MiB) */
  readonly maxSize?: number;
}

/** What `filter` is asked about each output file. */
export interface FilterInput {
  /** Path relative to the output directory, `/`-separated. */
  readonly file: string;
  /** Size in bytes. */
  readonly size: number;
  /** The content type the plugin found. */
  readonly contentType: string;
  /** The plugin's own verdict: compressible type, at least `threshold` bytes, kept by `include` / `exclude`. */
  readonly compress: boolean;
}

/**
 * A manifest written outside the output directory: `dist/.wirepack/` is uploaded with the site
 * (served publicly) and dropped by hosts and upload tools that skip dot folders.
 */
export interface ManifestOptions {
  /** The manifest's file: absolute, or relative to Vite's `root`; may be outside `build.outDir`. */
  readonly outFile: string;
}

/** Options of `wirepack()`. Every field is optional. */
export interface WirepackOptions {
  /** brotli siblings (`.br`): `false` to skip, or settings. @default { quality: 11 } */
  readonly brotli?: boolean | BrotliOptions;
  /** gzip siblings (`.gz`): `false` to skip, or settings. @default { level: 9 } */
  readonly gzip?: boolean | GzipOptions;
  /** zstd siblings (`.zst`), opt-in: `true` or settings. @default false */
  readonly zstd?: boolean | ZstdOptions;
  /** Files smaller than this many bytes are not compressed. @default 256 */
  readonly threshold?: number;
  /** A sibling is written only if its size is at most `ratio` times the original's (0 < ratio <= 1). @default 0.9 */
  readonly ratio?: number;
  /**
   * Only files matching these get siblings (Vite's `createFilter`: picomatch globs or RegExps,
   * tested against the path relative to the output directory, e.g. `'assets/**'`). @default undefined (every file)
   */
  readonly include?: FilterPattern;
  /** Files matching these get no siblings (same matching as `include`; exclude wins). @default undefined */
  readonly exclude?: FilterPattern;
  /** Overrides the compress decision per file: return `true` to compress, `false` to skip. @default undefined */
  readonly filter?: (file: FilterInput) => boolean;
  /** Add `integrity` to the HTML's script, stylesheet and modulepreload tags. @default true */
  readonly sri?: boolean;
  /** Compress `public/` files into the cache while Vite is still bundling (needs the cache). @default true */
  readonly early?: boolean;
  /**
   * Manifest path relative to the output directory, `{ outFile }` for a file anywhere (relative to
   * Vite's `root`), or `false` for none. @default '.wirepack/manifest.json'
   */
  readonly manifest?: string | false | ManifestOptions;
  /** Compression cache across builds: `false` to turn it off, or settings. @default true */
  readonly cache?: boolean | CacheOptions;
  /** Vite environments to process, by name. @default every environment whose consumer is 'client' */
  readonly environments?: readonly string[];
  /** Worker threads for compression. @default os.availableParallelism() */
  readonly concurrency?: number;
  /** Serve the siblings from `vite preview`. @default true */
  readonly preview?: boolean;
  /** Print the build report through Vite's logger. @default true */
  readonly report?: boolean;
  /** Called with each environment's build report (counters of work done, sizes, time). @default undefined */
  readonly onReport?: (report: WirepackReport) => void;
}

/** Options after defaults and validation. */
export interface ResolvedOptions {
  /** Encodings to produce, in `ENCODINGS` order (zstd only when requested and available). */
  readonly codecs: readonly CodecSpec[];
  /** zstd was asked for but this Node.js has none. */
  readonly zstdUnavailable: boolean;
  readonly threshold: number;
  readonly ratio: number;
  /** `include` / `exclude` as one predicate over output paths; `undefined` when neither is set. */
  readonly select: ((file: string) => boolean) | undefined;
  readonly filter: ((file: FilterInput) => boolean) | undefined;
  readonly sri: boolean;
  readonly early: boolean;
  /**
   * Where the manifest goes: a path inside the output directory (`/`-separated, normalised), a
   * file of its own (`outFile`, still relative to `root` when not absolute), or nowhere.
   */
  readonly manifest: false | { readonly inOutDir: string } | { readonly outFile: string };
  readonly cache: false | { readonly dir: string | undefined; readonly maxSize: number };
  readonly environments: readonly string[] | undefined;
  readonly concurrency: number;
  readonly preview: boolean;
  readonly report: boolean;
  readonly onReport: ((report: WirepackReport) => void) | undefined;
}

/** The defaults, in one place (the README's options table is tested against these). */
export const DEFAULT_OPTIONS: Readonly<{
  brotliQuality: number;
  gzipLevel: number;
  zstdLevel: number;
  threshold: number;
  ratio: number;
  sri: boolean;
  early: boolean;
  manifest: string;
  cacheSubdirectory: string;
  cacheMaxSize: number;
  preview: boolean;
  report: boolean;
}> = Object.freeze({
  brotliQuality: 11,
  gzipLevel: 9,
  zstdLevel: 19,
  // Under ~256 B a response fits one packet with its headers either way and saves under ~100 B;
  // above it Vite's own index.html (~400 B) is still compressed.
  threshold: 256,
  // A sibling saving under 10% rarely pays for being stored, uploaded and negotiated.
  ratio: 0.9,
  sri: true,
  early: true,
  manifest: '.wirepack/manifest.json',
  cacheSubdirectory: 'wirepack',
  cacheMaxSize: 512 * 1024 * 1024,
  preview: true,
  report: true,
});

const KNOWN_OPTIONS = new Set([
  'brotli',
  'gzip',
  'zstd',
  'threshold',
  'ratio',
  'include',
  'exclude',
  'filter',
  'sri',
  'early',
  'manifest',
  'cache',
  'environments',
  'concurrency',
  'preview',
  'report',
  'onReport',
]);

/**
 * Validates options and fills in defaults. Throws a `TypeError` naming the option on anything
 * invalid, unknown keys included (a typo must not silently fall back to a default).
 */
export function resolveOptions(
  options: WirepackOptions | undefined,
  zstdAvailable: boolean,
): ResolvedOptions {
  if (options === undefined) options = {};
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw invalid('options', 'an object', options);
  }
  for (const key of Object.keys(options)) {
    if (!KNOWN_OPTIONS.has(key)) throw unknown(key, [...KNOWN_OPTIONS]);
  }
  const codecs: CodecSpec[] = [];
  const brotli = codecOption(options.brotli, 'brotli', 'quality', 0, 11, DEFAULT_OPTIONS.brotliQuality, true);
  const zstd = codecOption(options.zstd, 'zstd', 'level', 1, 22, DEFAULT_OPTIONS.zstdLevel, false);
  const gzip = codecOption(options.gzip, 'gzip', 'level', 1, 9, DEFAULT_OPTIONS.gzipLevel, true);
  if (brotli !== undefined) codecs.push({ encoding: 'br', level: brotli });
  if (zstd !== undefined && zstdAvailable) codecs.push({ encoding: 'zstd', level: zstd });
  if (gzip !== undefined) codecs.push({ encoding: 'gzip', level: gzip });

  const threshold = options.threshold ?? DEFAULT_OPTIONS.threshold;
  if (!Number.isSafeInteger(threshold) || threshold < 0) {
    throw invalid('threshold', 'a non-negative integer (bytes)', threshold);
  }
  const ratio = options.ratio ?? DEFAULT_OPTIONS.ratio;
  if (typeof ratio !== 'number' || !(ratio > 0 && ratio <= 1))
    throw invalid('ratio', 'a number in (0, 1]', ratio);
  if (options.filter !== undefined && typeof options.filter !== 'function') {
    throw invalid('filter', 'a function', options.filter);
  }
  const sri = booleanOption(options.sri, 'sri', DEFAULT_OPTIONS.sri);
  const early = booleanOption(options.early, 'early', DEFAULT_OPTIONS.early);
  const preview = booleanOption(options.preview, 'preview', DEFAULT_OPTIONS.preview);
  const report = booleanOption(options.report, 'report', DEFAULT_OPTIONS.report);
  if (options.onReport !== undefined && typeof options.onReport !== 'function') {
    throw invalid('onReport', 'a function', options.onReport);
  }

  const select = selectOption(options.include, options.exclude);
  const manifest = manifestOption(options.manifest ?? DEFAULT_OPTIONS.manifest);

  const cacheOption = options.cache ?? true;
  let cache: ResolvedOptions['cache'];
  if (cacheOption === false) {
    cache = false;
  } else if (cacheOption === true) {
    cache = { dir: undefined, maxSize: DEFAULT_OPTIONS.cacheMaxSize };
  } else if (typeof cacheOption === 'object' && cacheOption !== null && !Array.isArray(cacheOption)) {
    for (const key of Object.keys(cacheOption)) {
      if (key !== 'dir' && key !== 'maxSize') throw unknown(`cache.${key}`, ['dir', 'maxSize']);
    }
    if (cacheOption.dir !== undefined && (typeof cacheOption.dir !== 'string' || cacheOption.dir === '')) {
      throw invalid('cache.dir', 'a non-empty path', cacheOption.dir);
    }
    const maxSize = cacheOption.maxSize ?? DEFAULT_OPTIONS.cacheMaxSize;
    if (!Number.isSafeInteger(maxSize) || maxSize < 0)
      throw invalid('cache.maxSize', 'a non-negative integer (bytes)', maxSize);
    cache = { dir: cacheOption.dir, maxSize };
  } else {
    throw invalid('cache', 'a boolean or { dir?, maxSize? }', cacheOption);
  }

  const environments = options.environments;
  if (
    environments !== undefined &&
    (!Array.isArray(environments) ||
      environments.length === 0 ||
      !environments.every((name) => typeof name === 'string' && name !== ''))
  ) {
    throw invalid('environments', 'a non-empty array of environment names', environments);
  }
  const concurrency = options.concurrency ?? availableParallelism();
  if (!Number.isSafeInteger(concurrency) || concurrency < 1 || concurrency > 256) {
    throw invalid('concurrency', 'an integer from 1 to 256', concurrency);
  }

  return Object.freeze({
    codecs: Object.freeze(codecs),
    zstdUnavailable: zstd !== undefined && !zstdAvailable,
    threshold,
    ratio,
    select,
    filter: options.filter,
    sri,
    early,
    manifest,
    cache,
    environments: environments === undefined ? undefined : Object.freeze([...environments]),
    concurrency,
    preview,
    report,
    onReport: options.onReport,
  });
}

/** Vite's `createFilter` over output paths (relative, so no resolving against `process.cwd()`). */
function selectOption(include: unknown, exclude: unknown): ((file: string) => boolean) | undefined {
  if (include === undefined && exclude === undefined) return undefined;
  for (const [name, value] of [
    ['include', include],
    ['exclude', exclude],
  ] as const) {
    const patterns = Array.isArray(value) ? value : [value];
    if (
      value !== undefined &&
      value !== null &&
      !patterns.every(
        (pattern) => (typeof pattern === 'string' && pattern !== '') || pattern instanceof RegExp,
      )
    ) {
      throw invalid(name, 'a glob string, a RegExp, or an array of them', value);
    }
  }
  return createFilter(include as FilterPattern, exclude as FilterPattern, { resolve: false });
}

function manifestOption(manifest: unknown): ResolvedOptions['manifest'] {
  if (manifest === false) return false;
  if (typeof manifest === 'object' && manifest !== null && !Array.isArray(manifest)) {
    for (const key of Object.keys(manifest)) {
      if (key !== 'outFile') throw unknown(`manifest.${key}`, ['outFile']);
    }
    const outFile = (manifest as { outFile?: unknown }).outFile;
    if (typeof outFile !== 'string' || outFile === '' || /[/\\]$/.test(outFile)) {
      throw invalid('manifest.outFile', 'a file path (absolute, or relative to Vite root)', outFile);
    }
    return { outFile };
  }
  const normalized = typeof manifest === 'string' ? posix.normalize(manifest.replaceAll('\\', '/')) : '';
  if (
    typeof manifest !== 'string' ||
    manifest === '' ||
    posix.isAbsolute(normalized) ||
    /^[a-z]:/i.test(normalized) ||
    normalized === '.' ||
    normalized.startsWith('../') ||
    normalized === '..' ||
    normalized.endsWith('/')
  ) {
    throw invalid(
      'manifest',
      'false, a file path inside the output directory, or { outFile } for one outside it',
      manifest,
    );
  }
  return { inOutDir: normalized.replace(/^\.\//, '') };
}

/** The level of a codec option, or `undefined` when the codec is off. */
function codecOption(
  value: unknown,
  name: Encoding | 'brotli',
  field: 'quality' | 'level',
  min: number,
  max: number,
  fallback: number,
  enabledByDefault: boolean,
): number | undefined {
  if (value === undefined) return enabledByDefault ? fallback : undefined;
  if (value === false) return undefined;
  if (value === true) return fallback;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalid(name, `a boolean or { ${field}? }`, value);
  }
  for (const key of Object.keys(value)) {
    if (key !== field) throw unknown(`${name}.${key}`, [field]);
  }
  const level = (value as Record<string, unknown>)[field] ?? fallback;
  if (typeof level !== 'number' || !Number.isInteger(level) || level < min || level > max) {
    throw invalid(`${name}.${field}`, `an integer from ${min} to ${max}`, level);
  }
  return level;
}

function booleanOption(value: unknown, name: string, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw invalid(name, 'a boolean', value);
  return value;
}

function unknown(option: string, known: readonly string[]): TypeError {
  return new TypeError(
    `[wirepack/vite-plugin] unknown option \`${option}\` (known here: ${known.join(', ')})`,
  );
}

function invalid(option: string, expected: string, got: unknown): TypeError {
  return new TypeError(
    `[wirepack/vite-plugin] option \`${option}\` must be ${expected}, got ${describe(got)}`,
  );
}

function describe(value: unknown): string {
  if (typeof value === 'string')
    return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}...` : value);
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  return String(value);
}
