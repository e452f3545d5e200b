/**
 * Lets a long run of synchronous work give the event loop a turn every `sliceMs`, so that timers and
 * I/O callbacks of other plugins are not held up. Call `pause()` between units of work: it resolves at
 * once inside a slice, and after a `setImmediate` turn when the slice is used up.
 */
export function createTimeSlicer(
  sliceMs: number,
  now: () => number = () => performance.now(),
): {
  pause(): Promise<void>;
} {
  let sliceStart = now();
  return {
    async pause() {
      if (now() - sliceStart <= sliceMs) return;
      await new Promise((resolve) => setImmediate(resolve));
      sliceStart = now();
    },
  };
}
