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

/** Directories as struct-of-arrays, in post-order (children before parents). */
interface Tree {
  readonly root: number;
  readonly dir: string[];
  readonly exact: string[][];
  readonly prefixes: string[][];
  readonly children: number[][];
  /** First node of each subtree in post-order (the subtree of v is first[v]..v). */
  readonly first: Int32Array;
  /** Fresh objects under the whole directory (the eviction cost of collapsing it). */
  readonly freshBelow: Float64Array;
  /** Fresh objects matched by the directory's own forced prefixes. */
  readonly freshOwn: Float64Array;
}

function buildTree(
  exact: readonly string[],
  prefixes: readonly string[],
  freshIn: (prefix: string) => number,
): Tree {
  const ids = new Map<string, number>();
  const dirs: string[] = [];
  const kids: number[][] = [];
  const ownExact: string[][] = [];
  const ownPrefixes: string[][] = [];
  const nodeFor = (dir: string): number => {
    let id = ids.get(dir);
    if (id !== undefined) return id;
    id = dirs.length;
    ids.set(dir, id);
    dirs.push(dir);
    kids.push([]);
    ownExact.push([]);
    ownPrefixes.push([]);
    if (dir !== '/') kids[nodeFor(dirOf(dir.slice(0, -1)))]!.push(id);
    return id;
  };
  const root = nodeFor('/');
  for (const key of exact) ownExact[nodeFor(dirOf(key))]!.push(key);
  for (const prefix of prefixes) ownPrefixes[nodeFor(dirOf(prefix))]!.push(prefix);

  // Renumber in post-order.
  const order: number[] = [];
  const firstOf = new Map<number, number>();
  const stack: Array<[number, number]> = [[root, 0]];
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    const [id, next] = top;
    if (next === 0) firstOf.set(id, order.length);
    if (next < kids[id]!.length) {
      top[1]++;
      stack.push([kids[id]![next]!, 0]);
    } else {
      stack.pop();
      order.push(id);
    }
  }
  const position = new Int32Array(dirs.length);
  order.forEach((id, index) => {
    position[id] = index;
  });
  const n = order.length;
  const tree: Tree = {
    root: n - 1,
    dir: order.map((id) => dirs[id]!),
    exact: order.map((id) => ownExact[id]!),
    prefixes: order.map((id) => ownPrefixes[id]!),
    children: order.map((id) => kids[id]!.map((child) => position[child]!)),
    first: Int32Array.from(order, (id) => firstOf.get(id)!),
    freshBelow: new Float64Array(n),
    freshOwn: new Float64Array(n),
  };
  for (let v = 0; v < n; v++) {
    tree.freshBelow[v] = freshIn(tree.dir[v]!);
    for (const prefix of tree.prefixes[v]!) tree.freshOwn[v]! += freshIn(prefix);
  }
  return tree;
}

/** A cover of a subtree: directories taken whole, directories whose own entries are kept. */
interface Cover {
  readonly whole: number[];
  readonly kept: number[];
  readonly paths: number;
  readonly prefixes: number;
  readonly evictions: number;
}

/**
 * The tree knapsack. Tables are flat typed arrays allocated once: for node v and k prefixes used below it
 * (exactly k), the best cost, entry count and evictions, whether v is taken whole, and for each child the k
 * given to it. `cap[v]` bounds k by the prefixes a subtree can use at all, which keeps most merges tiny.
 */
function createSolver(
  tree: Tree,
  maxPrefixes: number,
): { solve(top: number, maxPaths: number, maxPrefixes: number, wholeTop: boolean): Cover } {
  const n = tree.dir.length;
  const W = maxPrefixes + 1;
  const cost = new Float64Array(n * W);
  const paths = new Float64Array(n * W);
  const evictions = new Float64Array(n * W);
  const whole = new Uint8Array(n * W);
  const edgeOffset = new Int32Array(n + 1);
  for (let v = 0; v < n; v++) edgeOffset[v + 1] = edgeOffset[v]! + tree.children[v]!.length;
  const splits = new Int32Array(edgeOffset[n]! * W);
  const cap = new Int32Array(n);
  for (let v = 0; v < n; v++) {
    let sum = tree.prefixes[v]!.length;
    for (const c of tree.children[v]!) sum += cap[c]!;
    cap[v] = Math.min(maxPrefixes, Math.max(1, sum));
  }
  const curCost = new Float64Array(W);
  const curPaths = new Float64Array(W);
  const curEv = new Float64Array(W);
  const nextCost = new Float64Array(W);
  const nextPaths = new Float64Array(W);
  const nextEv = new Float64Array(W);
  const INF = Number.POSITIVE_INFINITY;

  const pass = (top: number, lambda: number, K: number, wholeTop: boolean): void => {
    for (let v = tree.first[top]!; v <= top; v++) {
      const kv = Math.min(cap[v]!, K);
      curCost.fill(INF, 0, kv + 1);
      const own = tree.prefixes[v]!.length;
      let reach = -1; // highest k with a finite cost so far
      if (own <= kv) {
        curPaths[own] = tree.exact[v]!.length + own;
        curEv[own] = tree.freshOwn[v]!;
        curCost[own] = curEv[own]! + lambda * curPaths[own]!;
        reach = own;
      }
      const children = tree.children[v]!;
      for (let i = 0; i < children.length; i++) {
        const c = children[i]!;
        const kc = Math.min(cap[c]!, K);
        const base = c * W;
        const splitBase = (edgeOffset[v]! + i) * W;
        const limit = Math.min(kv, reach + kc);
        nextCost.fill(INF, 0, limit + 1);
        for (let k = 0; k <= reach; k++) {
          const a = curCost[k]!;
          if (a === INF) continue;
          for (let j = 0; j <= kc && k + j <= kv; j++) {
            const b = cost[base + j]!;
            if (b === INF) continue;
            const t = k + j;
            const total = a + b;
            const totalPaths = curPaths[k]! + paths[base + j]!;
            if (better(total, totalPaths, nextCost[t]!, nextPaths[t]!)) {
              nextCost[t] = total;
              nextPaths[t] = totalPaths;
              nextEv[t] = curEv[k]! + evictions[base + j]!;
              splits[splitBase + t] = j;
            }
          }
        }
        reach = limit;
        curCost.set(nextCost.subarray(0, limit + 1));
        curPaths.set(nextPaths.subarray(0, limit + 1));
        curEv.set(nextEv.subarray(0, limit + 1));
      }
      const at = v * W;
      for (let k = 0; k <= kv; k++) {
        cost[at + k] = k <= reach ? curCost[k]! : INF;
        paths[at + k] = curPaths[k]!;
        evictions[at + k] = curEv[k]!;
        whole[at + k] = 0;
      }
      for (let k = kv + 1; k < W; k++) cost[at + k] = INF;
      const wholeCost = tree.freshBelow[v]! + lambda;
      if ((v !== top || wholeTop) && better(wholeCost, 1, cost[at + 1]!, paths[at + 1]!)) {
        cost[at + 1] = wholeCost;
        paths[at + 1] = 1;
        evictions[at + 1] = tree.freshBelow[v]!;
        whole[at + 1] = 1;
      }
    }
  };
  const bestK = (top: number, K: number): number => {
    const at = top * W;
    let k = -1;
    for (let i = 0; i <= K; i++) {
      if (cost[at + i] === INF) continue;
      if (k < 0 || better(cost[at + i]!, paths[at + i]!, cost[at + k]!, paths[at + k]!)) k = i;
    }
    return k;
  };
  const extract = (top: number, k: number): Cover => {
    const out = {
      whole: [] as number[],
      kept: [] as number[],
      paths: paths[top * W + k]!,
      prefixes: k,
      evictions: evictions[top * W + k]!,
    };
    const stack: Array<[number, number]> = [[top, k]];
    while (stack.length > 0) {
      const [v, kv] = stack.pop()!;
      if (whole[v * W + kv]) {
        out.whole.push(v);
        continue;
      }
      out.kept.push(v);
      let remaining = kv;
      const children = tree.children[v]!;
      for (let i = children.length - 1; i >= 0; i--) {
        const j = splits[(edgeOffset[v]! + i) * W + remaining]!;
        stack.push([children[i]!, j]);
        remaining -= j;
      }
    }
    return out;
  };
  return {
    solve(top, maxPaths, K, wholeTop) {
      // Bisect the price of an entry: at `high` saving one entry outweighs every possible eviction.
      let low = 0;
      let high = tree.freshBelow[top]! + 1;
      pass(top, high, K, wholeTop);
      const first = bestK(top, K);
      if (first < 0) return { whole: [], kept: [], paths: Infinity, prefixes: Infinity, evictions: Infinity };
      let chosen = extract(top, first);
      for (let round = 0; round < 30 && high - low > 1e-4 * Math.max(1, low); round++) {
        const mid = (low + high) / 2;
        pass(top, mid, K, wholeTop);
        const k = bestK(top, K);
        if (paths[top * W + k]! <= maxPaths) {
          high = mid;
          chosen = extract(top, k);
        } else {
          low = mid;
        }
      }
      return chosen;
    },
  };
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
