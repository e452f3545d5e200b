// Printing the benchmark's tables, the ratios against the peer with the issue's goals, and the
// service targets of the developers' guide evaluated on our server.
import { availableParallelism, cpus, totalmem } from 'node:os';
import { WORK_MS } from './app.ts';
import { type Contender, LIGHT, NAIVE_REFERENCE, OURS, REFERENCE_PEER } from './contenders.ts';
import type { ClientKind } from './messages.ts';
import { median, type RunMetrics } from './stats.ts';

/** One scenario of the plan. */
export interface Scenario {
  key: string;
  title: string;
  calls: number;
  /** Index of the slow call, or -1 when every call does the same work. */
  slowIndex: number;
  repeats: number;
  /** Whether another process keeps one core busy during the scenario. */
  busy?: boolean;
}

/** What one contender produced: per scenario key, combined metrics or why there are none. */
export type ScenarioResults = Map<
  string,
  { runs: number; metrics?: RunMetrics; all?: RunMetrics[]; failure?: string }
>;

/** Everything {@link printReport} needs. */
export interface Report {
  contenders: readonly Contender[];
  scenarios: readonly Scenario[];
  results: Map<string, ScenarioResults>;
  quick: boolean;
  /** Whether wirepack ran from its built dist/ rather than its sources. */
  built: boolean;
  /** wirepack options overridden on the command line, if any. */
  tuning: { client: Record<string, unknown> | undefined; server: Record<string, unknown> | undefined };
  elapsedMs: number;
}

/** Error rate at or above which a contender's result is shown as a failure. */
const FAILED_ERROR_RATE = 0.01;

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const fmt = (value: number, digits = 0): string =>
  Number.isNaN(value) ? '-' : digits === 0 ? integer.format(value) : value.toFixed(digits);

function table(header: string[], rows: string[][]): string {
  const widths = header.map((cell, column) =>
    Math.max(cell.length, ...rows.map((row) => row[column]?.length ?? 0)),
  );
  const line = (cells: string[]): string =>
    `| ${cells.map((cell, column) => (column === 0 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0))).join(' | ')} |`;
  return [
    line(header),
    `|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`,
    ...rows.map(line),
  ].join('\n');
}

/** A median with the range over the runs behind it, so the noise of a shared machine shows. */
function withRange(value: number, runs: readonly RunMetrics[] | undefined): string {
  if (!runs || runs.length < 2) return fmt(value);
  const all = runs.map((run) => run.callsPerSecond);
  return `${fmt(value)} (${fmt(Math.min(...all))}-${fmt(Math.max(...all))})`;
}

function failed(metrics: RunMetrics): boolean {
  return metrics.errors / metrics.calls >= FAILED_ERROR_RATE;
}

function statusList(statuses: Record<string, number>): string {
  return Object.entries(statuses)
    .map(([status, count]) => `${status}×${fmt(count)}`)
    .join(' ');
}

/** Prints the whole report to stdout. */
export function printReport(report: Report): void {
  const { contenders, scenarios, results } = report;
  const cpuModel = cpus()[0]?.model ?? 'unknown CPU';
  console.log(`\n## Batching benchmark${report.quick ? ' (--quick)' : ''}\n`);
  console.log(
    `Node ${process.version}, ${availableParallelism()} cores (${cpuModel}), ${fmt(totalmem() / 2 ** 30, 1)} GiB.` +
      ` Client and server in separate processes on 127.0.0.1; one undici Agent with 6 connections per origin;` +
      ` ${WORK_MS} ms of asynchronous server work per call (setTimeout). Calls issued in one tick;` +
      ` figures are medians over the repeats; bytes counted on the server's sockets (request + response);` +
      ` CPU = process.cpuUsage() (user + system) of each process over the run, per call.` +
      ` wirepack runs from its ${report.built ? 'built dist/ (as published)' : 'TypeScript sources through tsx'}.`,
  );
  const { client, server } = report.tuning;
  if (client || server) {
    console.log(
      `\nwirepack runs with options overridden (the goals are stated for the defaults): client ${JSON.stringify(client ?? {})}, server ${JSON.stringify(server ?? {})}.`,
    );
  }
  const notes: string[] = [];
  for (const scenario of scenarios) {
    console.log(`\n### ${scenario.title} (${scenario.repeats} run${scenario.repeats > 1 ? 's' : ''})\n`);
    const hol = scenario.slowIndex >= 0;
    const header = hol
      ? ['contender', 'other 99 p50 ms', 'other 99 p95 ms', 'slow call ms', 'HTTP requests', 'errors']
      : [
          'contender',
          'calls/s',
          'p50 ms',
          'p95 ms',
          'HTTP requests',
          'bytes/call',
          'server us/call',
          'client us/call',
          'errors',
        ];
    const rows: string[][] = [];
    for (const contender of contenders) {
      const entry = results.get(contender.id)?.get(scenario.key);
      const metrics = entry?.metrics;
      if (!metrics) {
        const why = entry?.failure ?? results.get(contender.id)?.get('failure')?.failure ?? 'not run';
        rows.push([contender.label, 'n/a', ...header.slice(2).map(() => '')]);
        notes.push(`${contender.label}, ${scenario.title}: ${why}`);
        continue;
      }
      const errors = metrics.errors ? `${fmt(metrics.errors)}/${fmt(metrics.calls)}` : '0';
      if (metrics.errors) {
        const messages = metrics.errorMessages.map(([message, count]) => `"${message}" ×${count}`).join(', ');
        notes.push(
          `${contender.label}, ${scenario.title}: ${errors} calls failed: ${messages}; server answered ${statusList(metrics.statuses)}`,
        );
      }
      const bad = failed(metrics);
      rows.push(
        hol
          ? [
              contender.label,
              bad ? 'FAILED' : fmt(metrics.othersP50Ms, 1),
              fmt(metrics.othersP95Ms, 1),
              fmt(metrics.slowMs, 1),
              fmt(metrics.httpRequests),
              errors,
            ]
          : [
              contender.label,
              bad ? 'FAILED' : withRange(metrics.callsPerSecond, entry?.all),
              fmt(metrics.p50Ms, 1),
              fmt(metrics.p95Ms, 1),
              fmt(metrics.httpRequests),
              `${fmt(metrics.bytesPerCall)} (${fmt(metrics.requestBytesPerCall)}+${fmt(metrics.responseBytesPerCall)})`,
              fmt(metrics.serverCpuMicrosPerCall, 1),
              fmt(metrics.clientCpuMicrosPerCall, 1),
              errors,
            ],
      );
    }
    console.log(table(header, rows));
  }
  if (notes.length)
    console.log(`\nFailures, as the contenders reported them:\n${notes.map((n) => `- ${n}`).join('\n')}`);
  printGoals(report);
  printLightGoals(report);
  printServiceTargets(report);
  console.log(`\nTotal time ${fmt(report.elapsedMs / 1_000, 1)} s.`);
}

function metricsOf(report: Report, id: ClientKind, key: string): RunMetrics | undefined {
  const metrics = report.results.get(id)?.get(key)?.metrics;
  return metrics && !failed(metrics) ? metrics : undefined;
}

function verdict(pass: boolean | undefined): string {
  return pass === undefined ? 'n/a' : pass ? 'PASS' : 'MISS';
}

function printGoals(report: Report): void {
  const label = (id: ClientKind): string => report.contenders.find((c) => c.id === id)?.label ?? id;
  console.log(`\n### Goals (issue 5): ${label(OURS)} vs ${label(REFERENCE_PEER)}, same run\n`);
  const ours = metricsOf(report, OURS, 'n1k');
  const peer = metricsOf(report, REFERENCE_PEER, 'n1k');
  const rows: string[][] = [];
  const ratio = (a: number | undefined, b: number | undefined): number | undefined =>
    a === undefined || b === undefined ? undefined : a / b;
  const paired = pairedRatios(report, 'n1k');
  const speed = paired.length > 0 ? median(paired) : ratio(ours?.callsPerSecond, peer?.callsPerSecond);
  const spread = paired.length > 1 ? ` (${fmt(Math.min(...paired), 2)}-${fmt(Math.max(...paired), 2)})` : '';
  rows.push([
    'calls/s at N = 1,000',
    `${fmt(ours?.callsPerSecond ?? Number.NaN)} vs ${fmt(peer?.callsPerSecond ?? Number.NaN)}`,
    speed === undefined ? '-' : `${fmt(speed, 2)}x${spread}`,
    '>= 3x',
    verdict(speed === undefined ? undefined : speed >= 3),
  ]);
  const bytes = ratio(ours?.bytesPerCall, peer?.bytesPerCall);
  rows.push([
    'bytes/call at N = 1,000',
    `${fmt(ours?.bytesPerCall ?? Number.NaN)} vs ${fmt(peer?.bytesPerCall ?? Number.NaN)}`,
    bytes === undefined ? '-' : `${fmt(bytes, 2)}x`,
    '<= 0.6x',
    verdict(bytes === undefined ? undefined : bytes <= 0.6),
  ]);
  const identity = metricsOf(report, 'wirepack-identity', 'n1k');
  if (identity) {
    const plainBytes = ratio(identity.bytesPerCall, peer?.bytesPerCall);
    rows.push([
      '  (same, compression off)',
      `${fmt(identity.bytesPerCall)} vs ${fmt(peer?.bytesPerCall ?? Number.NaN)}`,
      plainBytes === undefined ? '-' : `${fmt(plainBytes, 2)}x`,
      '',
      'info',
    ]);
  }
  const hol = metricsOf(report, OURS, 'hol');
  const holPeer = metricsOf(report, REFERENCE_PEER, 'hol');
  rows.push([
    'head-of-line: other 99 p50',
    `${fmt(hol?.othersP50Ms ?? Number.NaN, 1)} ms vs ${fmt(holPeer?.othersP50Ms ?? Number.NaN, 1)} ms`,
    '',
    '<= 10 ms',
    verdict(hol === undefined ? undefined : hol.othersP50Ms <= 10),
  ]);
  for (const key of ['n1k', 'n10k']) {
    const mine = metricsOf(report, OURS, key);
    const theirs = metricsOf(report, REFERENCE_PEER, key);
    if (!report.scenarios.some((scenario) => scenario.key === key)) continue;
    const n = key === 'n1k' ? '1,000' : '10,000';
    rows.push([
      `server CPU/call at N = ${n}`,
      `${fmt(mine?.serverCpuMicrosPerCall ?? Number.NaN, 1)} vs ${fmt(theirs?.serverCpuMicrosPerCall ?? Number.NaN, 1)} us`,
      '',
      '<= 15 us',
      verdict(mine === undefined ? undefined : mine.serverCpuMicrosPerCall <= 15),
    ]);
    rows.push([
      `client CPU/call at N = ${n}`,
      `${fmt(mine?.clientCpuMicrosPerCall ?? Number.NaN, 1)} vs ${fmt(theirs?.clientCpuMicrosPerCall ?? Number.NaN, 1)} us`,
      '',
      '<= 25 us',
      verdict(mine === undefined ? undefined : mine.clientCpuMicrosPerCall <= 25),
    ]);
  }
  console.log(table(['goal', 'ours vs peer', 'ratio', 'goal', 'verdict'], rows));
  if (paired.length > 0) {
    console.log(
      `\nThe calls/s ratio is the median of ${paired.length} per-repeat ratios (ours and the peer ran back to back in each repeat), with their range.`,
    );
  }
}

/**
 * ours/peer calls/s for each repeat of `key` in which both ran (the round-robin runs them back to
 * back, so a pair shares the machine's load of the moment); empty when the runs do not pair up.
 */
function pairedRatios(
  report: Report,
  key: string,
  mine: ClientKind = OURS,
  other: ClientKind = REFERENCE_PEER,
): number[] {
  const ours = report.results.get(mine)?.get(key)?.all;
  const peer = report.results.get(other)?.get(key)?.all;
  if (!ours || !peer || ours.length !== peer.length || ours.some(failed) || peer.some(failed)) return [];
  return ours.map((run, index) => run.callsPerSecond / (peer[index]?.callsPerSecond ?? Number.NaN));
}

/**
 * Issue 11's goals for the light path (routes on the server, `call()` on the client), each with
 * "met" or "missed": calls/s against tRPC's httpBatchLink and the naive streamed reference (medians
 * of per-repeat ratios), CPU per call on each end, head-of-line p50 with and without a busy core,
 * the N = 10,000 p95, and bytes per call against the default path measured in the same run.
 */
function printLightGoals(report: Report): void {
  const label = (id: ClientKind): string => report.contenders.find((c) => c.id === id)?.label ?? id;
  if (!report.contenders.some((c) => c.id === LIGHT)) return;
  console.log(`\n### Goals (issue 11): ${label(LIGHT)}, same run\n`);
  const rows: string[][] = [];
  const said = (pass: boolean | undefined): string => (pass === undefined ? 'n/a' : pass ? 'met' : 'missed');
  const ran = (key: string): boolean => report.scenarios.some((scenario) => scenario.key === key);
  const light = metricsOf(report, LIGHT, 'n1k');
  for (const [peer, goal] of [
    [REFERENCE_PEER, 3],
    [NAIVE_REFERENCE, 0.4],
  ] as const) {
    const other = metricsOf(report, peer, 'n1k');
    const paired = pairedRatios(report, 'n1k', LIGHT, peer);
    const ratio =
      paired.length > 0
        ? median(paired)
        : light && other
          ? light.callsPerSecond / other.callsPerSecond
          : undefined;
    const spread =
      paired.length > 1 ? ` (${fmt(Math.min(...paired), 2)}-${fmt(Math.max(...paired), 2)})` : '';
    rows.push([
      `calls/s at N = 1,000 vs ${label(peer)}`,
      `${fmt(light?.callsPerSecond ?? Number.NaN)} vs ${fmt(other?.callsPerSecond ?? Number.NaN)}`,
      ratio === undefined ? '-' : `${fmt(ratio, 2)}x${spread}`,
      `>= ${goal}x`,
      said(ratio === undefined ? undefined : ratio >= goal),
    ]);
  }
  for (const key of ['n1k', 'n10k']) {
    if (!ran(key)) continue;
    const mine = metricsOf(report, LIGHT, key);
    const naive = metricsOf(report, NAIVE_REFERENCE, key);
    const n = key === 'n1k' ? '1,000' : '10,000';
    for (const [side, goal] of [
      ['server', 20],
      ['client', 25],
    ] as const) {
      const value = side === 'server' ? mine?.serverCpuMicrosPerCall : mine?.clientCpuMicrosPerCall;
      const theirs = side === 'server' ? naive?.serverCpuMicrosPerCall : naive?.clientCpuMicrosPerCall;
      rows.push([
        `${side} CPU/call at N = ${n}`,
        `${fmt(value ?? Number.NaN, 1)} us (naive streamed ${fmt(theirs ?? Number.NaN, 1)} us)`,
        '',
        `<= ${goal} us`,
        said(value === undefined ? undefined : value <= goal),
      ]);
    }
  }
  for (const key of ['hol', 'hol-busy']) {
    if (!ran(key)) continue;
    const mine = metricsOf(report, LIGHT, key);
    const naive = metricsOf(report, NAIVE_REFERENCE, key);
    rows.push([
      key === 'hol' ? 'head-of-line: other 99 p50' : '  same, one core kept busy',
      `${fmt(mine?.othersP50Ms ?? Number.NaN, 1)} ms (naive streamed ${fmt(naive?.othersP50Ms ?? Number.NaN, 1)} ms)`,
      '',
      '<= 10 ms',
      said(mine === undefined ? undefined : mine.othersP50Ms <= 10),
    ]);
  }
  if (ran('n10k')) {
    const mine = metricsOf(report, LIGHT, 'n10k');
    rows.push([
      'p95 at N = 10,000',
      `${fmt(mine?.p95Ms ?? Number.NaN, 1)} ms`,
      '',
      '< 200 ms',
      said(mine === undefined ? undefined : mine.p95Ms < 200),
    ]);
  } else {
    rows.push(['p95 at N = 10,000', 'not run (--quick)', '', '< 200 ms', 'n/a']);
  }
  const today = metricsOf(report, OURS, 'n1k');
  const bytes = light && today ? light.bytesPerCall / today.bytesPerCall : undefined;
  rows.push([
    'bytes/call at N = 1,000 vs the default path',
    `${fmt(light?.bytesPerCall ?? Number.NaN)} vs ${fmt(today?.bytesPerCall ?? Number.NaN)}`,
    bytes === undefined ? '-' : `${fmt(bytes, 2)}x`,
    'no worse',
    said(light && today ? Math.round(light.bytesPerCall) <= Math.round(today.bytesPerCall) : undefined),
  ]);
  console.log(table(['goal', 'measured', 'ratio', 'goal', 'verdict'], rows));
}

/** The developers' guide's service targets, checked on our server in every scenario of the run. */
function printServiceTargets(report: Report): void {
  console.log("\n### Service targets on our server (developers' guide)\n");
  const rows: string[][] = [];
  for (const scenario of report.scenarios) {
    const metrics = report.results.get(OURS)?.get(scenario.key)?.metrics;
    if (!metrics) {
      rows.push([scenario.title, 'n/a', 'n/a', 'n/a', 'n/a']);
      continue;
    }
    const errorRate = (metrics.errors / metrics.calls) * 100;
    const cell = (value: number, limit: number, unit: string): string =>
      `${fmt(value, 1)}${unit} ${value < limit ? 'PASS' : 'MISS'}`;
    rows.push([
      scenario.title,
      cell(metrics.p95Ms, 200, ' ms'),
      cell(errorRate, 1, '%'),
      cell(metrics.serverCpuPercent, 60, '%'),
      `${cell(metrics.serverMemoryPercent, 70, '%')} (${fmt(metrics.serverPeakRssBytes / 2 ** 20)} MiB RSS)`,
    ]);
  }
  console.log(
    table(
      ['scenario', 'p95 < 200 ms', 'errors < 1%', 'CPU < 60% (cpu/wall/cores)', 'memory < 70% (RSS/total)'],
      rows,
    ),
  );
}
