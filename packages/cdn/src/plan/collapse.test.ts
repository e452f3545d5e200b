import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PlanTarget } from '../providers/provider.ts';
import { collapseTargets } from './collapse.ts';

/** Directories (with trailing slash) above a key, root first. */
const dirsOf = (key: string): string[] => {
  const parts = key.split('/');
  return parts.slice(0, -1).map((_, i) => `${parts.slice(0, i + 1).join('/')}/`);
};

/**
 * The optimum by brute force: every set of directory wildcards (from the directories above stale keys),
 * keeping the sets within the budgets, fewest evictions, then fewest entries.
 */
function bruteForce(
  objects: string[],
  stale: Set<string>,
  maxPaths: number,
  maxPrefixes: number,
): { evictions: number; paths: number } {
  const candidates = [...new Set([...stale].flatMap(dirsOf))].sort();
  let best = { evictions: Infinity, paths: Infinity };
  for (let mask = 0; mask < 1 << candidates.length; mask++) {
    const chosen = candidates.filter((_, i) => mask & (1 << i));
    // Nested wildcards are never useful: skip sets with one inside another.
    if (chosen.some((a) => chosen.some((b) => a !== b && a.startsWith(b)))) continue;
    if (chosen.length > maxPrefixes) continue;
    const covered = (key: string): boolean => chosen.some((dir) => key.startsWith(dir));
    const exact = [...stale].filter((key) => !covered(key)).length;
    const paths = exact + chosen.length;
    if (paths > maxPaths) continue;
    const evictions = objects.filter((key) => !stale.has(key) && covered(key)).length;
    if (evictions < best.evictions || (evictions === best.evictions && paths < best.paths))
      best = { evictions, paths };
  }
  return best;
}

const segment = fc.constantFrom('a', 'b', 'c', 'd');
const key = fc.array(segment, { minLength: 1, maxLength: 3 }).map((parts) => `/${parts.join('/')}.html`);

describe('collapseTargets', () => {
  it('matches the brute-force optimum on small trees', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(key, { minLength: 1, maxLength: 30 }),
        fc.infiniteStream(fc.boolean()),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 4 }),
        (keys, flags, maxPaths, maxPrefixes) => {
          const objects = [...keys].sort();
          const staleFlags = objects.map(() => flags.next().value as boolean);
          const stale = new Set(objects.filter((_, i) => staleFlags[i]));
          fc.pre(stale.size > 0 && new Set(objects.flatMap(dirsOf)).size <= 12);
          const targets: PlanTarget[] = [...stale].map((k) => ({ kind: 'exact', key: k }));
          const result = collapseTargets({
            objects,
            stale: Uint8Array.from(staleFlags, Number),
            targets,
            maxPaths,
            maxPrefixes,
          });
          const optimum = bruteForce(objects, stale, maxPaths, maxPrefixes);
          expect(result.targets.length).toBeLessThanOrEqual(maxPaths);
          expect(result.needlesslyEvicted).toBe(optimum.evictions);
        },
      ),
      { numRuns: 300 },
    );
  });
});
