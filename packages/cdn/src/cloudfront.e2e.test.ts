// End to end: the wirepack CLI, the real @aws-sdk/client-cloudfront, and the loopback CloudFront-compatible
// server of fixtures/cloudfront-server, reached through AWS_ENDPOINT_URL_CLOUDFRONT with dummy
// credentials from the environment (the standard AWS chain, as in CI).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type CloudFrontServer, startCloudFrontServer } from '@wirepack/fixture-cloudfront-server';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { main } from './cli/cli-main.ts';
import type { InvalidationReport } from './report.ts';
import { useAwsTestEnvironment } from './test-support/aws-environment.ts';

type Entry = { size: number; hash: string; immutable: boolean; contentType: string };
type Files = Record<string, Entry>;

const dir = mkdtempSync(join(tmpdir(), 'wirepack-cdn-e2e-'));
let fileCount = 0;
const writeManifest = (files: Files): string => {
  const path = join(dir, `manifest-${++fileCount}.json`);
  writeFileSync(path, JSON.stringify({ version: 1, files }));
  return path;
};
const page = (hash: string): Entry => ({ size: 100, hash, immutable: false, contentType: 'text/html' });
const asset = (hash: string): Entry => ({ size: 100, hash, immutable: true, contentType: 'text/javascript' });

/** A small Vite-like site: pages, a nested index, hashed assets. */
const site = (version: string, overrides: Files = {}): Files => {
  const files: Files = {
    '/index.html': page('sha256-index'),
    '/about/index.html': page('sha256-about'),
    '/docs/getting started.html': page('sha256-docs'),
    '/café/menu.html': page('sha256-menu'),
    '/favicon.ico': { size: 1, hash: 'sha256-ico', immutable: false, contentType: 'image/x-icon' },
  };
  for (let i = 0; i < 20; i++)
    files[`/assets/chunk-${i}.${version}.js`] = asset(`sha256-chunk-${i}-${version}`);
  return { ...files, ...overrides };
};

let server: CloudFrontServer;
useAwsTestEnvironment();
afterEach(async () => {
  await server?.close();
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function start(options: Parameters<typeof startCloudFrontServer>[0] = {}): Promise<CloudFrontServer> {
  server = await startCloudFrontServer({ distributions: ['EWIREPACK1', 'EWIREPACK2'], ...options });
  process.env.AWS_ENDPOINT_URL_CLOUDFRONT = server.url;
  return server;
}

/** `wirepack invalidate` of `manifest` against `previous` on EWIREPACK1, plus more arguments. */
function deploy(manifest: string, previous: string, ...more: string[]): string[] {
  return [
    'invalidate',
    '--manifest',
    manifest,
    '--previous',
    previous,
    '--distribution',
    'EWIREPACK1',
    ...more,
  ];
}

/** Runs the CLI in-process with short retry and poll intervals. */
async function run(
  args: string[],
  roomTimeoutMs = 600,
): Promise<{ code: number; stdout: string; stderr: string; report: InvalidationReport }> {
  let stdout = '';
  let stderr = '';
  const code = await main([...args, '--json'], {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    invalidateOverrides: {
      cloudFront: {
        retryBaseDelayMs: 5,
        retryMaxDelayMs: 20,
        roomPollMs: 50,
        completionPollMs: 50,
        roomTimeoutMs,
      },
    },
  });
  expect(stderr).not.toContain('wirepack-test-secret-never-printed');
  expect(stdout).not.toContain('wirepack-test-secret-never-printed');
  return { code, stdout, stderr, report: JSON.parse(stdout) as InvalidationReport };
}

/** Every invalidation the server holds must be one CloudFront would act on (no %7E, no over-encoding). */
function expectEffective(): void {
  for (const id of server.state.distributionIds()) {
    for (const invalidation of server.state.invalidations(id)) {
      expect(invalidation.ineffectivePaths).toEqual([]);
    }
  }
}

const v1 = writeManifest(site('v1'));
const oneChange = writeManifest(site('v1', { '/about/index.html': page('sha256-about-2') }));

describe('wirepack invalidate against a CloudFront-compatible server', () => {
  it('first deploy: plans and sends nothing', async () => {
    await start();
    const { code, report } = await run(['invalidate', '--manifest', v1, '--distribution', 'EWIREPACK1']);
    expect(code).toBe(0);
    expect(report.changes.added).toBe(25);
    expect(report.distributions[0]!.status).toBe('nothing-to-do');
    expect(server.state.requests).toHaveLength(0);
  });

  it('one-file change (real CLI process): submits the page and its aliases, waits for completion', async () => {
    await start({ completeAfterMs: 100 });
    const cli = join(dirname(fileURLToPath(import.meta.url)), 'cli/cli.ts');
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '--conditions=@wirepack/source',
        cli,
        'invalidate',
        '--manifest',
        oneChange,
        '--previous',
        v1,
        '--distribution',
        'EWIREPACK1',
        '--json',
        '--wait=30',
      ],
      { env: { ...process.env }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).not.toContain('wirepack-test-secret-never-printed');
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as InvalidationReport;
    expect(report.plan.paths).toEqual(['/about', '/about/', '/about/index.html']);
    const [batch] = report.distributions[0]!.batches;
    expect(batch!.status).toBe('Completed');
    expect(report.distributions[0]!.status).toBe('completed');
    const creates = server.state.requestsOf('CreateInvalidation');
    expect(creates).toHaveLength(1);
    expect(creates[0]!.signed).toBe(true);
    expect(creates[0]!.paths).toEqual(['/about', '/about/', '/about/index.html']);
    expect(creates[0]!.callerReference).toBe(batch!.callerReference);
    expect(batch!.invalidationId).toBe(creates[0]!.invalidationId);
  }, 60_000);

  it('AWS_ENDPOINT_URL (all services) works as well as AWS_ENDPOINT_URL_CLOUDFRONT', async () => {
    await start();
    delete process.env.AWS_ENDPOINT_URL_CLOUDFRONT;
    process.env.AWS_ENDPOINT_URL = server.url;
    try {
      const { code } = await run(deploy(oneChange, v1));
      expect(code).toBe(0);
      expect(server.state.invalidations('EWIREPACK1')).toHaveLength(1);
    } finally {
      delete process.env.AWS_ENDPOINT_URL;
    }
  });

  it('retrying a run with its --run-id never invalidates twice; a new run invalidates again', async () => {
    await start();
    const first = await run(deploy(oneChange, v1));
    const second = await run(deploy(oneChange, v1, '--run-id', first.report.runId));
    expect([first.code, second.code]).toEqual([0, 0]);
    expect(server.state.invalidations('EWIREPACK1')).toHaveLength(1);
    const creates = server.state.requestsOf('CreateInvalidation');
    expect(creates.map((r) => r.replayed)).toEqual([false, true]);
    expect(second.report.distributions[0]!.batches[0]!.invalidationId).toBe(
      first.report.distributions[0]!.batches[0]!.invalidationId,
    );
    // Without the run id it is another deploy: the edge may hold older bytes again, so it invalidates.
    const third = await run(deploy(oneChange, v1));
    expect(third.code).toBe(0);
    expect(server.state.invalidations('EWIREPACK1')).toHaveLength(2);
  });

  it('a 5,000-file change collapses into wildcards within the limits and covers every stale path', async () => {
    await start();
    const before: Files = site('v1');
    const after: Files = site('v2');
    for (let i = 0; i < 6000; i++) {
      const path = `/blog/${2000 + (i % 20)}/post ${i}/index.html`;
      before[path] = page(`sha256-${i}`);
      after[path] = page(i < 5000 ? `sha256-${i}-new` : `sha256-${i}`);
    }
    const { code, report } = await run([
      'invalidate',
      '--manifest',
      writeManifest(after),
      '--previous',
      writeManifest(before),
      '--distribution',
      'EWIREPACK1',
    ]);
    expect(code).toBe(0);
    expect(report.changes.modified).toBe(5000);
    expect(report.plan.collapsed).toBe(true);
    expect(report.plan.paths.length).toBeLessThanOrEqual(100);
    expect(report.plan.wildcards).toBeLessThanOrEqual(15);
    const [invalidation] = server.state.invalidations('EWIREPACK1');
    expect(invalidation!.paths).toEqual(report.plan.paths);
    // Every stale URL path (the page and its /dir/ and /dir aliases) is covered.
    const sent = invalidation!.paths;
    for (let i = 0; i < 5000; i++) {
      const base = `/blog/${2000 + (i % 20)}/post%20${i}`;
      for (const key of [`${base}/index.html`, `${base}/`, base]) {
        expect(sent.some((p) => (p.endsWith('*') ? key.startsWith(p.slice(0, -1)) : p === key))).toBe(true);
      }
    }
    expect(sent.some((p) => p === '/*')).toBe(false);
    expectEffective();
  });

  it('encodes spaces and Unicode so CloudFront accepts them and they take effect', async () => {
    await start();
    const changed = writeManifest(
      site('v1', { '/docs/getting started.html': page('sha256-x'), '/café/menu.html': page('sha256-y') }),
    );
    const { code, report } = await run(deploy(changed, v1));
    expect(code).toBe(0);
    expect(report.plan.paths).toEqual(['/caf%C3%A9/menu.html', '/docs/getting%20started.html']);
    expect(server.state.invalidations('EWIREPACK1')).toHaveLength(1);
    expectEffective();
  });

  it('encodes ? and # in file names as %3F and %23, which CloudFront needs to match them', async () => {
    await start();
    // Browsers request `report?v=2#final.txt` as `/files/report%3Fv=2%23final.txt`: a raw `?` would start
    // the query string and a raw `#` the fragment, so the escapes are what address the cached object.
    const name = '/files/report?v=2#final.txt';
    const before = writeManifest(site('v1', { [name]: page('sha256-r1') }));
    const after = writeManifest(site('v1', { [name]: page('sha256-r2') }));
    const { code, report } = await run(deploy(after, before));
    expect(code).toBe(0);
    expect(report.plan.paths).toEqual(['/files/report%3Fv=2%23final.txt']);
    const [invalidation] = server.state.invalidations('EWIREPACK1');
    expect(invalidation?.paths).toEqual(['/files/report%3Fv=2%23final.txt']);
    expectEffective();
  });

  it('several distributions in one run; a missing one fails alone with exit code 4', async () => {
    await start();
    const { code, report } = await run(
      deploy(oneChange, v1, '--distribution', 'ENOSUCHDIST', '--distribution', 'EWIREPACK2'),
    );
    expect(code).toBe(4);
    expect(report.distributions.map((d) => d.status)).toEqual(['submitted', 'failed', 'submitted']);
    expect(report.distributions[1]!.error?.code).toBe('PROVIDER_REJECTED');
    expect(report.distributions[1]!.error?.message).toMatch(/^\[wirepack\/cdn\] .*NoSuchDistribution/);
    expect(server.state.invalidations('EWIREPACK1')).toHaveLength(1);
    expect(server.state.invalidations('EWIREPACK2')).toHaveLength(1);
  });

  describe('injected faults', () => {
    for (const fault of ['Throttling', 'ServiceUnavailable', 'ConnectionReset'] as const) {
      it(`${fault}: retried with backoff, one invalidation`, async () => {
        await start();
        server.faults.inject({ operation: 'CreateInvalidation', code: fault, times: 3 });
        const { code, stderr } = await run(deploy(oneChange, v1));
        expect(code).toBe(0);
        expect(stderr).toContain('retrying');
        expect(server.state.requestsOf('CreateInvalidation')).toHaveLength(4);
        expect(server.state.invalidations('EWIREPACK1')).toHaveLength(1);
      });
    }

    it('Timeout (a request that never answers, then a dropped connection): retried', async () => {
      await start({ hangMs: 200 });
      server.faults.inject({ operation: 'CreateInvalidation', code: 'Timeout' });
      const { code, stderr } = await run(deploy(oneChange, v1));
      expect(code).toBe(0);
      expect(stderr).toContain('retrying');
      expect(server.state.invalidations('EWIREPACK1')).toHaveLength(1);
    });

    it('ServiceUnavailable after the commit: the retry gets the same invalidation back', async () => {
      await start();
      server.faults.inject({
        operation: 'CreateInvalidation',
        code: 'ServiceUnavailable',
        afterCommit: true,
      });
      const { code } = await run(deploy(oneChange, v1));
      expect(code).toBe(0);
      expect(server.state.invalidations('EWIREPACK1')).toHaveLength(1);
      expect(server.state.requestsOf('CreateInvalidation').map((r) => r.replayed)).toEqual([false, true]);
    });

    it('Throttling that never stops: exit code 5 after a bounded number of attempts', async () => {
      await start();
      server.faults.inject({ operation: 'CreateInvalidation', code: 'Throttling', times: 1000 });
      const { code, report } = await run(deploy(oneChange, v1));
      expect(code).toBe(5);
      expect(report.distributions[0]!.error?.code).toBe('PROVIDER_UNAVAILABLE');
      expect(server.state.requestsOf('CreateInvalidation')).toHaveLength(8);
    });

    it('TooManyInvalidationsInProgress (injected): counts what is in flight, then retries', async () => {
      await start();
      server.faults.inject({ operation: 'CreateInvalidation', code: 'TooManyInvalidationsInProgress' });
      const { code } = await run(deploy(oneChange, v1));
      expect(code).toBe(0);
      expect(server.state.requestsOf('ListInvalidations').length).toBeGreaterThanOrEqual(1);
      expect(server.state.invalidations('EWIREPACK1')).toHaveLength(1);
    });

    it('TooManyInvalidationsInProgress although the count shows room: retries once at once, then per poll', async () => {
      await start();
      server.faults.inject({
        operation: 'CreateInvalidation',
        code: 'TooManyInvalidationsInProgress',
        times: 3,
      });
      const { code } = await run(deploy(oneChange, v1));
      expect(code).toBe(0);
      expect(server.state.requestsOf('CreateInvalidation')).toHaveLength(4);
      expect(server.state.requestsOf('ListInvalidations').length).toBeGreaterThanOrEqual(4);
      expect(server.state.invalidations('EWIREPACK1')).toHaveLength(1);
    });

    it('TooManyInvalidationsInProgress (15 wildcards in flight): waits for room, then submits', async () => {
      await start({ completeAfterMs: 'manual' });
      const seeded = Array.from({ length: 15 }, (_, i) =>
        server.state.seedInvalidation('EWIREPACK1', [`/other-${i}/*`], { completeAfterMs: 'manual' }),
      );
      const changed = writeManifest(site('v1', { '/assets/runtime~main.js': page('sha256-r2') }));
      const before = writeManifest(site('v1', { '/assets/runtime~main.js': page('sha256-r1') }));
      // A generous deadline: the test frees room only once the run has been refused and has counted
      // what is in flight twice (15 GetInvalidation calls a count), however loaded the machine. A fixed
      // 300 ms sleep stood here: on a slow machine the run had not even tried yet, and '15 in flight'
      // held without showing that it waits.
      const pending = run(deploy(changed, before), 30_000);
      await vi.waitFor(
        () => {
          expect(server.state.requestsOf('CreateInvalidation').length).toBeGreaterThanOrEqual(1);
          expect(server.state.requestsOf('GetInvalidation').length).toBeGreaterThanOrEqual(30);
        },
        { timeout: 20_000, interval: 10 },
      );
      expect(server.state.invalidations('EWIREPACK1')).toHaveLength(15);
      server.state.complete('EWIREPACK1', seeded[0]!.id);
      const { code, stderr, report } = await pending;
      expect(code).toBe(0);
      expect(stderr).toContain('waiting');
      expect(report.plan.paths).toEqual(['/assets/runtime*']);
      expect(server.state.requestsOf('GetInvalidation').length).toBeGreaterThanOrEqual(15);
      expect(server.state.invalidations('EWIREPACK1')).toHaveLength(16);
      expectEffective();
    });

    it('TooManyInvalidationsInProgress with no room in time: exit code 5, then a retry of the run succeeds', async () => {
      await start({ completeAfterMs: 'manual' });
      for (let i = 0; i < 3; i++) {
        server.state.seedInvalidation(
          'EWIREPACK1',
          Array.from({ length: 1000 }, (_, j) => `/x/${i}/${j}`),
          {
            completeAfterMs: 'manual',
          },
        );
      }
      const { code, report } = await run(deploy(oneChange, v1));
      expect(code).toBe(5);
      expect(report.distributions[0]!.error?.code).toBe('IN_FLIGHT_TIMEOUT');
      expect(report.distributions[0]!.error?.message).toMatch(/3000 paths/);
      server.state.completeAll();
      expect((await run(deploy(oneChange, v1, '--run-id', report.runId))).code).toBe(0);
      expect(server.state.invalidations('EWIREPACK1')).toHaveLength(4);
    });

    for (const conflict of ['InvalidationBatchAlreadyExists', 'InvalidArgument'] as const) {
      it(`caller reference reused with other paths (${conflict}): submitted under a derived reference`, async () => {
        await start({ callerReferenceConflictCode: conflict });
        // A reference of this run already used elsewhere (by hand, by another tool) with other paths.
        const dry = await run(deploy(oneChange, v1, '--dry-run', '--run-id', 'conflict1'));
        const planned = dry.report.distributions[0]!.batches[0]!.callerReference!;
        server.state.seedInvalidation('EWIREPACK1', ['/other'], { callerReference: planned });
        const { code, stderr, report } = await run(deploy(oneChange, v1, '--run-id', 'conflict1'));
        expect(code).toBe(0);
        expect(stderr).toContain(conflict);
        const [first, second] = server.state.invalidations('EWIREPACK1');
        expect(second!.callerReference).toBe(report.distributions[0]!.batches[0]!.callerReference);
        expect(second!.callerReference.startsWith(first!.callerReference)).toBe(true);
        expect(second!.paths).toEqual(['/about', '/about/', '/about/index.html']);
      });
    }
  });

  it('a conflict that persists under the derived reference: CALLER_REFERENCE_CONFLICT, exit code 4', async () => {
    await start();
    server.faults.inject({
      operation: 'CreateInvalidation',
      code: 'InvalidationBatchAlreadyExists',
      times: 2,
    });
    const { code, report } = await run(deploy(oneChange, v1));
    expect(code).toBe(4);
    expect(report.distributions[0]!.error?.code).toBe('CALLER_REFERENCE_CONFLICT');
    expect(server.state.invalidations('EWIREPACK1')).toHaveLength(0);
  });

  it('--wait that ends first: "submitted, not confirmed", exit 0; with --strict, exit 6', async () => {
    await start({ completeAfterMs: 'manual' });
    const loose = await run(deploy(oneChange, v1, '--wait=1'));
    expect(loose.code).toBe(0);
    expect(loose.report.distributions[0]!.status).toBe('not-confirmed');
    const strict = await run(deploy(oneChange, v1, '--wait=1', '--strict', '--run-id', loose.report.runId));
    expect(strict.code).toBe(6);
    expect(strict.report.distributions[0]!.error?.code).toBe('NOT_CONFIRMED');
    expect(server.state.invalidations('EWIREPACK1')).toHaveLength(1);
  });
});
