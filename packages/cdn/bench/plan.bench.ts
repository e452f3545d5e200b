// Benchmark: plan realistic redeploys and compare wirepack's plan with the two strategies deploy tools use
// today: `/*` on every deploy (CDK BucketDeployment, SST, most GitHub actions) and one path per changed
// file (s3-deploy-style "invalidate every changed key"). Prints paths submitted, objects needlessly
// evicted, stale URL paths left cached, estimated cost, and planning time.
//
// Run: pnpm bench:cdn
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  createManifest,
  type DeployedFile,
  estimateCost,
  type InvalidationPlan,
  type Manifest,
  planInvalidation,
  readManifest,
} from '../src/index.ts';
// Internals the benchmark's peers are built from (not public API).
import { indexAliases } from '../src/plan/change-set.ts';
import {
  cloudFrontCacheKey,
  cloudFrontTarget,
  renderCloudFrontPath,
} from '../src/providers/cloudfront/cloudfront-profile.ts';

const PRICING = { freePathsPerMonth: 1000, usdPerPath: 0.005 };

/** Deterministic PRNG (mulberry32) so every run plans the same redeploy. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const file = (path: string, hash: string, immutable: boolean): DeployedFile => ({
  path,
  hash,
  size: 1000,
  immutable,
  contentType: undefined,
  cacheControl: undefined,
});

// ---------------------------------------------------------------------------------------------------
// Scenario 1: the realistic fixture app (its real build output when built, else a generated look-alike),
// one React component changed: its chunk and the entry chunk that imports it get new hashed names, and
// index.html (which references the entry) changes bytes.

const HASHED = /[-.][A-Za-z0-9_-]{8,}\.(js|css|wasm|png|svg|woff2?|json|mjs)$/;

function realisticApp(): { files: DeployedFile[]; source: string } {
  const here = dirname(fileURLToPath(import.meta.url));
  const dist = join(here, '../../../fixtures/realistic-app/dist');
  const written = join(dist, '.wirepack/manifest.json');
  if (existsSync(written)) {
    // Built with @wirepack/vite-plugin: the real manifest, immutability as the plugin decided it.
    const manifest = readManifest(JSON.parse(readFileSync(written, 'utf8')), written);
    return {
      files: [...manifest.files.values()],
      source: 'fixtures/realistic-app/dist/.wirepack/manifest.json',
    };
  }
  if (existsSync(join(dist, 'index.html'))) {
    const files: DeployedFile[] = [];
    const walk = (dir: string): void => {
      for (const name of readdirSync(dir)) {
        const full = join(dir, name);
        if (name === '.wirepack' || /\.(br|gz|zst)$/.test(name)) continue;
        if (statSync(full).isDirectory()) walk(full);
        else {
          const path = `/${relative(dist, full).split('\\').join('/')}`;
          files.push(file(path, `sha256-${path}`, path.startsWith('/assets/') && HASHED.test(path)));
        }
      }
    };
    walk(dist);
    return { files, source: 'fixtures/realistic-app/dist' };
  }
  const next = random(7);
  const files: DeployedFile[] = [file('/index.html', 'sha256-index', false)];
  for (const name of ['favicon.ico', 'robots.txt', 'manifest.webmanifest', '.well-known/security.txt']) {
    files.push(file(`/${name}`, `sha256-${name}`, false));
  }
  for (let i = 0; i < 480; i++) {
    const id = Math.floor(next() * 2 ** 40)
      .toString(36)
      .padStart(8, 'x');
    files.push(file(`/assets/chunk-${i}-${id}.js`, `sha256-chunk-${i}`, true));
  }
  for (let i = 0; i < 140; i++) files.push(file(`/vendor/icons/icon-${i}.svg`, `sha256-icon-${i}`, false));
  return { files, source: 'generated (build fixtures/realistic-app for its real file list)' };
}

function oneComponentChanged(): { previous: Manifest; next: Manifest; label: string } {
  const { files, source } = realisticApp();
  const chunks = files.filter((f) => f.immutable && f.path.endsWith('.js'));
  const entry = chunks.find((f) => /\/index[-.]/.test(f.path)) ?? chunks[0]!;
  const component = chunks.find((f) => f !== entry && /page/i.test(f.path)) ?? chunks[1]!;
  const renamed = (f: DeployedFile): DeployedFile =>
    // Vite's default names end in an 8-character hash: `[name]-[hash].js`.
    file(f.path.replace(/[A-Za-z0-9_-]{8}(\.\w+)$/, 'NEWHASH1$1'), `${f.hash}-v2`, true);
  const next = files.flatMap((f) => {
    if (f === entry || f === component) return [renamed(f)];
    if (f.path === '/index.html') return [{ ...f, hash: `${f.hash}-v2` }];
    return [f];
  });
  return {
    previous: createManifest(files),
    next: createManifest(next),
    label: `Vite app, one component changed (${files.length} files; ${source})`,
  };
}

// ---------------------------------------------------------------------------------------------------
// Scenario 2: a 100,000-file documentation site, 5% of files changed: 40,000 pages (each also served as
// /dir/ and /dir), 50,000 fingerprinted assets, 10,000 mutable images. The redeploy rebuilds 3 sections
// (2,400 pages), touches 1,000 pages elsewhere, re-fingerprints 1,000 assets and replaces 600 images.

function largeSite(): { previous: Manifest; next: Manifest; label: string } {
  const next = random(42);
  const before: DeployedFile[] = [];
  const after: DeployedFile[] = [];
  const pages: DeployedFile[] = [];
  for (let section = 0; section < 50; section++) {
    for (let sub = 0; sub < 20; sub++) {
      for (let page = 0; page < 40; page++) {
        pages.push(
          file(
            `/docs/section-${section}/topic-${sub}/page-${page}/index.html`,
            `p${section}.${sub}.${page}`,
            false,
          ),
        );
      }
    }
  }
  const touched = new Set<number>();
  while (touched.size < 1000) {
    const index = 2400 + Math.floor(next() * (pages.length - 2400));
    touched.add(index);
  }
  pages.forEach((page, index) => {
    before.push(page);
    after.push(index < 2400 || touched.has(index) ? { ...page, hash: `${page.hash}'` } : page);
  });
  for (let i = 0; i < 50_000; i++) {
    const asset = file(
      `/assets/${i % 2 ? 'js' : 'css'}/m${i}-${((i * 2654435761) >>> 0).toString(36)}.js`,
      `a${i}`,
      true,
    );
    before.push(asset);
    after.push(i < 1000 ? file(asset.path.replace(/-(\w+)\.js$/, '-n$1.js'), `a${i}'`, true) : asset);
  }
  for (let i = 0; i < 10_000; i++) {
    const image = file(`/images/section-${i % 50}/figure ${i}.png`, `i${i}`, false);
    before.push(image);
    after.push(i % 16 === 0 && i < 9600 ? { ...image, hash: `i${i}'` } : image);
  }
  return {
    previous: createManifest(before),
    next: createManifest(after),
    label: '100,000-file site, 5% changed',
  };
}

// ---------------------------------------------------------------------------------------------------

interface Row {
  strategy: string;
  paths: number;
  evicted: number;
  missed: number;
  usdFree: number;
  usdPaid: number;
  ms: number;
}

/** Cache keys of all known objects (both manifests, with index aliases) and of the stale ones. */
function universe(
  previous: Manifest,
  next: Manifest,
  plan: InvalidationPlan,
): { all: string[]; stale: Set<string> } {
  const isFile = (p: string): boolean => previous.files.has(p) || next.files.has(p);
  const all = new Set<string>();
  for (const m of [previous, next]) {
    for (const p of m.files.keys()) {
      all.add(cloudFrontCacheKey(p));
      for (const alias of indexAliases(p, isFile)) all.add(cloudFrontCacheKey(alias));
    }
  }
  return { all: [...all], stale: new Set(plan.changes.stale.map(cloudFrontCacheKey)) };
}

/** Evictions and misses of a path list, by brute force (independent of the planner's own count). */
function measure(
  paths: readonly string[],
  all: string[],
  stale: Set<string>,
): { evicted: number; missed: number } {
  const exact = new Set(paths.filter((p) => !p.endsWith('*')));
  const prefixes = paths.filter((p) => p.endsWith('*')).map((p) => p.slice(0, -1));
  const hit = (key: string): boolean => exact.has(key) || prefixes.some((prefix) => key.startsWith(prefix));
  let evicted = 0;
  let missed = 0;
  for (const key of all) {
    const covered = hit(key);
    if (covered && !stale.has(key)) evicted++;
    if (!covered && stale.has(key)) missed++;
  }
  return { evicted, missed };
}

function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function time<TValue>(runs: number, fn: () => TValue): { value: TValue; ms: number } {
  let value = fn(); // warm-up
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    value = fn();
    samples.push(performance.now() - start);
  }
  return { value, ms: median(samples) };
}

function row(strategy: string, paths: readonly string[], ms: number, all: string[], stale: Set<string>): Row {
  const { evicted, missed } = measure(paths, all, stale);
  return {
    strategy,
    paths: paths.length,
    evicted,
    missed,
    usdFree: estimateCost(paths.length, PRICING, 0).usd,
    usdPaid: estimateCost(paths.length, PRICING, PRICING.freePathsPerMonth).usd,
    ms,
  };
}

function scenario({ previous, next, label }: { previous: Manifest; next: Manifest; label: string }): void {
  const runs = 7;
  const planned = time(runs, () => planInvalidation({ previous, next }));
  const plan = planned.value;
  const freeTier = time(runs, () => planInvalidation({ previous, next, maxPaths: 1000 }));
  const most = time(runs, () => planInvalidation({ previous, next, maxPaths: 3000 }));
  const { all, stale } = universe(previous, next, plan);

  // Peer: every changed key (added, modified, deleted), one path each, no aliases, no immutability.
  const perFile = time(runs, () => {
    const changed: string[] = [];
    for (const [p, f] of next.files) if (previous.files.get(p)?.hash !== f.hash) changed.push(p);
    for (const p of previous.files.keys()) if (!next.files.has(p)) changed.push(p);
    return changed.map((p) => renderCloudFrontPath(cloudFrontTarget(cloudFrontCacheKey(p))));
  });
  const rows: Row[] = [
    row('/* on every deploy', ['/*'], 0, all, stale),
    row('one path per changed file', [...new Set(perFile.value)], perFile.ms, all, stale),
    row('wirepack (--max-paths 100)', plan.paths, planned.ms, all, stale),
    row('wirepack (--max-paths 1000)', freeTier.value.paths, freeTier.ms, all, stale),
    row('wirepack (--max-paths 3000)', most.value.paths, most.ms, all, stale),
  ];
  const c = plan.changes;
  console.log(`\n## ${label}`);
  if (c.added.length + c.modified.length + c.deleted.length <= 10) {
    console.log(`changed: +${c.added.join(' +')} ~${c.modified.join(' ~')} -${c.deleted.join(' -')}`);
  }
  console.log(
    `${previous.files.size} -> ${next.files.size} files: ${c.added.length} added, ${c.modified.length} modified, ${c.deleted.length} deleted; ${c.stale.length} stale URL paths; ${all.length} cached objects known`,
  );
  console.table(
    rows.map((r) => ({
      strategy: r.strategy,
      'paths submitted': r.paths,
      'needlessly evicted': r.evicted,
      'stale left cached': r.missed,
      'cost, free tier left': `$${r.usdFree.toFixed(3)}`,
      'cost, free tier used': `$${r.usdPaid.toFixed(3)}`,
      'planning ms (median)': r.ms.toFixed(2),
    })),
  );
  const [star, perChanged, ours] = rows as [Row, Row, Row];
  const ratio = (a: number, b: number): string =>
    b === 0 ? (a === 0 ? '1' : 'inf') : (a / b).toPrecision(2);
  console.log(
    `wirepack vs /*: ${ratio(ours.evicted, star.evicted)}x the needless evictions (${ours.evicted} vs ${star.evicted}). ` +
      `wirepack vs per-file: ${ratio(ours.paths, perChanged.paths)}x the paths, $${ours.usdPaid.toFixed(3)} vs $${perChanged.usdPaid.toFixed(3)} once the free tier is used, ` +
      `${perChanged.missed} stale paths the per-file strategy leaves cached vs ${ours.missed}; planning ${ratio(ours.ms, perChanged.ms)}x its time.`,
  );
}

console.log('# @wirepack/cdn planning benchmark (CloudFront, default --max-paths 100)');
scenario(oneComponentChanged());
scenario(largeSite());
