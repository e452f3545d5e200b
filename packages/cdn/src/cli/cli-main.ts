import { parseArgs } from 'node:util';
import packageJson from '../../package.json' with { type: 'json' };
import { CdnError } from '../errors.ts';
import { type InvalidateOptions, invalidate } from '../invalidate.ts';
import { DEFAULT_PLAN_OPTIONS } from '../plan/plan.ts';
import type { InvalidationReport } from '../report.ts';
import { EXIT_CODES, exitCodeFor } from './exit-codes.ts';

/** Seconds `--wait` without a value waits (the AWS CLI waiter's 10 minutes). */
export const DEFAULT_WAIT_SECONDS = 600;

/** Where the CLI writes; tests pass collectors. */
export interface CliIo {
  /** Receives the report (or the JSON document). */
  readonly stdout: { write(text: string): unknown };
  /** Receives progress, warnings and errors. */
  readonly stderr: { write(text: string): unknown };
  /** Passed through to `invalidate` (tests shorten retry and wait intervals). */
  readonly invalidateOverrides?: Partial<InvalidateOptions> | undefined;
}

/** Help text of `wirepack --help`. */
export const HELP: string = `Usage: wirepack invalidate --manifest <file> --distribution <id> [options]

Invalidate on CloudFront exactly the cached paths a deploy made stale, by comparing the new
wirepack manifest with the deployed one. Run it after uploading the new files.

Options:
  --manifest <file|url>      manifest of the build being deployed (required)
  --previous <file|url>      manifest currently deployed; omit on a first deploy
  --distribution <id>        CloudFront distribution id; repeat for several (required)
  --dry-run                  print the exact paths, batches and cost; call nothing
  --json                     print one JSON document on stdout
  --wait[=seconds]           wait for completion (default ${DEFAULT_WAIT_SECONDS} s when given without a value)
  --strict                   fail (exit 6) when the wait ends before completion is confirmed
  --max-paths <n>            collapse into directory wildcards above n paths (default ${DEFAULT_PLAN_OPTIONS.maxPaths})
  --free-paths-used <n>      free invalidation paths already used this month, for the cost (default 0)
  --run-id <id>              only to retry a failed run: its report's runId (default: a new id per run)
  -h, --help                 show this help
  --version                  print the version

Credentials, region and endpoint come from the standard AWS chain; AWS_ENDPOINT_URL_CLOUDFRONT
or AWS_ENDPOINT_URL select another CloudFront-compatible endpoint.

Exit codes: 0 ok, 1 internal error, 2 usage, 3 manifest, 4 rejected by the CDN,
5 CDN unavailable or no in-flight room in time (retry later with --run-id), 6 not confirmed (--strict).
`;

const usage = (message: string): CdnError => new CdnError('USAGE', `${message} (see wirepack --help)`);

function integer(name: string, value: string | undefined, min: number): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < min || !Number.isSafeInteger(Number(value))) {
    throw usage(`--${name} must be an integer >= ${min}, got ${JSON.stringify(value)}`);
  }
  return Number(value);
}

/**
 * Runs the `wirepack` CLI with `argv` (without `node` and the script) and returns the exit code.
 *
 * @example
 * process.exitCode = await main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr });
 */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const json = argv.includes('--json');
  try {
    // `--wait` takes an optional value, which parseArgs cannot express: a bare flag means the default.
    const args = argv.map((arg) => (arg === '--wait' ? `--wait=${DEFAULT_WAIT_SECONDS}` : arg));
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: {
        manifest: { type: 'string' },
        previous: { type: 'string' },
        distribution: { type: 'string', multiple: true },
        'dry-run': { type: 'boolean' },
        json: { type: 'boolean' },
        wait: { type: 'string' },
        strict: { type: 'boolean' },
        'max-paths': { type: 'string' },
        'free-paths-used': { type: 'string' },
        'run-id': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean' },
      },
    });
    if (values.version) {
      io.stdout.write(`wirepack ${packageJson.version} (${packageJson.name})\n`);
      return EXIT_CODES.ok;
    }
    if (values.help || positionals[0] === 'help' || argv.length === 0) {
      io.stdout.write(HELP);
      return argv.length === 0 ? EXIT_CODES.usage : EXIT_CODES.ok;
    }
    if (positionals[0] !== 'invalidate' || positionals.length > 1) {
      throw usage(`unknown command ${JSON.stringify(positionals.join(' '))}; expected "invalidate"`);
    }
    if (values.manifest === undefined) throw usage('--manifest is required');
    if (!values.distribution?.length) throw usage('at least one --distribution is required');
    const report = await invalidate({
      manifest: values.manifest,
      previous: values.previous,
      distributions: values.distribution,
      dryRun: values['dry-run'] === true,
      waitSeconds: integer('wait', values.wait, 0),
      strict: values.strict === true,
      maxPaths: integer('max-paths', values['max-paths'], 1),
      freePathsUsed: integer('free-paths-used', values['free-paths-used'], 0),
      runId: values['run-id'],
      onEvent: (event) => io.stderr.write(`[wirepack/cdn] ${event.distributionId}: ${event.message}\n`),
      ...io.invalidateOverrides,
    });
    for (const warning of report.warnings) io.stderr.write(`${warning.message}\n`);
    if (json) io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    else io.stdout.write(formatReport(report));
    for (const distribution of report.distributions) {
      if (distribution.error) io.stderr.write(`${distribution.error.message}\n`);
    }
    return report.exitCode;
  } catch (error) {
    const known = error instanceof CdnError;
    const isUsage = (error as { code?: string })?.code?.startsWith('ERR_PARSE_ARGS') === true;
    const code = known ? exitCodeFor(error.code) : isUsage ? EXIT_CODES.usage : EXIT_CODES.internal;
    const message = known
      ? error.message
      : isUsage
        ? `[wirepack/cdn] ${(error as Error).message} (see wirepack --help)`
        : `[wirepack/cdn] unexpected error, please report it: ${(error as Error)?.stack ?? String(error)}`;
    io.stderr.write(`${message}\n`);
    if (json) {
      const errorCode = known ? error.code : isUsage ? 'USAGE' : 'INTERNAL';
      io.stdout.write(
        `${JSON.stringify({ reportVersion: 1, ok: false, exitCode: code, error: { code: errorCode, message } }, null, 2)}\n`,
      );
    }
    return code;
  }
}

const usd = (value: number): string => `$${value.toFixed(3)}`;

/** The human-readable report: counts, the exact paths, the batches and the cost. */
export function formatReport(report: InvalidationReport): string {
  const lines: string[] = [];
  const c = report.changes;
  lines.push(
    `${report.dryRun ? 'Dry run (nothing sent): ' : ''}${c.added} added, ${c.modified} modified, ${c.deleted} deleted, ${c.unchanged} unchanged; ${c.stalePaths} stale URL paths${report.previous === null ? ' (first deploy)' : ''}`,
  );
  const p = report.plan;
  if (p.paths.length === 0) {
    lines.push('Nothing to invalidate.');
    return `${lines.join('\n')}\n`;
  }
  lines.push(
    `${p.paths.length} paths per distribution (${p.wildcards} wildcards${p.collapsed ? `, collapsed above ${p.maxPaths}` : ''}; ${p.needlesslyEvicted} unchanged objects evicted):`,
  );
  for (const path of p.paths) lines.push(`  ${path}`);
  for (const d of report.distributions) {
    lines.push(
      `Distribution ${d.id}: ${d.status}, estimated ${usd(d.cost.usd)} (${d.cost.billablePaths} billable paths)`,
    );
    for (const b of d.batches) {
      const id = b.invalidationId === null ? '' : `, invalidation ${b.invalidationId}`;
      lines.push(
        `  batch ${b.index + 1}/${d.batches.length}: ${b.paths.length} paths (${b.status})${id}, CallerReference ${b.callerReference}`,
      );
    }
  }
  const cost = report.cost;
  lines.push(
    `Estimated cost: ${usd(cost.usd)} for ${cost.paths} paths (${cost.billablePaths} beyond the ${cost.freePathsRemaining} free paths assumed left this month; $0.005 per path).`,
  );
  if (report.distributions.some((d) => d.status === 'failed')) {
    lines.push(`To retry this run without submitting its batches twice: --run-id ${report.runId}`);
  }
  if (report.distributions.some((d) => d.status === 'not-confirmed')) {
    lines.push('Submitted, not confirmed: the invalidations continue on the CDN.');
  }
  return `${lines.join('\n')}\n`;
}
