/** The bindings the Workers tests' Hono apps read (`c.env.GREETING`). */
export interface GreetingEnv {
  readonly GREETING: string;
}

/** What Workers pass as `ctx`: the promises given to waitUntil are kept, so tests can check they arrived. */
export class ExecutionContext {
  readonly waited: Promise<unknown>[] = [];
  readonly props = {};
  waitUntil(promise: Promise<unknown>): void {
    this.waited.push(promise);
  }
  passThroughOnException(): void {}
}
