// Problems users reported against other deploy tools (collected in shared/notes/cloudfront.md, section 4),
// each pinned as a test named after the report.
import { describe, expect, it } from 'vitest';
import { createManifest } from '../manifest/manifest.ts';
import { deployedFile as file } from '../test-support/deployed-file.ts';
import { planInvalidation } from './plan.ts';

const redeploy = (paths: string[], changed: (path: string) => boolean = () => true) => ({
  previous: createManifest(paths.map((p) => file(p, 'old'))),
  next: createManifest(paths.map((p) => file(p, changed(p) ? 'new' : 'old'))),
});

describe('regressions reported against other tools', () => {
  it('aws/aws-sdk-js-v3#4042: a ~ is never sent, raw or as %7E', () => {
    const plan = planInvalidation(redeploy(['/static/js/runtime~main.3f2a.js', '/vendors~about.html']));
    expect(plan.paths).toEqual(['/static/js/runtime*', '/vendors*']);
    expect(plan.paths.join()).not.toMatch(/~|%7E/i);
  });

  it('apancutt/deploy-aws-s3-cloudfront#7: the wildcard * is never over-encoded as %2A', () => {
    const { previous, next } = redeploy(Array.from({ length: 50 }, (_, i) => `/docs/${i}.html`));
    const plan = planInvalidation({ previous, next, maxPaths: 5 });
    expect(plan.paths).toEqual(['/docs/*']);
    expect(plan.paths.join()).not.toContain('%2A');
  });

  it('aws/aws-sdk-go#223: a space is encoded (raw, CloudFront answers InvalidArgument)', () => {
    expect(planInvalidation(redeploy(['/my page.html'])).paths).toEqual(['/my%20page.html']);
  });

  it('laurilehmijoki/s3_website#149: nothing changed, nothing invalidated', () => {
    const plan = planInvalidation(redeploy(['/index.html', '/a.html'], () => false));
    expect(plan.paths).toEqual([]);
  });

  it('kpfefferle/ember-cli-deploy-cloudfront#102: only files whose bytes changed', () => {
    const plan = planInvalidation(redeploy(['/a.html', '/b.html', '/c.html'], (p) => p === '/b.html'));
    expect(plan.paths).toEqual(['/b.html']);
  });

  it('apancutt/deploy-aws-s3-cloudfront#19: a huge change stays within the in-flight limits', () => {
    const { previous, next } = redeploy(Array.from({ length: 20_000 }, (_, i) => `/d${i % 97}/f${i}.html`));
    const plan = planInvalidation({ previous, next, maxPaths: 3000 });
    expect(plan.paths.length).toBeLessThanOrEqual(3000);
    expect(plan.wildcards).toBeLessThanOrEqual(15);
  });

  it('import-io/s3-deploy#54: invalidating everything is /*, not /', () => {
    const { previous, next } = redeploy(Array.from({ length: 40 }, (_, i) => `/d${i}/x.html`));
    expect(planInvalidation({ previous, next, maxPaths: 1 }).paths).toEqual(['/*']);
  });

  it('nextstrain/augur#115: paths already covered by a wildcard are not paid for twice', () => {
    const { previous, next } = redeploy([
      '/assets/runtime~main.js',
      '/assets/runtime.css',
      '/assets/runtime/chunk.js',
      '/index.html',
    ]);
    expect(planInvalidation({ previous, next }).paths).toEqual(['/', '/assets/runtime*', '/index.html']);
  });

  it('aws/aws-cdk#23678: hashed assets of the previous build are never invalidated (pruned later)', () => {
    const previous = createManifest([file('/index.html', 'a'), file('/assets/app.1.js', 'a', true)]);
    const next = createManifest([file('/index.html', 'b'), file('/assets/app.2.js', 'b', true)]);
    const plan = planInvalidation({ previous, next });
    expect(plan.changes.deleted).toEqual(['/assets/app.1.js']);
    expect(plan.paths).toEqual(['/', '/index.html']);
  });
});
