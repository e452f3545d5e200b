// Part 4, deploy: one source file of the app copy edited and rebuilt, then @wirepack/cdn's planner and
// invalidate() against the manifest deployed before, submitting through the real AWS SDK to the loopback
// CloudFront-compatible server of fixtures/cloudfront-server; then a retry of that run (its runId), which
// creates nothing, and a rollback, which invalidates again. Dummy credentials and the endpoint are set in this process only, and restored afterwards.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startCloudFrontServer } from '@wirepack/fixture-cloudfront-server';
// @wirepack/cdn's public entry, by path rather than as a root dependency: its `bin` points at dist/cli.js,
// which a fresh clone has not built, so linking it into the root made every install warn.
import {
  CLOUDFRONT_CAPABILITIES,
  estimateCost,
  invalidate,
  loadManifest,
  planInvalidation,
} from '../../packages/cdn/src/index.ts';
import { buildApp, type DemoApp } from './app.ts';
import type { BuildResult } from './build-part.ts';
import { check, line } from './print.ts';

const DISTRIBUTION = 'EDFDVBD6EXAMPLE';
/** The AWS chain reads these; the demo sets them for itself and puts the old values back. */
const AWS_ENV: Readonly<Record<string, string>> = {
  AWS_ACCESS_KEY_ID: 'AKIDWIREPACKDEMO',
  AWS_SECRET_ACCESS_KEY: 'wirepack-demo-dummy-secret',
  AWS_REGION: 'us-east-1',
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
};

/** The one source edit of the redeploy: the customers view's heading (a lazily loaded chunk). */
const EDIT = {
  file: 'src/views/customers.ts',
  from: "el('h1', 'Customers')",
  to: "el('h1', 'Customers and their orders')",
} as const;

export async function deployPart(app: DemoApp, work: string, built: BuildResult): Promise<void> {
  const source = join(app.root, EDIT.file);
  const before = readFileSync(source, 'utf8');
  const after = before.replace(EDIT.from, EDIT.to);
  check(after !== before, `${EDIT.file} still has ${EDIT.from} to edit`);
  writeFileSync(source, after);
  line(
    `edited ${EDIT.file} (the customers view's heading; a lazily imported chunk, named in the entry chunk); rebuilt:`,
  );
  const edited = await buildApp(app, join(work, 'dist-2'));
  line(
    `  cache ${edited.report.cache.hits} hits, ${edited.report.compressed.length} compressions ` +
      `(br and gzip of the changed files: ${[...new Set(edited.report.compressed.map((entry) => entry.file))].join(', ')})`,
  );

  const previous = await loadManifest(built.first.manifestPath, { role: 'previous' });
  const next = await loadManifest(edited.manifestPath);
  const plan = planInvalidation({ previous, next, distributionIds: [DISTRIBUTION] });
  const { changes } = plan;
  line(
    `change set vs the deployed manifest: ${changes.modified.length} modified, ${changes.added.length} added, ` +
      `${changes.deleted.length} deleted, ${changes.unchanged.length} unchanged`,
  );
  line(`  modified: ${changes.modified.join(', ')}`);
  line(`  added:    ${changes.added.join(', ')} (new names: nothing is cached under them)`);
  line(
    `  deleted:  ${changes.deleted.join(', ')} (hashed: old pages may still load them; never invalidated)`,
  );
  line(
    `paths to invalidate: ${plan.paths.join(' ')} (the page and its / alias: the only changed file under a stable name); ` +
      `${plan.needlesslyEvicted} unchanged objects evicted (a /* would evict all ${changes.unchanged.length})`,
  );

  const server = await startCloudFrontServer({ distributions: [DISTRIBUTION], completeAfterMs: 200 });
  const saved = Object.fromEntries(
    Object.keys({ ...AWS_ENV, AWS_ENDPOINT_URL_CLOUDFRONT: '' }).map((key) => [key, process.env[key]]),
  );
  Object.assign(process.env, AWS_ENV, { AWS_ENDPOINT_URL_CLOUDFRONT: server.url });
  try {
    line(
      `CloudFront-compatible server on ${server.url} (AWS_ENDPOINT_URL_CLOUDFRONT, dummy credentials in this process)`,
    );
    const deploy = (runId?: string, rollback = false) =>
      invalidate({
        manifest: rollback ? built.first.manifestPath : edited.manifestPath,
        previous: rollback ? edited.manifestPath : built.first.manifestPath,
        runId,
        distributions: [DISTRIBUTION],
        waitSeconds: 10,
        // Poll completion every 100 ms (the default is 20 s): the loopback server completes in 200 ms.
        cloudFront: { completionPollMs: 100 },
      });
    const report = await deploy();
    const distribution = report.distributions[0];
    check(report.ok && distribution !== undefined, `the deploy succeeded (exit code ${report.exitCode})`);
    const creates = server.state.requestsOf('CreateInvalidation', DISTRIBUTION);
    line(
      `invalidate(): ${distribution.status}; CreateInvalidation requests through @aws-sdk/client-cloudfront: ${creates.length}`,
    );
    for (const batch of distribution.batches) {
      line(
        `  batch ${batch.index}: CallerReference ${batch.callerReference}, invalidation ${batch.invalidationId}, ` +
          `${batch.status}`,
      );
    }
    line(`  paths the server received: ${creates.map((request) => request.paths?.join(' ')).join(' | ')}`);
    const { cost } = report;
    const pastFreeTier = estimateCost(cost.paths, CLOUDFRONT_CAPABILITIES.pricing, 1000);
    line(
      `  cost estimate: ${cost.paths} paths, ${cost.billablePaths} billable, $${cost.usd.toFixed(3)} ` +
        `(the first 1,000 paths a month are free); with the free paths used up: $${pastFreeTier.usd.toFixed(3)}`,
    );
    check(
      JSON.stringify(creates.map((request) => request.paths)) ===
        JSON.stringify(distribution.batches.map((batch) => batch.paths)),
      'the server received exactly the planned paths',
    );

    const invalidationsBefore = server.state.invalidations(DISTRIBUTION).length;
    const requestsBefore = creates.length;
    const again = await deploy(report.runId);
    const replays = server.state.requestsOf('CreateInvalidation', DISTRIBUTION).slice(requestsBefore);
    const created = server.state.invalidations(DISTRIBUTION).length - invalidationsBefore;
    const sameIds =
      JSON.stringify(again.distributions[0]?.batches.map((batch) => batch.invalidationId)) ===
      JSON.stringify(distribution.batches.map((batch) => batch.invalidationId));
    line(
      `the same run retried (runId ${report.runId}): ${replays.length} CreateInvalidation with the same CallerReference, ` +
        `${replays.filter((request) => request.replayed).length} answered as a replay ` +
        `(invalidation ${again.distributions[0]?.batches.map((batch) => batch.invalidationId).join(', ')}); ` +
        `${created} new invalidations, nothing billed twice`,
    );
    check(again.ok && created === 0 && sameIds, 'a retry of the run creates no new invalidation');

    // A rollback (part 1's build over the edited one) has paths a new run must invalidate again,
    // although an earlier invalidation of the same paths exists.
    const rollbackBefore = server.state.invalidations(DISTRIBUTION).length;
    const rollback = await deploy(undefined, true);
    const rolledBack = server.state.invalidations(DISTRIBUTION).length - rollbackBefore;
    line(
      `a rollback (part 1's build over the edited one, a new run): ${rolledBack} new invalidation ` +
        `(${rollback.distributions[0]?.batches.map((batch) => batch.invalidationId).join(', ')})`,
    );
    check(
      rollback.ok && rolledBack === rollback.distributions[0]?.batches.length,
      'a rollback invalidates again',
    );

    const requestsBeforeUnchanged = server.state.requests.length;
    const unchanged = await invalidate({
      manifest: built.second.manifestPath,
      previous: built.first.manifestPath,
      distributions: [DISTRIBUTION],
    });
    const sent = server.state.requests.length - requestsBeforeUnchanged;
    line(
      `a deploy of part 1's unchanged rebuild: ${unchanged.distributions[0]?.status}, ${sent} requests sent`,
    );
    check(
      unchanged.distributions[0]?.status === 'nothing-to-do' && sent === 0,
      'an unchanged build sends nothing',
    );
  } finally {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
    await server.close();
  }
}
