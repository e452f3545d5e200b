// The four service targets and the health report that says, for each, whether it is met now.
import { HealthWindow, type HealthWindowSummary } from './health-window.ts';

/** The targets a healthy server meets; each is a bound the measured value must stay under. */
export interface HealthThresholds {
  /**
   * 95th percentile latency of plain requests and batched calls, in milliseconds.
   * @default 200
   */
  readonly p95Ms: number;
  /**
   * Share of requests and calls that failed on the server's side (5xx, timeouts), from 0 to 1.
   * @default 0.01
   */
  readonly errorRate: number;
  /**
   * Process CPU time over wall time times the CPU cores available to the process, from 0 to 1.
   * @default 0.6
   */
  readonly cpu: number;
  /**
   * Resident set size over the memory limit (the cgroup's, else the host's), from 0 to 1.
   * @default 0.7
   */
  readonly memory: number;
}

/** The targets of the plan wirepack comes from: p95 under 200 ms, errors under 1%, CPU under 60%, memory under 70%. */
export const DEFAULT_HEALTH_THRESHOLDS: HealthThresholds = Object.freeze({
  p95Ms: 200,
  errorRate: 0.01,
  cpu: 0.6,
  memory: 0.7,
});

/** What a resource sampler reads of the process at one moment. */
export interface ResourceSample {
  /** CPU seconds (user + system) the process has used since it started. */
  readonly cpuSeconds: number;
  /** CPU cores available to the process (a cgroup quota can make it fractional). */
  readonly cpuCores: number;
  /** Resident set size in bytes. */
  readonly rssBytes: number;
  /** The memory the process may use, in bytes: the cgroup limit when there is one, else the host's memory. */
  readonly memoryLimitBytes: number;
}

/** One target in a {@link HealthReport}. */
export interface TargetReport {
  readonly met: boolean;
  /** The measured value, in the threshold's unit. */
  readonly value: number;
  readonly threshold: number;
}

/** The health endpoint's JSON body. */
export interface HealthReport {
  /** `ok` when every target is met, `degraded` when one is missed (the endpoint answers 503). */
  readonly status: 'ok' | 'degraded';
  /** The length of the window the rates and the p95 cover, in milliseconds. */
  readonly windowMs: number;
  /** Requests and calls finished in the window. */
  readonly requests: number;
  readonly targets: {
    readonly p95Ms: TargetReport;
    readonly errorRate: TargetReport;
    readonly cpu: TargetReport;
    readonly memory: TargetReport & { readonly rssBytes: number; readonly limitBytes: number };
  };
}

/** Options of {@link HealthMonitor}. */
export interface HealthMonitorOptions {
  /** Length of the sliding window in milliseconds. */
  readonly windowMs: number;
  /** Slots the window is cut into. */
  readonly slots: number;
  /** Fewer requests than this in the window leave the latency and error targets met (too few to judge). */
  readonly minRequests: number;
  readonly thresholds: HealthThresholds;
  /** Milliseconds on a monotonic clock. */
  readonly now: () => number;
  /** Reads the process's CPU and memory. */
  readonly sample: () => ResourceSample;
}

/**
 * Judges the four targets over a sliding window: latency and errors from what {@link record} and
 * {@link latency} saw, CPU from resource samples taken at each report and each {@link tick} (so CPU covers
 * the window, or the time since the previous sample when samples are further apart), memory as of now.
 */
export class HealthMonitor {
  readonly window: HealthWindow;
  private readonly options: HealthMonitorOptions;
  // One CPU sample per slot of time, oldest first; at most slots + 1 are kept.
  private readonly cpuSamples: Stamped[] = [];

  constructor(options: HealthMonitorOptions) {
    this.options = options;
    this.window = new HealthWindow(options);
    this.cpuSamples.push({ at: options.now(), sample: options.sample() });
  }

  /** Takes a resource sample when the last one is a slot old (call it on a timer, once a slot). */
  tick(): Stamped {
    const now: Stamped = { at: this.options.now(), sample: this.options.sample() };
    const slotMs = this.options.windowMs / this.options.slots;
    const last = this.cpuSamples[this.cpuSamples.length - 1];
    if (last === undefined || now.at - last.at >= slotMs) this.cpuSamples.push(now);
    // Keep the newest sample at or before the window's start, so CPU always spans the whole window.
    const start = now.at - this.options.windowMs;
    while (this.cpuSamples.length > 1 && (this.cpuSamples[1] as Stamped).at <= start) this.cpuSamples.shift();
    return now;
  }

  /** The report as of now. */
  report(): HealthReport {
    const { at, sample: now } = this.tick();
    const { thresholds, minRequests, windowMs } = this.options;
    const summary: HealthWindowSummary = this.window.summary();
    const judged = summary.requests >= minRequests;
    const errorRate = summary.requests === 0 ? 0 : summary.failed / summary.requests;
    const first = this.cpuSamples[0] as Stamped;
    const elapsedSeconds = (at - first.at) / 1000;
    const cpu =
      elapsedSeconds > 0 && now.cpuCores > 0
        ? (now.cpuSeconds - first.sample.cpuSeconds) / (elapsedSeconds * now.cpuCores)
        : 0;
    const memory = now.memoryLimitBytes > 0 ? now.rssBytes / now.memoryLimitBytes : 0;
    const targets = {
      p95Ms: target(summary.p95Ms, thresholds.p95Ms, judged),
      errorRate: target(errorRate, thresholds.errorRate, judged),
      cpu: target(cpu, thresholds.cpu, true),
      memory: {
        ...target(memory, thresholds.memory, true),
        rssBytes: now.rssBytes,
        limitBytes: now.memoryLimitBytes,
      },
    };
    const ok = targets.p95Ms.met && targets.errorRate.met && targets.cpu.met && targets.memory.met;
    return { status: ok ? 'ok' : 'degraded', windowMs, requests: summary.requests, targets };
  }
}

/** A resource sample and when, on the monitor's clock, it was taken. */
interface Stamped {
  readonly at: number;
  readonly sample: ResourceSample;
}

function target(value: number, threshold: number, judged: boolean): TargetReport {
  return { met: !judged || value < threshold, value: Math.round(value * 10000) / 10000, threshold };
}

/**
 * Checks thresholds given by a user: each a finite number above 0 (and at most 1 for the shares).
 * @internal
 */
export function resolveThresholds(overrides: Partial<HealthThresholds> | undefined): HealthThresholds {
  const merged = { ...DEFAULT_HEALTH_THRESHOLDS, ...overrides };
  for (const [name, value] of Object.entries(merged)) {
    const max = name === 'p95Ms' ? Number.POSITIVE_INFINITY : 1;
    if (typeof value !== 'number' || !(value > 0 && value <= max)) {
      throw new TypeError(
        `[wirepack/server] health threshold ${name} must be a number above 0${max === 1 ? ' and at most 1' : ''}, got ${String(value)}`,
      );
    }
  }
  return Object.freeze(merged);
}
