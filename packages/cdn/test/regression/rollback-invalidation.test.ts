// Regression (issue 9, item 2): the CallerReference came from the new manifest, the distribution and the
// batch index only, so deploying A over X, B over A, then A over B (a rollback) handed back the first
// deploy's completed invalidation: nothing was invalidated and the CLI exited 0. Likewise B over A again
// (a roll-forward). Runs the CLI in-process with the real @aws-sdk/client-cloudfront against the
// CloudFront-compatible fixture, which answers a repeated CallerReference as CloudFront does.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CloudFrontServer, startCloudFrontServer } from '@wirepack/fixture-cloudfront-server';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/cli-main.ts';
import { createCloudFrontProvider } from '../../src/providers/cloudfront/cloudfront-provider.ts';
import type { InvalidationReport } from '../../src/report.ts';
import { useAwsTestEnvironment } from '../../src/test-support/aws-environment.ts';

const DIST = 'EWIREPACK1';
const dir = mkdtempSync(join(tmpdir(), 'wirepack-rollback-'));
/** A site whose only difference between versions is its home page (so every transition has the same paths). */
const site = (version: string): string => {
  const path = join(dir, `manifest-${version}.json`);
  const page = (hash: string) => ({ size: 100, hash, immutable: false, contentType: 'text/html' });
  writeFileSync(
    path,
    JSON.stringify({
      version: 1,
      files: { '/index.html': page(`sha256-index-${version}`), '/about.html': page('sha256-about') },
    }),
  );
  return path;
};
const [X, A, B] = [site('x'), site('a'), site('b')];

let server: CloudFrontServer;
useAwsTestEnvironment();
afterEach(async () => {
  await server?.close();
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function start(): Promise<void> {
  server = await startCloudFrontServer({ distributions: [DIST], completeAfterMs: 'manual' });
  process.env.AWS_ENDPOINT_URL_CLOUDFRONT = server.url;
}

/** `wirepack invalidate --json` of `next` over `previous`; then every invalidation completes. */
async function deploy(next: string, previous: string, ...more: string[]): Promise<InvalidationReport> {
  let stdout = '';
  const code = await main(
    ['invalidate', '--manifest', next, '--previous', previous, '--distribution', DIST, '--json', ...more],
    {
      stdout: { write: (text: string) => (stdout += text) },
      stderr: { write: () => true },
      invalidateOverrides: { cloudFront: { retryBaseDelayMs: 5, retryMaxDelayMs: 20 } },
    },
  );
  expect(code).toBe(0);
  // Time passes: the edge caches the deployed bytes again, and the invalidation is long completed.
  server.state.completeAll();
  return JSON.parse(stdout) as InvalidationReport;
}

const idOf = (report: InvalidationReport): string | null =>
  report.distributions[0]!.batches[0]!.invalidationId;

describe('rollback and roll-forward invalidate again', () => {
  it('A over X, B over A, A over B, B over A: four invalidations, none handed back from before', async () => {
    await start();
    const reports = [await deploy(A, X), await deploy(B, A), await deploy(A, B), await deploy(B, A)];
    for (const report of reports) expect(report.plan.paths).toEqual(['/', '/index.html']);
    const invalidations = server.state.invalidations(DIST);
    expect(invalidations).toHaveLength(4);
    const creates = server.state.requestsOf('CreateInvalidation');
    expect(creates.map((request) => request.replayed)).toEqual([false, false, false, false]);
    // Each run reports the invalidation it created, not an older one.
    expect(reports.map(idOf)).toEqual(creates.map((request) => request.invalidationId));
    expect(new Set(reports.map(idOf)).size).toBe(4);
    expect(new Set(invalidations.map((invalidation) => invalidation.callerReference)).size).toBe(4);
  });

  it('retrying one run (--run-id) is idempotent: the batch already submitted is handed back', async () => {
    await start();
    const first = await deploy(B, A);
    const retry = await deploy(B, A, '--run-id', first.runId);
    expect(retry.runId).toBe(first.runId);
    expect(idOf(retry)).toBe(idOf(first));
    expect(server.state.requestsOf('CreateInvalidation').map((request) => request.replayed)).toEqual([
      false,
      true,
    ]);
    // The same run id on another transition (a rollback) still gets its own invalidation.
    const rollback = await deploy(A, B, '--run-id', first.runId);
    expect(idOf(rollback)).not.toBe(idOf(first));
    expect(server.state.invalidations(DIST)).toHaveLength(2);
  });

  it('the fixture answers a reused CallerReference as CloudFront does, through the real SDK', async () => {
    await start();
    const provider = await createCloudFrontProvider({ maxAttempts: 1 });
    try {
      const request = { distributionId: DIST, paths: ['/a'], callerReference: 'ref-1' };
      const created = await provider.submit(request);
      // Same reference, same batch: the existing invalidation.
      expect((await provider.submit(request)).id).toBe(created.id);
      // Same reference, other paths: InvalidationBatchAlreadyExists, which the provider answers by
      // submitting under a reference that also covers the paths.
      const other = await provider.submit({ ...request, paths: ['/b'] });
      expect(other.id).not.toBe(created.id);
      expect(other.callerReference).toMatch(/^ref-1-[0-9a-f]{12}$/);
      expect(server.state.requestsOf('CreateInvalidation').map((r) => r.errorCode ?? 'ok')).toEqual([
        'ok',
        'ok',
        'InvalidationBatchAlreadyExists',
        'ok',
      ]);
    } finally {
      provider.close?.();
    }
  });
});
