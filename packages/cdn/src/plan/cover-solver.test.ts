// Units of the tree knapsack behind collapseTargets (collapse.test.ts checks the whole collapse, refinement
// included, against a brute-force optimum; these pin the two pieces it is built from).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildTree, type Cover, createSolver, type Tree } from './cover-solver.ts';

/** freshIn over a list of fresh keys, as collapse.ts computes it from the sorted objects. */
const freshCounter =
  (fresh: readonly string[]) =>
  (prefix: string): number =>
    fresh.filter((key) => key.startsWith(prefix)).length;

/** What a cover costs, recomputed from its nodes: entries, prefix entries and evictions. */
function recount(tree: Tree, cover: Cover): { paths: number; prefixes: number; evictions: number } {
  let paths = cover.whole.length;
  let prefixes = cover.whole.length;
  let evictions = 0;
  for (const v of cover.whole) evictions += tree.freshBelow[v]!;
  for (const v of cover.kept) {
    paths += tree.exact[v]!.length + tree.prefixes[v]!.length;
    prefixes += tree.prefixes[v]!.length;
    evictions += tree.freshOwn[v]!;
  }
  return { paths, prefixes, evictions };
}

/** The keys a cover addresses: every stale key must fall under one of them. */
function covers(tree: Tree, cover: Cover, key: string): boolean {
  if (cover.whole.some((v) => key.startsWith(tree.dir[v]!))) return true;
  return cover.kept.some(
    (v) => tree.exact[v]!.includes(key) || tree.prefixes[v]!.some((p) => key.startsWith(p)),
  );
}

describe('buildTree', () => {
  const tree = buildTree(
    ['/a/b/y', '/a/x', '/c'],
    ['/a/b/runtime'],
    freshCounter(['/a/keep', '/a/b/runtime-old', '/d/other']),
  );

  it('lists the directories above stale entries in post-order, the root last', () => {
    expect(tree.dir).toEqual(['/a/b/', '/a/', '/']);
    expect(tree.root).toBe(2);
    expect(tree.children).toEqual([[], [0], [1]]);
    // The subtree of v is first[v]..v.
    expect([...tree.first]).toEqual([0, 0, 0]);
  });

  it('puts each exact key and forced prefix in its own directory', () => {
    expect(tree.exact).toEqual([['/a/b/y'], ['/a/x'], ['/c']]);
    expect(tree.prefixes).toEqual([['/a/b/runtime'], [], []]);
  });

  it('counts fresh objects under each directory and under its forced prefixes', () => {
    expect([...tree.freshBelow]).toEqual([1, 2, 3]);
    expect([...tree.freshOwn]).toEqual([1, 0, 0]);
  });
});

describe('createSolver', () => {
  // Five stale files in /a/ beside one fresh, one stale in /b/ beside one fresh.
  const stale = ['/a/1', '/a/2', '/a/3', '/a/4', '/a/5', '/b/1'];
  const tree = buildTree(stale, [], freshCounter(['/a/keep', '/b/keep']));
  const node = (dir: string): number => tree.dir.indexOf(dir);

  it('keeps every path when they fit: nothing evicted', () => {
    const cover = createSolver(tree, 5).solve(tree.root, 6, 5, true);
    expect(cover).toMatchObject({ whole: [], paths: 6, prefixes: 0, evictions: 0 });
  });

  it('takes the directory whose wildcard evicts least when the paths do not fit', () => {
    const cover = createSolver(tree, 5).solve(tree.root, 2, 5, true);
    expect(cover.whole).toEqual([node('/a/')]);
    expect(cover).toMatchObject({ paths: 2, prefixes: 1, evictions: 1 });
    for (const key of stale) expect(covers(tree, cover, key)).toBe(true);
  });

  it('falls back to the root wildcard only when nothing narrower fits', () => {
    const cover = createSolver(tree, 5).solve(tree.root, 1, 5, true);
    expect(cover.whole).toEqual([tree.root]);
    expect(cover).toMatchObject({ paths: 1, prefixes: 1, evictions: 2 });
  });

  it('never takes the top whole when told not to (a refinement re-solves below a chosen wildcard)', () => {
    const cover = createSolver(tree, 5).solve(node('/a/'), 5, 5, false);
    expect(cover.whole).toEqual([]);
    expect(cover).toMatchObject({ paths: 5, evictions: 0 });
  });

  it('returns the fewest-entries cover, over budget, when no cover fits (the caller decides)', () => {
    const cover = createSolver(tree, 1).solve(tree.root, 0, 1, true);
    expect(cover.paths).toBe(1);
  });

  it('on random trees: the cover accounts for itself, covers every stale key, and holds the budgets it can', () => {
    const key = fc
      .array(fc.constantFrom('a', 'b', 'c'), { minLength: 1, maxLength: 4 })
      .map((parts) => `/${parts.join('/')}`);
    fc.assert(
      fc.property(
        fc.uniqueArray(key, { minLength: 1, maxLength: 12 }),
        fc.uniqueArray(key, { maxLength: 8 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 4 }),
        (staleKeys, freshKeys, maxPaths, maxPrefixes) => {
          const fresh = freshKeys.filter((k) => !staleKeys.includes(k));
          const randomTree = buildTree([...staleKeys].sort(), [], freshCounter(fresh));
          const cover = createSolver(randomTree, maxPrefixes).solve(
            randomTree.root,
            maxPaths,
            maxPrefixes,
            true,
          );
          expect(recount(randomTree, cover)).toEqual({
            paths: cover.paths,
            prefixes: cover.prefixes,
            evictions: cover.evictions,
          });
          for (const stale of staleKeys) expect(covers(randomTree, cover, stale)).toBe(true);
          // The root wildcard alone is one entry and one prefix: some cover always fits these budgets.
          expect(cover.paths).toBeLessThanOrEqual(maxPaths);
          expect(cover.prefixes).toBeLessThanOrEqual(maxPrefixes);
          expect(cover.evictions).toBeLessThanOrEqual(fresh.length);
        },
      ),
      { numRuns: 500, seed: 12 },
    );
  });
});
