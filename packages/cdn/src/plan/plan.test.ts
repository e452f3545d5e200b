import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createManifest, type DeployedFile, type Manifest } from '../manifest/manifest.ts';
import {
  cloudFrontCacheKey,
  cloudFrontProfile,
  cloudFrontTarget,
} from '../providers/cloudfront/cloudfront-profile.ts';
import { deployedFile as file } from '../test-support/deployed-file.ts';
import { planInvalidation } from './plan.ts';

const manifest = (files: DeployedFile[]): Manifest => createManifest(files);

/** Does a CloudFront invalidation path match a cache key? (`*` only as the last character.) */
const covers = (path: string, key: string): boolean =>
  path.endsWith('*') ? key.startsWith(path.slice(0, -1)) : path === key;

describe('planInvalidation', () => {
  const previous = manifest([
    file('/index.html', 'a'),
    file('/about/index.html', 'a'),
    file('/assets/app.111.js', 'a', true),
    file('/assets/old.222.css', 'a', true),
    file('/robots.txt', 'a'),
    file('/gone.html', 'a'),
  ]);

  it('plans nothing when nothing changed', () => {
    const plan = planInvalidation({ previous, next: previous, distributionIds: ['E1'] });
    expect(plan.paths).toEqual([]);
    expect(plan.distributions[0]!.batches).toEqual([]);
    expect(plan.cost.usd).toBe(0);
  });

  it('plans nothing on a first deploy', () => {
    const plan = planInvalidation({ next: previous, distributionIds: ['E1'] });
    expect(plan.changes.added).toHaveLength(6);
    expect(plan.paths).toEqual([]);
  });

  it('invalidates modified and deleted mutable files with their index aliases, not added or immutable ones', () => {
    const next = manifest([
      file('/index.html', 'b'),
      file('/about/index.html', 'b'),
      file('/assets/app.333.js', 'b', true),
      file('/robots.txt', 'a'),
      file('/new.html', 'b'),
    ]);
    const plan = planInvalidation({ previous, next, distributionIds: ['E1'] });
    expect(plan.changes).toMatchObject({
      added: ['/assets/app.333.js', '/new.html'],
      modified: ['/about/index.html', '/index.html'],
      deleted: ['/assets/app.111.js', '/assets/old.222.css', '/gone.html'],
      unchanged: ['/robots.txt'],
    });
    expect(plan.paths).toEqual(['/', '/about', '/about/', '/about/index.html', '/gone.html', '/index.html']);
    expect(plan.collapsed).toBe(false);
    expect(plan.changes.warnings).toEqual([]);
  });

  it('invalidates and warns about an immutable file whose bytes changed under the same name', () => {
    const next = manifest([...previous.files.values()].map((f) => (f.immutable ? { ...f, hash: 'z' } : f)));
    const plan = planInvalidation({ previous, next });
    expect(plan.paths).toEqual(['/assets/app.111.js', '/assets/old.222.css']);
    expect(plan.changes.warnings.map((w) => [w.code, w.path])).toEqual([
      ['IMMUTABLE_BYTES_CHANGED', '/assets/app.111.js'],
      ['IMMUTABLE_BYTES_CHANGED', '/assets/old.222.css'],
    ]);
    expect(plan.changes.warnings[0]!.message).toMatch(/^\[wirepack\/cdn\] /);
  });

  it('invalidates a mutable file whose headers changed, not an immutable one', () => {
    const next = manifest(
      [...previous.files.values()].map((f) => ({ ...f, cacheControl: 'public, max-age=60' })),
    );
    const plan = planInvalidation({ previous, next });
    expect(plan.paths).not.toContain('/assets/app.111.js');
    expect(plan.paths).toContain('/robots.txt');
  });

  it('collapses into the directory wildcard that evicts least, above maxPaths', () => {
    const docs = Array.from({ length: 40 }, (_, i) => file(`/docs/page-${i}.html`, 'a'));
    const blog = Array.from({ length: 40 }, (_, i) => file(`/blog/post-${i}.html`, 'a'));
    const before = manifest([...docs, ...blog, file('/assets/x.1.js', 'a', true)]);
    // Every docs page changes, and 3 of 40 blog posts.
    const after = manifest([
      ...docs.map((f) => ({ ...f, hash: 'b' })),
      ...blog.map((f, i) => (i < 3 ? { ...f, hash: 'b' } : f)),
      file('/assets/x.1.js', 'a', true),
    ]);
    const plan = planInvalidation({ previous: before, next: after, maxPaths: 10 });
    expect(plan.paths).toEqual(['/blog/post-0.html', '/blog/post-1.html', '/blog/post-2.html', '/docs/*']);
    expect(plan.collapsed).toBe(true);
    expect(plan.needlesslyEvicted).toBe(0);
    // With room for only two paths, one more wildcard is needed: /blog/* evicts 37 fresh posts, /* 38.
    const tight = planInvalidation({ previous: before, next: after, maxPaths: 2 });
    expect(tight.paths).toEqual(['/blog/*', '/docs/*']);
    expect(tight.needlesslyEvicted).toBe(37);
    const one = planInvalidation({ previous: before, next: after, maxPaths: 1 });
    expect(one.paths).toEqual(['/*']);
    expect(one.needlesslyEvicted).toBe(38);
  });

  it('drops paths covered by a forced ~ wildcard and counts what it evicts', () => {
    const before = manifest([
      file('/assets/runtime~main.js', 'a'),
      file('/assets/runtime.css', 'a'),
      file('/assets/runtime-other.js', 'a'),
    ]);
    const after = manifest([
      file('/assets/runtime~main.js', 'b'),
      file('/assets/runtime.css', 'b'),
      file('/assets/runtime-other.js', 'a'),
    ]);
    const plan = planInvalidation({ previous: before, next: after });
    expect(plan.paths).toEqual(['/assets/runtime*']);
    expect(plan.wildcards).toBe(1);
    expect(plan.needlesslyEvicted).toBe(1);
  });

  it('splits batches within per-request limits and keeps caller references per distribution', () => {
    const before = manifest(Array.from({ length: 25 }, (_, i) => file(`/p${i}.html`, 'a')));
    const after = manifest(Array.from({ length: 25 }, (_, i) => file(`/p${i}.html`, 'b')));
    const plan = planInvalidation({
      previous: before,
      next: after,
      maxPathsPerBatch: 10,
      distributionIds: ['E1', 'E2'],
      runId: 'run1',
    });
    const [one, two] = plan.distributions;
    expect(plan.runId).toBe('run1');
    expect(one!.batches.map((b) => b.paths.length)).toEqual([10, 10, 5]);
    expect(one!.batches.map((b) => b.callerReference)).toEqual(
      one!.batches.map((b, i) =>
        cloudFrontProfile.idempotencyKey({
          previousDigest: before.digest,
          nextDigest: after.digest,
          distributionId: 'E1',
          batchIndex: i,
          paths: b.paths,
          runId: 'run1',
        }),
      ),
    );
    expect(two!.batches[0]!.callerReference).not.toBe(one!.batches[0]!.callerReference);
  });

  it('gives every run its own caller references unless a run id is passed to retry it', () => {
    const before = manifest([file('/a.html', '1')]);
    const after = manifest([file('/a.html', '2')]);
    const reference = (runId?: string) =>
      planInvalidation({ previous: before, next: after, distributionIds: ['E1'], runId }).distributions[0]!
        .batches[0]!.callerReference;
    expect(reference()).not.toBe(reference());
    expect(reference('retry-1')).toBe(reference('retry-1'));
    expect(planInvalidation({ next: after }).runId).toMatch(/^[0-9a-f]{16}$/);
    for (const bad of ['', 'a b', 'x'.repeat(65), '../x']) {
      expect(() => planInvalidation({ next: after, runId: bad })).toThrow(/runId must be/);
    }
  });

  it('estimates the cost against one free tier for all distributions', () => {
    const before = manifest(Array.from({ length: 600 }, (_, i) => file(`/p${i}.html`, 'a')));
    const after = manifest(Array.from({ length: 600 }, (_, i) => file(`/p${i}.html`, 'b')));
    // The docs' example: 3 distributions x 600 paths = 1,800 paths, 800 billed.
    const plan = planInvalidation({
      previous: before,
      next: after,
      maxPaths: 3000,
      distributionIds: ['A', 'B', 'C'],
    });
    expect(plan.cost).toEqual({ paths: 1800, freePathsRemaining: 1000, billablePaths: 800, usd: 4 });
    expect(plan.distributions.map((d) => d.cost.billablePaths)).toEqual([0, 200, 600]);
  });
});

// Property tests: random sites shaped like file trees, random redeploys.
const segment = fc.constantFrom(
  'a',
  'b',
  'docs',
  'x y',
  'café',
  'q?',
  'h#',
  'p%',
  'r~t',
  'index.html',
  'f.js',
  's*',
);
const filePath = fc.array(segment, { minLength: 1, maxLength: 4 }).map((parts) => `/${parts.join('/')}`);
const site = fc
  .uniqueArray(fc.tuple(filePath, fc.boolean(), fc.constantFrom('h1', 'h2')), {
    selector: ([path]) => path,
    maxLength: 60,
  })
  // Like a file system, a path cannot be both a file and a directory.
  .map((entries) => entries.filter(([path]) => !entries.some(([other]) => other.startsWith(`${path}/`))));
const redeploy = site.chain((entries) =>
  fc.tuple(
    fc.constant(entries),
    fc.array(fc.constantFrom('keep', 'change', 'delete', 'flip'), {
      minLength: entries.length,
      maxLength: entries.length,
    }),
    fc.integer({ min: 1, max: 40 }),
  ),
);

describe('planInvalidation properties', () => {
  it('covers every stale path, never plans an unchanged immutable path, and holds the limits', () => {
    fc.assert(
      fc.property(redeploy, ([entries, actions, maxPaths]) => {
        const before = manifest(entries.map(([path, immutable, hash]) => file(path, hash, immutable)));
        const after = manifest(
          entries.flatMap(([path, immutable, hash], i) => {
            const action = actions[i];
            if (action === 'delete') return [];
            if (action === 'change') return [file(path, `${hash}'`, immutable)];
            if (action === 'flip') return [file(path, hash, !immutable)];
            return [file(path, hash, immutable)];
          }),
        );
        const plan = planInvalidation({ previous: before, next: after, maxPaths, distributionIds: ['E1'] });
        // Every stale path is covered by a planned path.
        for (const stale of plan.changes.stale) {
          const key = cloudFrontCacheKey(stale);
          expect(plan.paths.some((p) => covers(p, key))).toBe(true);
        }
        // No explicit (non-wildcard) path names an immutable file whose bytes did not change.
        for (const [path, old] of before.files) {
          const now = after.files.get(path);
          if (old.immutable && (now === undefined || now.hash === old.hash)) {
            const key = cloudFrontCacheKey(path);
            if (cloudFrontTarget(key).kind === 'exact') expect(plan.paths).not.toContain(key);
          }
        }
        // Limits: paths budget, wildcards, `*` only last, 4,000 characters, leading slash, no duplicates.
        expect(plan.paths.length).toBeLessThanOrEqual(maxPaths);
        expect(plan.wildcards).toBeLessThanOrEqual(15);
        expect(new Set(plan.paths).size).toBe(plan.paths.length);
        for (const p of plan.paths) {
          expect(p.startsWith('/')).toBe(true);
          expect(p.length).toBeLessThanOrEqual(4000);
          expect(p).not.toMatch(/[~ ?#\u0080-\uffff]/);
        }
        // No planned path is covered by another wildcard.
        for (const p of plan.paths) {
          expect(plan.paths.some((q) => q !== p && q.endsWith('*') && covers(q, p.replace(/\*$/, '')))).toBe(
            false,
          );
        }
        for (const batch of plan.distributions[0]!.batches) {
          expect(batch.paths.filter((p) => p.endsWith('*')).length).toBeLessThanOrEqual(15);
          expect(batch.paths.length).toBeLessThanOrEqual(3000);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('plans nothing for identical manifests', () => {
    fc.assert(
      fc.property(site, (entries) => {
        const m = manifest(entries.map(([path, immutable, hash]) => file(path, hash, immutable)));
        const copy = manifest([...m.files.values()].map((f) => ({ ...f })).reverse());
        expect(copy.digest).toBe(m.digest);
        expect(planInvalidation({ previous: m, next: copy }).paths).toEqual([]);
      }),
      { numRuns: 100 },
    );
  });

  it('never needs more than 15 wildcards or 3,000 file paths, whatever maxPaths says', () => {
    const many = Array.from({ length: 4000 }, (_, i) => `/d${i % 40}/f${i}~x.html`);
    const before = manifest(many.map((p) => file(p, 'a')));
    const after = manifest(many.map((p) => file(p, 'b')));
    const plan = planInvalidation({ previous: before, next: after, maxPaths: 1_000_000 });
    expect(plan.wildcards).toBeLessThanOrEqual(15);
    expect(plan.paths.length).toBeLessThanOrEqual(3000);
  });
});
