import { readFileSync } from 'node:fs';
import { availableParallelism, totalmem } from 'node:os';
import type { ResourceSample } from '../health.ts';

/** The CPU and memory the process may use: its cgroup's limits when it has them, else the host's. */
export interface ResourceLimits {
  /** CPU cores: the cgroup's quota (`cpu.max`, or v1's `cpu.cfs_quota_us`) when set, else `availableParallelism()`. */
  readonly cpuCores: number;
  /** Bytes: the cgroup's `memory.max` (v1: `memory.limit_in_bytes`) when set and below the host's, else `totalmem()`. */
  readonly memoryBytes: number;
}

/**
 * Reads the limits once. A container's limits are what the process will be throttled or killed at, so
 * they, not the host's, are what "CPU under 60%" and "memory under 70%" are measured against
 * (Linux cgroup v2: https://docs.kernel.org/admin-guide/cgroup-v2.html, `cpu.max` and `memory.max`).
 */
export function readResourceLimits(root = '/sys/fs/cgroup'): ResourceLimits {
  const hostCores = availableParallelism();
  const hostMemory = totalmem();
  let cpuCores = hostCores;
  let memoryBytes = hostMemory;
  // cgroup v2: "max 100000" or "<quota> <period>".
  const cpuMax = readText(`${root}/cpu.max`)?.split(/\s+/);
  if (cpuMax !== undefined && cpuMax[0] !== 'max') {
    const cores = Number(cpuMax[0]) / Number(cpuMax[1]);
    if (Number.isFinite(cores) && cores > 0) cpuCores = Math.min(hostCores, cores);
  } else {
    // cgroup v1: a quota of -1 means none.
    const quota = Number(readText(`${root}/cpu/cpu.cfs_quota_us`));
    const period = Number(readText(`${root}/cpu/cpu.cfs_period_us`));
    if (quota > 0 && period > 0) cpuCores = Math.min(hostCores, quota / period);
  }
  const memoryMax = readText(`${root}/memory.max`) ?? readText(`${root}/memory/memory.limit_in_bytes`);
  const limit = Number(memoryMax);
  // v2 says "max" without a limit, v1 a huge number; either way the host's memory is the bound.
  if (Number.isFinite(limit) && limit > 0 && limit < hostMemory) memoryBytes = limit;
  return { cpuCores, memoryBytes };
}

/**
 * A sampler for the health monitor: process CPU seconds and RSS now, against the limits read once.
 * `process.memoryUsage.rss()` is the cheap form (no heap statistics).
 */
export function createResourceSampler(limits: ResourceLimits = readResourceLimits()): () => ResourceSample {
  return () => {
    const cpu = process.cpuUsage();
    return {
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
      cpuCores: limits.cpuCores,
      rssBytes: process.memoryUsage.rss(),
      memoryLimitBytes: limits.memoryBytes,
    };
  };
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    // No such file: not in a cgroup of that version, or not Linux. The host's figure applies.
    return undefined;
  }
}
