import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { cloudFrontProfile } from '../providers/cloudfront/cloudfront-profile.ts';
import type { InvalidationProvider } from '../providers/provider.ts';
import type { InvalidationReport } from '../report.ts';
import { HELP, main } from './cli-main.ts';

const dir = mkdtempSync(join(tmpdir(), 'wirepack-cdn-cli-'));
const write = (name: string, files: Record<string, { hash: string; immutable?: boolean }>): string => {
  const path = join(dir, name);
  const entries = Object.fromEntries(
    Object.entries(files).map(([p, f]) => [p, { size: 1, hash: f.hash, immutable: f.immutable ?? false }]),
  );
  writeFileSync(path, JSON.stringify({ version: 1, files: entries }));
  return path;
};
const previous = write('old.json', {
  '/index.html': { hash: 'a' },
  '/blog/hello world/index.html': { hash: 'a' },
  '/assets/app.1.js': { hash: 'a', immutable: true },
});
const next = write('new.json', {
  '/index.html': { hash: 'b' },
  '/blog/hello world/index.html': { hash: 'b' },
  '/assets/app.2.js': { hash: 'b', immutable: true },
});

/** A provider that fails the test if anything is submitted. */
const forbidden: InvalidationProvider = {
  ...cloudFrontProfile,
  submit: () => {
    throw new Error('a dry run must not submit');
  },
};

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, {
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
    invalidateOverrides: { provider: forbidden },
  });
  return { code, stdout, stderr };
}

describe('wirepack CLI', () => {
  /** The redeploy every planning case runs: the next manifest against the previous one. */
  const redeploy = ['invalidate', '--manifest', next, '--previous', previous];

  it('--dry-run prints the exact paths, batches and cost and calls nothing', async () => {
    const { code, stdout } = await cli([
      ...redeploy,
      '--distribution',
      'E1ABC',
      '--distribution',
      'E2DEF',
      '--dry-run',
    ]);
    expect(code).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toBe(
      'Dry run (nothing sent): 1 added, 2 modified, 1 deleted, 0 unchanged; 5 stale URL paths',
    );
    expect(lines.slice(1, 7)).toEqual([
      '5 paths per distribution (0 wildcards; 0 unchanged objects evicted):',
      '  /',
      '  /blog/hello%20world',
      '  /blog/hello%20world/',
      '  /blog/hello%20world/index.html',
      '  /index.html',
    ]);
    expect(stdout).toMatch(
      /Distribution E1ABC: planned, estimated \$0\.000 \(0 billable paths\)\n {2}batch 1\/1: 5 paths \(planned\), CallerReference wirepack-[0-9a-f]{20}-[0-9a-f]{16}-E1ABC-0\n/,
    );
    expect(stdout).toMatch(/Distribution E2DEF: planned/);
    expect(lines.at(-1)).toBe(
      'Estimated cost: $0.000 for 10 paths (0 beyond the 1000 free paths assumed left this month; $0.005 per path).',
    );
  });

  it('--json prints one JSON document with counts, per-distribution paths, batches and cost', async () => {
    const { code, stdout } = await cli([
      ...redeploy,
      '--distribution',
      'E1ABC',
      '--dry-run',
      '--json',
      '--free-paths-used',
      '998',
    ]);
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as InvalidationReport;
    expect(report).toMatchObject({
      reportVersion: 1,
      ok: true,
      exitCode: 0,
      dryRun: true,
      provider: 'cloudfront',
      changes: { added: 1, modified: 2, deleted: 1, unchanged: 0, stalePaths: 5 },
      plan: { wildcards: 0, collapsed: false, needlesslyEvicted: 0, maxPaths: 100 },
      cost: { paths: 5, freePathsRemaining: 2, billablePaths: 3, usd: 0.015 },
    });
    const [distribution] = report.distributions;
    expect(distribution).toMatchObject({ id: 'E1ABC', status: 'planned', error: null, cost: { usd: 0.015 } });
    expect(distribution!.paths).toHaveLength(5);
    expect(distribution!.batches).toEqual([
      {
        index: 0,
        callerReference: expect.stringMatching(/-E1ABC-0$/),
        paths: distribution!.paths,
        invalidationId: null,
        status: 'planned',
      },
    ]);
  });

  it('--max-paths collapses into wildcards', async () => {
    const { stdout } = await cli([
      ...redeploy,
      '--distribution',
      'E1',
      '--dry-run',
      '--json',
      '--max-paths',
      '3',
    ]);
    const report = JSON.parse(stdout) as InvalidationReport;
    expect(report.plan.paths).toEqual(['/', '/blog/*', '/index.html']);
    expect(report.plan.collapsed).toBe(true);
  });

  it('exit codes: 0 for help, 2 for usage errors, 3 for manifest errors', async () => {
    const help = await cli(['--help']);
    expect([help.code, help.stdout]).toEqual([0, HELP]);
    expect((await cli([])).code).toBe(2);
    expect(await cli(['--version'])).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(/^wirepack \d+\.\d+\.\d+ \(@wirepack\/cdn\)\n$/),
    });
    for (const args of [
      ['deploy'],
      ['invalidate', '--distribution', 'E1'],
      ['invalidate', '--manifest', next],
      ['invalidate', '--manifest', next, '--distribution', 'E1', '--max-paths', '0'],
      ['invalidate', '--manifest', next, '--distribution', 'E1', '--wait=soon'],
      ['invalidate', '--manifest', next, '--distribution', 'E1', '--bogus'],
      ['invalidate', '--manifest', next, '--distribution', 'bad id!'],
    ]) {
      const result = await cli(args);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr).toMatch(/^\[wirepack\/cdn\] /);
    }
    const bad = write('bad.json', {});
    writeFileSync(bad, '{"version":1,"files":{"/x":{"size":1}}}');
    const invalid = await cli(['invalidate', '--manifest', bad, '--distribution', 'E1', '--json']);
    expect(invalid.code).toBe(3);
    expect(JSON.parse(invalid.stdout)).toMatchObject({
      ok: false,
      exitCode: 3,
      error: { code: 'MANIFEST_INVALID' },
    });
    expect(
      (await cli(['invalidate', '--manifest', join(dir, 'missing.json'), '--distribution', 'E1'])).code,
    ).toBe(3);
  });

  it('runs as a real process (tsx, source condition)', async () => {
    const entry = join(dirname(fileURLToPath(import.meta.url)), 'cli.ts');
    const { stdout } = await promisify(execFile)(process.execPath, [
      '--import',
      'tsx',
      '--conditions=@wirepack/source',
      entry,
      'invalidate',
      '--manifest',
      next,
      '--previous',
      previous,
      '--distribution',
      'E1',
      '--dry-run',
      '--json',
    ]);
    expect((JSON.parse(stdout) as InvalidationReport).plan.paths).toHaveLength(5);
    // The source condition again: without it @wirepack/manifest resolves to its dist/, which only a build makes.
    const failed = await promisify(execFile)(process.execPath, [
      '--import',
      'tsx',
      '--conditions=@wirepack/source',
      entry,
      'nope',
    ]).then(
      () => 0,
      (error: { code: number }) => error.code,
    );
    expect(failed).toBe(2);
  });
});
