// Chooses which directory wildcards replace individual paths when a plan is too large.
//
// The problem: cover every stale cache key with at most `maxPaths` entries and at most `maxPrefixes`
// prefix entries, evicting as few fresh objects as possible (objects of the new and previous manifests
// that a prefix matches but that did not change), then using as few entries as possible. Candidate
// prefixes are the directories above stale keys (`/docs/guide/` rendered `/docs/guide/*`).
//
// It is solved as a tree knapsack under a Lagrangian relaxation: for a price `lambda` per entry, a
// post-order pass over the directory tree computes, for each directory and each number k of prefixes
// used below it, the cheapest cover (evictions + lambda * entries), either by one prefix for the whole
// directory or by the directory's own entries plus the best split of k among its subdirectories.
// Bisecting on lambda finds the smallest price whose optimum fits the entry budget. That answer is optimal
// for every budget on the lower convex hull of (entries, evictions); a refinement pass then spends any
// budget left by re-solving the subtrees of chosen wildcards. Each pass is O(directories x maxPrefixes^2)
// with most merges far smaller; collapse.test.ts checks the result against a brute-force optimum.

import type { PlanTarget } from '../providers/provider.ts';
import { buildTree, createSolver } from './cover-solver.ts';

/** Input of {@link collapseTargets}. */
export interface CollapseInput {
  /** Every known cache key (new and previous manifests with index aliases), sorted, unique. */
  readonly objects: readonly string[];
  /** Parallel to `objects`: 1 when that object is stale. */
  readonly stale: Uint8Array;
  /** How each stale object must be addressed (exact key, or a prefix the provider forces). */
  readonly targets: readonly PlanTarget[];
  /** Most entries in the plan. */
  readonly maxPaths: number;
  /** Most prefix entries in the plan (0 disables collapsing). */
  readonly maxPrefixes: number;
  /** Collapse even when the targets fit the budget (benchmarks use it to compare). @default false */
  readonly force?: boolean;
}

/** Output of {@link collapseTargets}. */
export interface CollapseResult {
  /** Entries to submit, sorted by key, prefixes before an exact key equal to them. */
  readonly targets: PlanTarget[];
  /** True when directory prefixes replaced individual keys. */
  readonly collapsed: boolean;
  /** Fresh objects (not stale) that the chosen prefixes match. */
  readonly needlesslyEvicted: number;
}

/** Index of the first element of sorted `keys` that is >= `value`. */
function lowerBound(keys: readonly string[], value: string, from = 0): number {
  let lo = from;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** [start, end) of the sorted keys starting with `prefix`. */
function prefixRange(keys: readonly string[], prefix: string): [number, number] {
  const start = lowerBound(keys, prefix);
  // Every string starting with `prefix` sorts below `prefix + U+FFFF` (keys are percent-encoded ASCII).
  const end = lowerBound(keys, `${prefix}\uffff`, start);
  return [start, end];
}

/**
 * Reduces the targets of stale keys to a plan within `maxPaths` and `maxPrefixes`: drops keys already
 * matched by a forced prefix, and when still too many, replaces groups by directory prefixes chosen to
 * evict the fewest fresh objects (`/` as a prefix, i.e. `/*`, only when nothing narrower fits).
 */
export function collapseTargets(input: CollapseInput): CollapseResult {
  const { objects, stale, maxPaths, maxPrefixes } = input;
  const freshBefore = new Int32Array(objects.length + 1);
  for (let i = 0; i < objects.length; i++) freshBefore[i + 1] = freshBefore[i]! + (stale[i] ? 0 : 1);
  const freshIn = (prefix: string): number => {
    const [start, end] = prefixRange(objects, prefix);
    return freshBefore[end]! - freshBefore[start]!;
  };

  // Forced prefixes, without those nested in another; then exact keys not matched by one of them.
  const prefixes: string[] = [];
  for (const key of [...new Set(input.targets.filter((t) => t.kind === 'prefix').map((t) => t.key))].sort()) {
    const last = prefixes[prefixes.length - 1];
    if (last === undefined || !key.startsWith(last)) prefixes.push(key);
  }
  const matchedByPrefix = (key: string): boolean => {
    // Deduplicated prefixes are not nested, so only the greatest prefix <= key can match it.
    const index = lowerBound(prefixes, `${key}\u0000`) - 1;
    return index >= 0 && key.startsWith(prefixes[index]!);
  };
  const exact = [
    ...new Set(input.targets.filter((t) => t.kind === 'exact' && !matchedByPrefix(t.key)).map((t) => t.key)),
  ].sort();

  const baseline = (): CollapseResult => ({
    targets: sortTargets([
      ...prefixes.map((key): PlanTarget => ({ kind: 'prefix', key })),
      ...exact.map((key): PlanTarget => ({ kind: 'exact', key })),
    ]),
    collapsed: false,
    needlesslyEvicted: prefixes.reduce((sum, prefix) => sum + freshIn(prefix), 0),
  });
  const fits = exact.length + prefixes.length <= maxPaths && prefixes.length <= maxPrefixes;
  if ((fits && !input.force) || maxPrefixes < 1 || exact.length + prefixes.length === 0) return baseline();

  // The directory tree above stale entries (other directories cannot help), as arrays in post-order so
  // that every subtree is a contiguous range ending at its root.
  const tree = buildTree(exact, prefixes, freshIn);
  const solver = createSolver(tree, maxPrefixes);
  let cover = solver.solve(tree.root, maxPaths, maxPrefixes, true);

  // The relaxation is exact only on the convex hull of (entries, evictions), so it can leave budget
  // unused (it picks `/*` where `/blog/*` + `/docs/*` also fit, or `/images/*` where its 600 changed
  // images fit as paths). Spend what is left: re-solve the subtree of a chosen wildcard, without it,
  // within the spare budget, most evicting wildcard first, and keep the result when it evicts less. Every accepted step
  // evicts strictly less and a rejected wildcard cannot improve later (the spare budget only shrinks).
  const rejected = new Set<number>();
  for (;;) {
    const candidates = cover.whole
      .filter((node) => !rejected.has(node) && tree.freshBelow[node]! > 0)
      .sort((a, b) => tree.freshBelow[b]! - tree.freshBelow[a]!);
    const node = candidates[0];
    if (node === undefined) break;
    const pathBudget = 1 + maxPaths - cover.paths;
    const prefixBudget = 1 + maxPrefixes - cover.prefixes;
    const spare = solver.solve(node, pathBudget, prefixBudget, false);
    if (spare.paths <= pathBudget && spare.evictions < tree.freshBelow[node]!) {
      cover = {
        whole: [...cover.whole.filter((n) => n !== node), ...spare.whole],
        kept: [...cover.kept, ...spare.kept],
        paths: cover.paths - 1 + spare.paths,
        prefixes: cover.prefixes - 1 + spare.prefixes,
        evictions: cover.evictions - tree.freshBelow[node]! + spare.evictions,
      };
    } else {
      rejected.add(node);
    }
  }

  const targets: PlanTarget[] = [];
  for (const node of cover.whole) targets.push({ kind: 'prefix', key: tree.dir[node]! });
  for (const node of cover.kept) {
    for (const key of tree.prefixes[node]!) targets.push({ kind: 'prefix', key });
    for (const key of tree.exact[node]!) targets.push({ kind: 'exact', key });
  }
  return { targets: sortTargets(targets), collapsed: true, needlesslyEvicted: cover.evictions };
}

function sortTargets(targets: PlanTarget[]): PlanTarget[] {
  return targets.sort((a, b) =>
    a.key < b.key ? -1 : a.key > b.key ? 1 : a.kind === b.kind ? 0 : a.kind === 'prefix' ? -1 : 1,
  );
}
