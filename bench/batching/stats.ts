// Turning one run's raw client and server figures into per-call metrics, and several runs into one.
import type { RunResult, ServerStats } from './messages.ts';

/** The `q` quantile (0..1) of `values`, nearest-rank; `NaN` when empty. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank] as number;
}

/** The median of `values` (the mean of the middle two for an even count), ignoring `NaN`. */
export function median(values: readonly number[]): number {
  const sorted = values.filter((value) => !Number.isNaN(value)).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const middle = sorted.length >> 1;
  return sorted.length % 2
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** One run of one scenario, as reported. */
export interface RunMetrics {
  calls: number;
  errors: number;
  errorMessages: [message: string, count: number][];
  callsPerSecond: number;
  p50Ms: number;
  p95Ms: number;
  /** p50 of every call except the slow one (head-of-line case only). */
  othersP50Ms: number;
  othersP95Ms: number;
  slowMs: number;
  httpRequests: number;
  statuses: Record<string, number>;
  connections: number;
  bytesPerCall: number;
  requestBytesPerCall: number;
  responseBytesPerCall: number;
  serverCpuMicrosPerCall: number;
  clientCpuMicrosPerCall: number;
  /** Server process CPU time / wall time / cores, in percent. */
  serverCpuPercent: number;
  /** Server peak RSS / total memory, in percent. */
  serverMemoryPercent: number;
  serverPeakRssBytes: number;
}

/** Derives the per-call metrics of one run; `slowIndex` is the slow call's index or -1. */
export function runMetrics(client: RunResult, server: ServerStats, slowIndex: number): RunMetrics {
  const { calls } = client;
  const okLatencies = client.latencies.filter((_, id) => client.ok[id]);
  const others = client.latencies.filter((_, id) => client.ok[id] && id !== slowIndex);
  return {
    calls,
    errors: client.errors,
    errorMessages: client.errorMessages,
    callsPerSecond: (calls / client.wallMs) * 1_000,
    p50Ms: quantile(okLatencies, 0.5),
    p95Ms: quantile(okLatencies, 0.95),
    othersP50Ms: quantile(others, 0.5),
    othersP95Ms: quantile(others, 0.95),
    slowMs: slowIndex >= 0 && client.ok[slowIndex] ? (client.latencies[slowIndex] ?? Number.NaN) : Number.NaN,
    httpRequests: server.requests,
    statuses: server.statuses,
    connections: server.connections,
    bytesPerCall: (server.bytesIn + server.bytesOut) / calls,
    requestBytesPerCall: server.bytesIn / calls,
    responseBytesPerCall: server.bytesOut / calls,
    serverCpuMicrosPerCall: server.cpuMicros / calls,
    clientCpuMicrosPerCall: client.cpuMicros / calls,
    serverCpuPercent: (server.cpuMicros / 1_000 / server.wallMs / server.cores) * 100,
    serverMemoryPercent: (server.peakRssBytes / server.totalMemBytes) * 100,
    serverPeakRssBytes: server.peakRssBytes,
  };
}

type NumericKey = {
  [TKey in keyof RunMetrics]: RunMetrics[TKey] extends number ? TKey : never;
}[keyof RunMetrics];

/**
 * Several runs of one scenario as one: the median of each numeric metric taken separately (runs
 * on a shared 2-core machine are noisy; the median ignores one disturbed run), the worst error
 * count, and the first failing run's messages and statuses.
 */
export function combineRuns(runs: readonly RunMetrics[]): RunMetrics {
  const first = runs[0];
  if (!first) throw new Error('no runs to combine');
  const worst = runs.reduce((a, b) => (b.errors > a.errors ? b : a));
  const combined: RunMetrics = { ...worst };
  for (const key of Object.keys(first) as (keyof RunMetrics)[]) {
    if (typeof first[key] !== 'number' || key === 'errors') continue;
    combined[key as NumericKey] = median(runs.map((run) => run[key as NumericKey]));
  }
  return combined;
}
