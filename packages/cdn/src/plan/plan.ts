import { EMPTY_MANIFEST, type Manifest } from '../manifest/manifest.ts';
import { cloudFrontProfile } from '../providers/cloudfront/cloudfront-profile.ts';
import type { PlanTarget, ProviderProfile } from '../providers/provider.ts';
import { type ChangeSet, diffManifests, indexAliases } from './change-set.ts';
import { type CollapseResult, collapseTargets } from './collapse.ts';
import { type CostEstimate, estimateCost } from './cost.ts';

/** Options of {@link planInvalidation}. */
export interface PlanOptions {
  /** The manifest now deployed; absent or `undefined` on a first deploy. @default EMPTY_MANIFEST */
  readonly previous?: Manifest | undefined;
  /** The manifest of the build being deployed. */
  readonly next: Manifest;
  /** How the CDN addresses paths and what it allows. @default cloudFrontProfile */
  readonly profile?: ProviderProfile | undefined;
  /**
   * Above this many paths per distribution, stale paths are collapsed into directory wildcards (capped
   * by the provider's in-flight limits: 3,000 on CloudFront). @default 100
   */
  readonly maxPaths?: number | undefined;
  /** Paths per request, below the provider's own maximum (smaller batches). @default provider maximum */
  readonly maxPathsPerBatch?: number | undefined;
  /** Distribution ids, for the per-distribution batches and cost. @default [] */
  readonly distributionIds?: readonly string[] | undefined;
  /** Free invalidation paths the account already used this month. @default 0 */
  readonly freePathsUsed?: number | undefined;
  /** Collapse into wildcards even below `maxPaths` (benchmarks). @default false */
  readonly forceCollapse?: boolean | undefined;
  /**
   * Names the run in the idempotency tokens: pass the same id only to retry a run that failed part-way,
   * so the batches it already submitted are not submitted twice. @default a new random id ({@link newRunId})
   */
  readonly runId?: string | undefined;
}

const RUN_ID = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * A new random run id (16 hex digits): every deploy gets invalidations of its own, never one left by an
 * earlier deploy of the same manifests (see `cloudFrontCallerReference`).
 */
export function newRunId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

const INDEX_LENGTH = 'index.html'.length;

/** Defaults of {@link PlanOptions}. */
export const DEFAULT_PLAN_OPTIONS: Readonly<{ maxPaths: number; freePathsUsed: number }> = Object.freeze({
  maxPaths: 100,
  freePathsUsed: 0,
});

/** One request to the CDN. */
export interface PlannedBatch {
  /** Position of the batch, from 0; batches are sent one after another in this order. */
  readonly index: number;
  /** The idempotency token (CloudFront `CallerReference`), when the provider has one. */
  readonly callerReference: string | undefined;
  /** Rendered paths. */
  readonly paths: readonly string[];
}

/** The plan for one distribution. */
export interface DistributionPlan {
  /** Distribution id. */
  readonly distributionId: string;
  /** Batches, in submission order. */
  readonly batches: readonly PlannedBatch[];
  /** Cost of this distribution's paths, after the free paths used by the distributions before it. */
  readonly cost: CostEstimate;
}

/** Everything a deploy needs to know before calling the CDN. */
export interface InvalidationPlan {
  /** Provider name (`cloudfront`). */
  readonly provider: string;
  /** The new manifest's digest. */
  readonly manifestDigest: string;
  /** The run id in the idempotency tokens: pass it again (`runId`) to retry this run. */
  readonly runId: string;
  /** The manifest diff and stale URL paths. */
  readonly changes: ChangeSet;
  /** Rendered paths to submit to each distribution, sorted. */
  readonly paths: readonly string[];
  /** How many of `paths` are wildcards. */
  readonly wildcards: number;
  /** True when directory wildcards replaced individual paths to respect `maxPaths`. */
  readonly collapsed: boolean;
  /** Objects of either manifest that a wildcard evicts although they did not change. */
  readonly needlesslyEvicted: number;
  /** Per-distribution batches and costs. */
  readonly distributions: readonly DistributionPlan[];
  /** Cost of all distributions together (one free tier per account). */
  readonly cost: CostEstimate;
}

/**
 * Plans an invalidation (pure: no I/O): diffs the manifests, adds index aliases, encodes paths for the
 * provider, drops paths covered by a wildcard, collapses into directory wildcards above `maxPaths`
 * (fewest fresh objects evicted; `/*` only as the last resort), splits into batches within the
 * provider's limits and estimates the cost.
 *
 * @example
 * const plan = planInvalidation({ previous, next, distributionIds: ['E2QWRUHAPOMQZL'] });
 * plan.paths; // ['/', '/index.html']
 */
export function planInvalidation(options: PlanOptions): InvalidationPlan {
  const previous = options.previous ?? EMPTY_MANIFEST;
  const { next } = options;
  const profile = options.profile ?? cloudFrontProfile;
  const caps = profile.capabilities;
  const maxPaths = options.maxPaths ?? DEFAULT_PLAN_OPTIONS.maxPaths;
  if (!Number.isSafeInteger(maxPaths) || maxPaths < 1) {
    throw new TypeError(`[wirepack/cdn] maxPaths must be a positive integer, got ${String(maxPaths)}`);
  }
  const runId = options.runId ?? newRunId();
  if (!RUN_ID.test(runId)) {
    throw new TypeError(
      `[wirepack/cdn] runId must be 1-64 characters of A-Z, a-z, 0-9, _ and -, got ${JSON.stringify(runId)}`,
    );
  }
  const changes = diffManifests(previous, next);

  const staleKeys = new Set(changes.stale.map((path) => profile.cacheKey(path)));
  const targets: PlanTarget[] = [...staleKeys].map((key) => profile.target(key));
  const budget = Math.min(maxPaths, caps.maxPathsInFlight ?? Number.MAX_SAFE_INTEGER);
  const prefixLimit = caps.supportsPrefix ? Math.min(caps.maxPrefixesInFlight ?? Infinity, 1e6) : 0;

  let result: CollapseResult;
  if (targets.length <= budget && targets.every((t) => t.kind === 'exact') && !options.forceCollapse) {
    // The usual deploy: a few exact paths, no wildcard, so nothing else can be evicted and the set of
    // every cached object (the expensive part on large sites) is not needed.
    result = {
      targets: targets.sort((a, b) => (a.key < b.key ? -1 : 1)),
      collapsed: false,
      needlesslyEvicted: 0,
    };
  } else {
    // Every object a wildcard could evict: files of both manifests and their index aliases (the
    // aliases' keys are cut from the index's key: `index.html` encodes to itself).
    const isFile = (path: string): boolean => next.files.has(path) || previous.files.has(path);
    const objectSet = new Set<string>(staleKeys);
    const add = (path: string): void => {
      const key = profile.cacheKey(path);
      objectSet.add(key);
      const aliases = indexAliases(path, isFile);
      if (aliases.length === 0) return;
      const dirKey = key.slice(0, -INDEX_LENGTH);
      for (const alias of aliases) objectSet.add(alias.endsWith('/') ? dirKey : dirKey.slice(0, -1));
    };
    for (const path of previous.files.keys()) add(path);
    for (const path of next.files.keys()) if (!previous.files.has(path)) add(path);
    const objects = [...objectSet].sort();
    const stale = new Uint8Array(objects.length);
    for (let i = 0; i < objects.length; i++) if (staleKeys.has(objects[i]!)) stale[i] = 1;
    result = collapseTargets({
      objects,
      stale,
      targets,
      maxPaths: budget,
      maxPrefixes: prefixLimit,
      force: options.forceCollapse === true,
    });
  }

  const batches = splitBatches(result.targets, {
    maxPaths: Math.min(caps.maxPathsPerRequest, options.maxPathsPerBatch ?? Number.MAX_SAFE_INTEGER),
    maxPrefixes: caps.maxPrefixesPerRequest,
  }).map((batch) => batch.map((target) => profile.render(target)));

  let used = options.freePathsUsed ?? DEFAULT_PLAN_OPTIONS.freePathsUsed;
  const pathCount = result.targets.length;
  const distributions = (options.distributionIds ?? []).map((distributionId): DistributionPlan => {
    const cost = estimateCost(pathCount, caps.pricing, used);
    used += pathCount;
    return {
      distributionId,
      batches: batches.map((paths, index) => ({
        index,
        callerReference: profile.idempotencyKey({
          previousDigest: previous.digest,
          nextDigest: next.digest,
          distributionId,
          batchIndex: index,
          paths,
          runId,
        }),
        paths,
      })),
      cost,
    };
  });
  return {
    provider: profile.name,
    manifestDigest: next.digest,
    runId,
    changes,
    paths: batches.flat(),
    wildcards: result.targets.filter((target) => target.kind === 'prefix').length,
    collapsed: result.collapsed,
    needlesslyEvicted: result.needlesslyEvicted,
    distributions,
    cost: estimateCost(
      pathCount * Math.max(1, distributions.length),
      caps.pricing,
      options.freePathsUsed ?? DEFAULT_PLAN_OPTIONS.freePathsUsed,
    ),
  };
}

/** Splits sorted targets into consecutive batches within per-request limits. */
function splitBatches(
  targets: readonly PlanTarget[],
  limits: { maxPaths: number; maxPrefixes: number },
): PlanTarget[][] {
  const batches: PlanTarget[][] = [];
  let current: PlanTarget[] = [];
  let exact = 0;
  let prefixes = 0;
  for (const target of targets) {
    const isPrefix = target.kind === 'prefix';
    if (
      (isPrefix && prefixes >= limits.maxPrefixes) ||
      (!isPrefix && exact >= limits.maxPaths) ||
      current.length >= limits.maxPaths
    ) {
      batches.push(current);
      current = [];
      exact = 0;
      prefixes = 0;
    }
    current.push(target);
    if (isPrefix) prefixes++;
    else exact++;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}
