/**
 * Options of {@link createAdmissionController}: a server-wide concurrency limit with a bounded,
 * prioritised wait queue in front of it. Times are in milliseconds.
 */
export interface AdmissionOptions {
  /**
   * Permits: plain requests and batched calls that run at the same time, server-wide.
   * @default 64
   */
  readonly concurrency?: number;
  /**
   * Permits only `high` work may take, so a flood of `auto`/`low` work that fills the server cannot
   * keep high-priority work waiting for a running low call to finish. At most `concurrency - 1`.
   * @default 4 (or `concurrency - 1` when that is smaller)
   */
  readonly reservedForHigh?: number;
  /**
   * Most entries waiting for a permit, all priorities together. When it is full, the newest entry of
   * the lowest priority waiting is shed to make room for higher-priority work, or the newcomer is
   * refused when nothing waiting is of lower priority.
   * @default 1024
   */
  readonly maxQueue?: number;
  /**
   * Longest an entry waits for a permit (its queue wait budget); a caller may pass a shorter deadline.
   * An entry whose budget runs out is shed at once, and so is a newcomer whose estimated wait
   * (observed service time × its place in the queue) is already longer than its budget.
   * @default 1000
   */
  readonly maxWaitMs?: number;
  /**
   * Bounds of the `Retry-After` (in seconds) given with a shed answer; in between, it is the time the
   * queue is expected to take to drain, rounded up.
   * @default 1
   */
  readonly minRetryAfterSeconds?: number;
  /** @default 30 */
  readonly maxRetryAfterSeconds?: number;
  /**
   * Releases observed before the wait estimate may shed a newcomer (a cold server knows nothing yet).
   * @default 32
   */
  readonly minSamples?: number;
  /**
   * Called each time an entry is shed, with its priority and why (for logs and metrics).
   * @default undefined
   */
  readonly onShed?: (priority: AdmissionPriority, reason: ShedReason) => void;
  /**
   * Asked for each newcomer that is not `high`: when it answers true, the newcomer is shed at once
   * (reason `pressure`). For overload the queue cannot see: when the process itself is saturated
   * (its event loop late), requests wait in sockets and in the loop before they reach admission, so
   * permits stay free while clients wait seconds. `createWirepackServer` passes one built on the
   * event loop's delay (`maxEventLoopDelayMs`), as @fastify/under-pressure does.
   * @default undefined
   */
  readonly underPressure?: () => boolean;
}

/** The protocol's call priorities, highest first; plain requests map their `Priority` header onto them. */
export type AdmissionPriority = 'high' | 'auto' | 'low';

/**
 * Why an entry was shed: `full` (the queue was full and nothing waiting had lower priority),
 * `evicted` (a higher-priority newcomer took its place), `deadline` (its wait budget ran out),
 * `estimate` (its estimated wait was already past its budget on arrival), `pressure` (`underPressure`
 * said the process is saturated).
 */
export type ShedReason = 'full' | 'evicted' | 'deadline' | 'estimate' | 'pressure';

/** The defaults of {@link AdmissionOptions}. */
export const DEFAULT_ADMISSION_OPTIONS: Readonly<
  Required<Omit<AdmissionOptions, 'onShed' | 'underPressure'>>
> = Object.freeze({
  concurrency: 64,
  reservedForHigh: 4,
  maxQueue: 1024,
  maxWaitMs: 1000,
  minRetryAfterSeconds: 1,
  maxRetryAfterSeconds: 30,
  minSamples: 32,
});

/** Options after defaults, validated. */
export interface ResolvedAdmissionOptions
  extends Readonly<Required<Omit<AdmissionOptions, 'onShed' | 'underPressure'>>> {
  readonly onShed: AdmissionOptions['onShed'];
  readonly underPressure: AdmissionOptions['underPressure'];
}

/** Applies defaults and throws a TypeError for impossible values, once, at creation. */
export function resolveAdmissionOptions(options: AdmissionOptions = {}): ResolvedAdmissionOptions {
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`[wirepack/server] admission options must be an object, got ${typeof options}`);
  }
  const concurrency = options.concurrency ?? DEFAULT_ADMISSION_OPTIONS.concurrency;
  const resolved = {
    ...DEFAULT_ADMISSION_OPTIONS,
    ...withoutUndefined(options),
    reservedForHigh:
      options.reservedForHigh ?? Math.min(DEFAULT_ADMISSION_OPTIONS.reservedForHigh, concurrency - 1),
  };
  for (const name of ['concurrency', 'maxQueue', 'maxRetryAfterSeconds'] as const) {
    positiveInteger(name, resolved[name], 1);
  }
  for (const name of ['reservedForHigh', 'maxWaitMs', 'minRetryAfterSeconds', 'minSamples'] as const) {
    positiveInteger(name, resolved[name], 0);
  }
  if (resolved.reservedForHigh >= resolved.concurrency) {
    throw new TypeError(
      `[wirepack/server] admission reservedForHigh (${resolved.reservedForHigh}) must be below concurrency (${resolved.concurrency})`,
    );
  }
  if (resolved.minRetryAfterSeconds > resolved.maxRetryAfterSeconds) {
    throw new TypeError(
      '[wirepack/server] admission minRetryAfterSeconds must not exceed maxRetryAfterSeconds',
    );
  }
  if (resolved.onShed !== undefined && typeof resolved.onShed !== 'function') {
    throw new TypeError('[wirepack/server] admission onShed must be a function');
  }
  if (resolved.underPressure !== undefined && typeof resolved.underPressure !== 'function') {
    throw new TypeError('[wirepack/server] admission underPressure must be a function');
  }
  return Object.freeze({ ...resolved, onShed: options.onShed, underPressure: options.underPressure });
}

function positiveInteger(name: string, value: unknown, min: number): void {
  if (!Number.isSafeInteger(value) || (value as number) < min) {
    throw new TypeError(
      `[wirepack/server] admission ${name} must be an integer of at least ${min}, got ${String(value)}`,
    );
  }
}

function withoutUndefined<TValue extends object>(value: TValue): Partial<TValue> {
  return Object.fromEntries(
    Object.entries(value).filter(([, field]) => field !== undefined),
  ) as Partial<TValue>;
}
