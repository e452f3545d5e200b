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
// for every budget on the lower convex hull of (entries, evictions); a greedy pass then spends any budget
// left by splitting chosen wildcards. Each pass is O(directories x maxPrefixes^2).
import type { PlanTarget } from './provider.ts';

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

const dirOf = (key: string): string => key.slice(0, key.lastIndexOf('/') + 1);

interface DirNode {
  readonly dir: string;
  readonly children: DirNode[];
  readonly exact: string[];
  readonly prefixes: string[];
  /** Fresh objects under the whole directory (the eviction cost of collapsing it). */
  freshBelow: number;
  /** Fresh objects matched by this directory's own forced prefixes. */
  freshOwn: number;
}

/** Per-node DP tables, indexed by k (prefixes used, exactly). */
interface Table {
  readonly cost: Float64Array;
  readonly paths: Int32Array;
  readonly evictions: Float64Array;
  /** k -> 1 when the best cover with k prefixes is one prefix for the whole directory. */
  readonly whole: Uint8Array;
  /** For each child, k(total after merging it) -> k given to that child. */
  readonly splits: Int32Array[];
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

  // The directory tree above stale entries (other directories cannot help).
  const nodes = new Map<string, DirNode>();
  const nodeFor = (dir: string): DirNode => {
    let node = nodes.get(dir);
    if (node) return node;
    node = { dir, children: [], exact: [], prefixes: [], freshBelow: 0, freshOwn: 0 };
    nodes.set(dir, node);
    if (dir !== '/') nodeFor(dirOf(dir.slice(0, -1))).children.push(node);
    return node;
  };
  const root = nodeFor('/');
  for (const key of exact) nodeFor(dirOf(key)).exact.push(key);
  for (const prefix of prefixes) nodeFor(dirOf(prefix)).prefixes.push(prefix);
  for (const node of nodes.values()) {
    node.freshBelow = freshIn(node.dir);
    for (const prefix of node.prefixes) node.freshOwn += freshIn(prefix);
  }
  // Post-order: children before parents.
  const order: DirNode[] = [];
  const stack: DirNode[] = [root];
  while (stack.length > 0) {
    const node = stack.pop()!;
    order.push(node);
    for (const child of node.children) stack.push(child);
  }
  order.reverse();

  const K = maxPrefixes;
  const solve = (lambda: number): Map<DirNode, Table> => {
    const tables = new Map<DirNode, Table>();
    for (const node of order) {
      let cost = new Float64Array(K + 1).fill(Number.POSITIVE_INFINITY);
      let paths = new Int32Array(K + 1);
      let evictions = new Float64Array(K + 1);
      const own = node.prefixes.length;
      if (own <= K) {
        paths[own] = node.exact.length + own;
        evictions[own] = node.freshOwn;
        cost[own] = evictions[own]! + lambda * paths[own]!;
      }
      const splits: Int32Array[] = [];
      for (const child of node.children) {
        const table = tables.get(child)!;
        const nextCost = new Float64Array(K + 1).fill(Number.POSITIVE_INFINITY);
        const nextPaths = new Int32Array(K + 1);
        const nextEvictions = new Float64Array(K + 1);
        const split = new Int32Array(K + 1);
        for (let k = 0; k <= K; k++) {
          if (cost[k] === Number.POSITIVE_INFINITY) continue;
          for (let j = 0; j + k <= K; j++) {
            const c = table.cost[j]!;
            if (c === Number.POSITIVE_INFINITY) continue;
            const total = cost[k]! + c;
            const totalPaths = paths[k]! + table.paths[j]!;
            const t = k + j;
            if (better(total, totalPaths, nextCost[t]!, nextPaths[t]!)) {
              nextCost[t] = total;
              nextPaths[t] = totalPaths;
              nextEvictions[t] = evictions[k]! + table.evictions[j]!;
              split[t] = j;
            }
          }
        }
        cost = nextCost;
        paths = nextPaths;
        evictions = nextEvictions;
        splits.push(split);
      }
      const whole = new Uint8Array(K + 1);
      const wholeCost = node.freshBelow + lambda;
      if (better(wholeCost, 1, cost[1]!, paths[1]!)) {
        cost[1] = wholeCost;
        paths[1] = 1;
        evictions[1] = node.freshBelow;
        whole[1] = 1;
      }
      tables.set(node, { cost, paths, evictions, whole, splits });
    }
    return tables;
  };
  const best = (tables: Map<DirNode, Table>): { k: number; paths: number; evictions: number } => {
    const table = tables.get(root)!;
    let k = -1;
    for (let i = 0; i <= K; i++) {
      if (table.cost[i] === Number.POSITIVE_INFINITY) continue;
      if (k < 0 || better(table.cost[i]!, table.paths[i]!, table.cost[k]!, table.paths[k]!)) k = i;
    }
    return { k, paths: table.paths[k]!, evictions: table.evictions[k]! };
  };

  // Bisect the price of an entry: at `high` saving one entry outweighs every possible eviction.
  let low = 0;
  let high = objects.length + 1;
  let tables = solve(high);
  for (let round = 0; round < 48 && high - low > 1e-9 * Math.max(1, high); round++) {
    const mid = (low + high) / 2;
    const candidate = solve(mid);
    if (best(candidate).paths <= maxPaths) {
      high = mid;
      tables = candidate;
    } else {
      low = mid;
    }
  }

  // Rebuild the chosen cover: directories covered whole, and the entries kept as they are.
  const whole: DirNode[] = [];
  const kept: DirNode[] = [];
  const emit = (node: DirNode, k: number): void => {
    const table = tables.get(node)!;
    if (table.whole[k]) {
      whole.push(node);
      return;
    }
    kept.push(node);
    let remaining = k;
    for (let i = node.children.length - 1; i >= 0; i--) {
      const j = table.splits[i]![remaining]!;
      emit(node.children[i]!, j);
      remaining -= j;
    }
  };
  emit(root, best(tables).k);

  // The relaxation is exact only on the convex hull of (entries, evictions), so it may leave budget
  // unused (it picks `/*` where `/blog/*` + `/docs/*` also fit). Spend what is left greedily: split a
  // whole-directory wildcard into its own entries and one wildcard per subdirectory, best eviction
  // saving per added entry first.
  let pathCount = 0;
  let prefixCount = 0;
  for (const node of kept) {
    pathCount += node.exact.length + node.prefixes.length;
    prefixCount += node.prefixes.length;
  }
  pathCount += whole.length;
  prefixCount += whole.length;
  for (;;) {
    let bestIndex = -1;
    let bestRatio = 0;
    for (const [index, node] of whole.entries()) {
      const addedPaths = node.exact.length + node.prefixes.length + node.children.length - 1;
      const addedPrefixes = node.prefixes.length + node.children.length - 1;
      const saved = node.freshBelow - node.freshOwn - node.children.reduce((sum, c) => sum + c.freshBelow, 0);
      if (saved <= 0 || pathCount + addedPaths > maxPaths || prefixCount + addedPrefixes > K) continue;
      const ratio = saved / Math.max(addedPaths, 1e-3);
      if (ratio > bestRatio) {
        bestRatio = ratio;
        bestIndex = index;
      }
    }
    if (bestIndex < 0) break;
    const [node] = whole.splice(bestIndex, 1) as [DirNode];
    kept.push(node);
    whole.push(...node.children);
    pathCount += node.exact.length + node.prefixes.length + node.children.length - 1;
    prefixCount += node.prefixes.length + node.children.length - 1;
  }

  const targets: PlanTarget[] = [];
  let evictions = 0;
  for (const node of whole) {
    targets.push({ kind: 'prefix', key: node.dir });
    evictions += node.freshBelow;
  }
  for (const node of kept) {
    for (const key of node.prefixes) targets.push({ kind: 'prefix', key });
    for (const key of node.exact) targets.push({ kind: 'exact', key });
    evictions += node.freshOwn;
  }
  return { targets: sortTargets(targets), collapsed: true, needlesslyEvicted: evictions };
}

const EPSILON = 1e-9;

/** Lower cost wins; on a tie (within rounding), fewer entries. */
function better(cost: number, paths: number, otherCost: number, otherPaths: number): boolean {
  if (otherCost === Number.POSITIVE_INFINITY) return cost !== Number.POSITIVE_INFINITY;
  const scale = EPSILON * Math.max(1, Math.abs(cost), Math.abs(otherCost));
  if (cost < otherCost - scale) return true;
  if (cost > otherCost + scale) return false;
  return paths < otherPaths;
}

function sortTargets(targets: PlanTarget[]): PlanTarget[] {
  return targets.sort((a, b) =>
    a.key < b.key ? -1 : a.key > b.key ? 1 : a.kind === b.kind ? 0 : a.kind === 'prefix' ? -1 : 1,
  );
}
