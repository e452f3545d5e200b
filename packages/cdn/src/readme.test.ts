// The README states values (defaults, exit codes, error codes, the JSON shape): hold it to the code.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_WAIT_SECONDS, HELP } from './cli/cli-main.ts';
import { EXIT_CODES } from './cli/exit-codes.ts';
import { CDN_ERROR_STATUS } from './errors.ts';
import { invalidate } from './invalidate.ts';
import { createManifest } from './manifest/manifest.ts';
import { DEFAULT_PLAN_OPTIONS } from './plan/plan.ts';
import { DEFAULT_CLOUDFRONT_PROVIDER_OPTIONS } from './providers/cloudfront/cloudfront-provider.ts';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

describe('README', () => {
  it('documents every exit code, and only those', () => {
    const table = [...readme.matchAll(/^\| (\d) +\| /gm)].map((m) => Number(m[1]));
    expect(table).toEqual(Object.values(EXIT_CODES).sort());
    expect(HELP).toContain('0 ok, 1 internal error, 2 usage, 3 manifest, 4 rejected by the CDN');
  });

  it('states the defaults the code uses', () => {
    expect(readme).toContain(`(default ${DEFAULT_PLAN_OPTIONS.maxPaths})`);
    expect(readme).toContain(`(${DEFAULT_WAIT_SECONDS} s when given without a value)`);
    const d = DEFAULT_CLOUDFRONT_PROVIDER_OPTIONS;
    expect(readme).toContain(`up to ${d.maxAttempts} attempts`);
    expect(readme).toContain(`(${d.retryBaseDelayMs / 1000} s doubling to ${d.retryMaxDelayMs / 1000} s)`);
    expect(readme).toContain(
      `checks every ${d.roomPollMs / 1000} s for up to ${d.roomTimeoutMs / 60_000} minutes`,
    );
    expect(readme).toContain(`doubling to ${d.completionPollMs / 1000} s) until completion`);
  });

  it('lists the error codes and every CLI option', () => {
    for (const code of Object.keys(CDN_ERROR_STATUS)) expect(readme).toContain(`\`${code}\``);
    for (const option of HELP.matchAll(/^ {2}(--[a-z-]+)/gm)) expect(readme).toContain(`\`${option[1]}`);
  });

  it('shows the JSON report with the fields the code writes', async () => {
    const file = (hash: string) => ({
      path: '/index.html',
      hash,
      size: 1,
      immutable: false,
      contentType: undefined,
      cacheControl: undefined,
    });
    const report = await invalidate({
      manifest: createManifest([file('b')]),
      previous: createManifest([file('a')]),
      distributions: ['E1'],
      dryRun: true,
    });
    const example = readme.slice(
      readme.indexOf('```jsonc'),
      readme.indexOf('```', readme.indexOf('```jsonc') + 3),
    );
    const documented = (keys: string[]): void => {
      for (const key of keys) expect(example).toContain(`"${key}":`);
    };
    documented(Object.keys(report));
    documented(Object.keys(report.changes));
    documented(Object.keys(report.plan));
    documented(Object.keys(report.cost));
    documented(Object.keys(report.distributions[0]!));
    documented(Object.keys(report.distributions[0]!.batches[0]!));
  });
});
