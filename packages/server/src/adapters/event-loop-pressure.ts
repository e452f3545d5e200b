import { monitorEventLoopDelay } from 'node:perf_hooks';

/** A probe of the process's own saturation, for admission's `underPressure`. */
export interface EventLoopPressure {
  /** True while the event loop's p99 delay over the last sample passed the limit. */
  readonly underPressure: () => boolean;
  /** Stops sampling. */
  stop(): void;
}

/**
 * Samples the event loop's delay (`perf_hooks.monitorEventLoopDelay`) every `sampleMs` and reports
 * pressure while its p99 over the last sample exceeds `maxDelayMs`, as @fastify/under-pressure does.
 * Admission counts permits, and a saturated process never runs out of them: requests wait in sockets
 * and in the loop before they reach admission (`pnpm bench:load`'s stress step: 0 shed, a 3.4 s p95
 * outside against 38 ms inside). A late loop is the signal that sees that wait. The probe itself is a
 * boolean read; the sampling is one timer, unref'd, so it never keeps a process alive.
 */
export function eventLoopPressure(maxDelayMs: number, sampleMs = 250): EventLoopPressure {
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  let late = false;
  const timer = setInterval(() => {
    late = histogram.count > 0 && histogram.percentile(99) / 1e6 > maxDelayMs;
    histogram.reset();
  }, sampleMs);
  timer.unref();
  return {
    underPressure: () => late,
    stop() {
      clearInterval(timer);
      histogram.disable();
      late = false;
    },
  };
}
