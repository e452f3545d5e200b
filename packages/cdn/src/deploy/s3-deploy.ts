import {
  CACHE_CONTROL_REVALIDATE,
  DEFAULT_MANIFEST_PATH,
  type ManifestCoding,
  type WirepackManifest,
} from '@wirepack/manifest';
import { CdnError } from '../errors.ts';

/**
 * The S3 + CloudFront deploy recipe (docs/deploy.md) as data: which object goes under which key, with
 * which headers, in which phase, and which old objects may be pruned. The recipe's table and examples
 * are checked against these functions (s3-deploy.test.ts), so the document cannot drift from them.
 *
 * Precompressed siblings are served by a CloudFront Function (`cloudFrontEncodingFunction`) that
 * rewrites a request under `encodedPrefix` to `<uri>.br` or `<uri>.gz` by the viewer's
 * `Accept-Encoding`. S3 does not negotiate, and the function cannot know which files have siblings,
 * so every file under the prefix gets both keys: its real sibling, or a stand-in holding the
 * identity bytes (no `Content-Encoding`) when the plugin wrote none (too small, incompressible).
 * Only immutable (fingerprinted) files may live under the prefix: their cached copies never need
 * invalidating, while an invalidation of `/x.js` would not reach the rewritten `/x.js.br` key.
 * Mutable files (HTML...) are uploaded once, identity only; CloudFront compresses them at the edge,
 * and invalidating their path drops every encoding.
 */

/** The upload phases, in order: nothing of a later phase starts before the earlier one finished. */
export const S3_UPLOAD_PHASES: readonly ['assets', 'pages', 'manifest'] = Object.freeze([
  'assets',
  'pages',
  'manifest',
] as const);

/** One of {@link S3_UPLOAD_PHASES}. */
export type S3UploadPhase = (typeof S3_UPLOAD_PHASES)[number];

/** The codings the CloudFront Function serves, in order of preference, and their key suffixes. */
export const S3_ENCODED_SUFFIXES: Readonly<Partial<Record<ManifestCoding, string>>> = Object.freeze({
  br: '.br',
  gzip: '.gz',
});

/** Defaults of {@link S3DeployOptions} and {@link PruneOptions}. */
export const DEFAULT_S3_DEPLOY_OPTIONS: Readonly<{
  encodedPrefix: string;
  manifestKey: string;
  keepDeploys: number;
  graceDays: number;
}> = Object.freeze({
  encodedPrefix: '/assets/',
  manifestKey: DEFAULT_MANIFEST_PATH,
  keepDeploys: 3,
  graceDays: 7,
});

/** Options of {@link planS3Upload}. */
export interface S3DeployOptions {
  /**
   * The URL prefix whose requests the CloudFront Function rewrites to precompressed keys; every file
   * under it must be immutable. Vite's `assetsDir` under the manifest's `base`.
   * @default '/assets/'
   */
  readonly encodedPrefix?: string;
  /** The manifest's key in the bucket (uploaded last). @default '.wirepack/manifest.json' */
  readonly manifestKey?: string;
}

/** One object to upload: `aws s3 cp <outDir>/<source> s3://<bucket>/<key>` with these headers. */
export interface S3Object {
  readonly key: string;
  /** The file to upload, relative to the output directory. */
  readonly source: string;
  readonly phase: S3UploadPhase;
  readonly cacheControl: string;
  readonly contentType: string;
  /** Set on precompressed siblings only. */
  readonly contentEncoding?: ManifestCoding;
}

/**
 * Every object of a deploy, phase by phase (`assets`, then `pages`, then `manifest`), sorted by key
 * within a phase. Headers come from the manifest: `cacheControl` and `contentType` of each file, the
 * coding of each sibling.
 *
 * @example
 * for (const object of planS3Upload(manifest)) {
 *   await s3.send(new PutObjectCommand({ Bucket, Key: object.key, Body: await readFile(join('dist', object.source)),
 *     CacheControl: object.cacheControl, ContentType: object.contentType, ContentEncoding: object.contentEncoding }));
 * }
 */
export function planS3Upload(manifest: WirepackManifest, options: S3DeployOptions = {}): S3Object[] {
  const prefix = options.encodedPrefix ?? DEFAULT_S3_DEPLOY_OPTIONS.encodedPrefix;
  if (!prefix.startsWith('/') || !prefix.endsWith('/')) {
    throw new TypeError(
      `[wirepack/cdn] encodedPrefix must start and end with "/", got ${JSON.stringify(prefix)}`,
    );
  }
  const keyPrefix = manifest.base.slice(1);
  const objects: S3Object[] = [];
  for (const [url, file] of Object.entries(manifest.files)) {
    const key = keyPrefix + file.path;
    const identity = {
      key,
      source: file.path,
      cacheControl: file.cacheControl,
      contentType: file.contentType,
    };
    if (!url.startsWith(prefix)) {
      objects.push({ ...identity, phase: file.immutable ? 'assets' : 'pages' });
      continue;
    }
    if (!file.immutable) {
      throw new CdnError(
        'MANIFEST_INVALID',
        `${url} is under encodedPrefix ${prefix} but its name carries no content hash: an invalidation of it ` +
          `would not reach its precompressed keys. Keep mutable files out of ${prefix}, or choose another encodedPrefix`,
      );
    }
    objects.push({ ...identity, phase: 'assets' });
    for (const [coding, suffix] of Object.entries(S3_ENCODED_SUFFIXES) as [ManifestCoding, string][]) {
      const sibling = file.encodings[coding];
      if (sibling !== undefined && sibling.path !== file.path + suffix) {
        throw new CdnError(
          'MANIFEST_INVALID',
          `${url}: its ${coding} sibling is ${sibling.path}, not ${file.path}${suffix} where the CloudFront Function looks`,
        );
      }
      objects.push({
        ...identity,
        key: key + suffix,
        source: sibling === undefined ? file.path : sibling.path,
        phase: 'assets',
        ...(sibling === undefined ? {} : { contentEncoding: coding }),
      });
    }
  }
  objects.push({
    key: keyPrefix + (options.manifestKey ?? DEFAULT_S3_DEPLOY_OPTIONS.manifestKey),
    source: options.manifestKey ?? DEFAULT_S3_DEPLOY_OPTIONS.manifestKey,
    phase: 'manifest',
    cacheControl: CACHE_CONTROL_REVALIDATE,
    contentType: 'application/json',
  });
  const order = (object: S3Object): number => S3_UPLOAD_PHASES.indexOf(object.phase);
  return objects.sort((a, b) => order(a) - order(b) || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** An object listed in the bucket (`aws s3api list-objects-v2`: `Key`, `LastModified`). */
export interface BucketObject {
  readonly key: string;
  readonly lastModified: Date;
}

/** Options of {@link keysToPrune}. */
export interface PruneOptions extends S3DeployOptions {
  /** Only objects last modified this many days before `now` or earlier are pruned. @default 7 */
  readonly graceDays?: number;
  /** The time to measure the grace period from. @default new Date() */
  readonly now?: Date;
}

/**
 * The hashed objects no kept deploy needs: keys under `encodedPrefix` that none of `kept` (the manifests of the last deploys, newest first; the recipe keeps
 * {@link DEFAULT_S3_DEPLOY_OPTIONS}.keepDeploys) uploads, last modified at least `graceDays` ago. Mutable
 * files and the manifest are never pruned: each deploy overwrites them.
 */
export function keysToPrune(
  objects: Iterable<BucketObject>,
  kept: readonly WirepackManifest[],
  options: PruneOptions = {},
): string[] {
  if (kept.length === 0) {
    throw new TypeError('[wirepack/cdn] keysToPrune needs the manifest of at least the current deploy');
  }
  const graceDays = options.graceDays ?? DEFAULT_S3_DEPLOY_OPTIONS.graceDays;
  if (!Number.isFinite(graceDays) || graceDays < 0) {
    throw new TypeError(`[wirepack/cdn] graceDays must be a number >= 0, got ${String(graceDays)}`);
  }
  const cutoff = (options.now ?? new Date()).getTime() - graceDays * 86_400_000;
  const needed = new Set<string>();
  for (const manifest of kept) for (const object of planS3Upload(manifest, options)) needed.add(object.key);
  const prefix =
    kept[0]!.base.slice(1) + (options.encodedPrefix ?? DEFAULT_S3_DEPLOY_OPTIONS.encodedPrefix).slice(1);
  const prunable: string[] = [];
  for (const object of objects) {
    if (needed.has(object.key) || object.lastModified.getTime() > cutoff) continue;
    if (object.key.startsWith(prefix)) prunable.push(object.key);
  }
  return prunable.sort();
}
