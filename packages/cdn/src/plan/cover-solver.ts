// The directory tree and the tree knapsack behind collapseTargets (see collapse.ts for the problem).

const dirOf = (key: string): string => key.slice(0, key.lastIndexOf('/') + 1);

/** Directories as struct-of-arrays, in post-order (children before parents). */
export interface Tree {
  /** Index of `/` (the last node in post-order). */
  readonly root: number;
  /** Directory of each node, with its trailing slash (`/docs/guide/`). */
  readonly dir: string[];
  /** Stale keys addressed exactly that sit directly in the directory. */
  readonly exact: string[][];
  /** Forced prefixes (`/assets/runtime` for a `~` name) whose last slash is the directory's. */
  readonly prefixes: string[][];
  /** Child directory nodes. */
  readonly children: number[][];
  /** First node of each subtree in post-order (the subtree of v is first[v]..v). */
  readonly first: Int32Array;
  /** Fresh objects under the whole directory (the eviction cost of collapsing it). */
  readonly freshBelow: Float64Array;
  /** Fresh objects matched by the directory's own forced prefixes. */
  readonly freshOwn: Float64Array;
}

/** Builds the tree of the directories above stale entries; `freshIn` counts fresh objects under a prefix. */
export function buildTree(
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
export interface Cover {
  /** Nodes covered by one wildcard for the whole directory. */
  readonly whole: number[];
  /** Nodes whose own exact keys and forced prefixes are submitted as they are. */
  readonly kept: number[];
  /** Entries used. */
  readonly paths: number;
  /** Prefix entries used. */
  readonly prefixes: number;
  /** Fresh objects the cover evicts. */
  readonly evictions: number;
}

/**
 * The tree knapsack. Tables are flat typed arrays allocated once: for node v and k prefixes used below it
 * (exactly k), the best cost, entry count and evictions, whether v is taken whole, and for each child the k
 * given to it. `cap[v]` bounds k by the prefixes a subtree can use at all, which keeps most merges tiny.
 */
export function createSolver(
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
      // Search the price of an entry along the lower convex hull of (entries, evictions). At `high`,
      // saving one entry outweighs every possible eviction (fewest entries); at 0, evictions alone count.
      // Each step prices entries at the slope of the chord between the best feasible cover and the best
      // infeasible one; the optimum at that price is either a new hull vertex below the chord (which
      // replaces one end) or on it (the ends are adjacent vertices: done). A few passes, not a bisection.
      const solveAt = (lambda: number): Cover | undefined => {
        pass(top, lambda, K, wholeTop);
        const k = bestK(top, K);
        return k < 0 ? undefined : extract(top, k);
      };
      const fewest = solveAt(tree.freshBelow[top]! + 1);
      if (fewest === undefined)
        return { whole: [], kept: [], paths: Infinity, prefixes: Infinity, evictions: Infinity };
      if (fewest.paths > maxPaths) return fewest;
      let feasible: Cover = fewest;
      let infeasible: Cover = solveAt(0)!;
      if (infeasible.paths <= maxPaths) return infeasible;
      for (let round = 0; round < 64; round++) {
        const lambda: number =
          (feasible.evictions - infeasible.evictions) / (infeasible.paths - feasible.paths);
        const candidate: Cover = solveAt(lambda)!;
        const chord = feasible.evictions + lambda * feasible.paths;
        const cost = candidate.evictions + lambda * candidate.paths;
        if (cost >= chord - EPSILON * Math.max(1, chord)) break;
        if (candidate.paths <= maxPaths) feasible = candidate;
        else infeasible = candidate;
      }
      return feasible;
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
