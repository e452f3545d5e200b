import { isWirepackPluginError } from '../errors.js';
import type { EnvironmentLike, EnvironmentRun, StepContext } from './environment-run.js';

/**
 * A `closeBundle` that runs after every other plugin's (`order: 'post'`), one after another
 * (`sequential`: Rollup runs `closeBundle` in parallel otherwise; Rolldown runs them in sequence),
 * and only for runs whose bundle was written without error. A failing step forgets the run; a
 * {@link WirepackPluginError} goes to Vite through `this.error`, which names the step.
 */
export function postCloseBundle(
  state: { readonly runs: Map<string, EnvironmentRun> },
  step: (run: EnvironmentRun, context: StepContext) => Promise<void>,
): {
  order: 'post';
  sequential: true;
  handler: (this: StepContext & { environment: EnvironmentLike }, error?: Error) => Promise<void>;
} {
  return {
    order: 'post',
    sequential: true,
    async handler(error) {
      const run = state.runs.get(this.environment.name);
      if (run === undefined) return;
      if (error !== undefined) {
        state.runs.delete(run.environment);
        return;
      }
      const started = performance.now();
      try {
        await step(run, this);
      } catch (failure) {
        state.runs.delete(run.environment);
        if (isWirepackPluginError(failure)) this.error(failure.message);
        throw failure;
      } finally {
        run.elapsedMs += performance.now() - started;
      }
    },
  };
}
