import { WirepackError } from '@wirepack/protocol';
import {
  type AdmissionOptions,
  type AdmissionPriority,
  type ResolvedAdmissionOptions,
  resolveAdmissionOptions,
  type ShedReason,
} from './admission-options.ts';
import { WaitList, type WaitListNode } from './wait-list.ts';

/** What a caller asks the controller for. */
export interface AdmissionRequest {
  readonly priority: AdmissionPriority;
  /**
   * `performance.now()` by which the entry must hold a permit (for a batched call, its timeout);
   * the controller's `maxWaitMs` applies as well, whichever comes first.
   */
  readonly deadline?: number;
  /** Aborting it while the entry waits removes the entry and rejects with the signal's reason. */
  readonly signal?: AbortSignal;
}

/** A held permit. `release()` gives it back; calling it again is a no-op. */
export interface AdmissionPermit {
  release(): void;
}

/** Counts by priority. */
export type ByPriority = Readonly<Record<AdmissionPriority, number>>;

/** What {@link AdmissionController.stats} returns; metrics exporters read it at scrape time. */
export interface AdmissionStats {
  /** Permits held now. */
  readonly inFlight: number;
  /** Entries waiting now, and by priority. */
  readonly queued: number;
  readonly queuedByPriority: ByPriority;
  /** Permits granted since creation, by priority. */
  readonly admitted: ByPriority;
  /** Entries shed (answered 503) since creation, by priority and by reason. */
  readonly shed: ByPriority;
  readonly shedByReason: Readonly<Record<ShedReason, number>>;
  /** Moving average of how long a permit is held, in ms (0 before the first release). */
  readonly serviceMs: number;
  readonly concurrency: number;
  readonly maxQueue: number;
}

/** A server-wide admission controller shared by plain requests and batched calls. */
export interface AdmissionController {
  /** A permit at once if one is free and nothing of the same or higher priority waits; else undefined. */
  tryAcquire(priority: AdmissionPriority): AdmissionPermit | undefined;
  /**
   * A permit, now or when one frees. Rejects with a `WirepackError` `OVERLOADED` (503) when the entry
   * is shed: the queue is full, a higher-priority newcomer evicts it, or its deadline cannot be met.
   */
  acquire(request: AdmissionRequest): Promise<AdmissionPermit>;
  /** The `Retry-After` to send with a shed answer now: the queue's expected drain time, bounded. */
  retryAfterSeconds(): number;
  stats(): AdmissionStats;
  /** The options in force. */
  readonly options: ResolvedAdmissionOptions;
}

// Ranks in the order strict priority serves them.
const RANK: Readonly<Record<AdmissionPriority, 0 | 1 | 2>> = { high: 0, auto: 1, low: 2 };
// Weight of the newest sample in the service-time average (about the last 10 releases dominate).
const SERVICE_ALPHA = 0.1;

interface Entry extends WaitListNode<Entry> {
  readonly priority: AdmissionPriority;
  readonly resolve: (permit: AdmissionPermit) => void;
  readonly reject: (error: unknown) => void;
  timer: ReturnType<typeof setTimeout> | undefined;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

/**
 * Makes the server-wide admission controller: `concurrency` permits, a wait queue bounded by
 * `maxQueue`, strict priority (`high`, then `auto`, then `low`; FIFO within a priority) and load
 * shedding, lowest priority first.
 *
 * Why strict priority with eviction rather than weighted fair queueing: the point of shedding is that
 * under overload the least important work fails fast while the important work is still served. With
 * weights, a flood of low-priority work would still take its share of permits and of queue places,
 * and high-priority work would wait behind it. Here a high-priority entry only ever waits behind other
 * high-priority entries: it jumps every lower one, evicts the newest lowest one when the queue is full,
 * and `reservedForHigh` permits are never given to lower work, so it does not even wait for running
 * low-priority work to finish. Low-priority work may starve while higher work saturates the server;
 * the wait budget turns that starvation into a prompt 503 with `Retry-After` rather than a hang.
 *
 * @example
 * ```ts
 * const admission = createAdmissionController({ concurrency: 64, maxQueue: 1024, maxWaitMs: 1000 });
 * const permit = await admission.acquire({ priority: 'auto' }); // rejects OVERLOADED when shed
 * try { await work(); } finally { permit.release(); }
 * ```
 */
export function createAdmissionController(options: AdmissionOptions = {}): AdmissionController {
  const resolved = resolveAdmissionOptions(options);
  const { concurrency, reservedForHigh, maxQueue, maxWaitMs, minSamples } = resolved;
  const lists = [new WaitList<Entry>(), new WaitList<Entry>(), new WaitList<Entry>()] as const;
  const admitted = { high: 0, auto: 0, low: 0 };
  const shed = { high: 0, auto: 0, low: 0 };
  const shedByReason: Record<ShedReason, number> = {
    full: 0,
    evicted: 0,
    deadline: 0,
    estimate: 0,
    pressure: 0,
  };
  let inFlight = 0;
  let queued = 0;
  let serviceMs = 0;
  let samples = 0;

  /** Permits work of this rank may use: all of them for high, all but the reserve for the rest. */
  const limitOf = (rank: number): number => (rank === 0 ? concurrency : concurrency - reservedForHigh);

  /** Entries that would be served before a newcomer of this rank (strict priority, FIFO within). */
  const waitingAhead = (rank: number): number => {
    let ahead = 0;
    for (let r = 0; r <= rank; r++) ahead += (lists[r] as WaitList<Entry>).size;
    return ahead;
  };

  function grant(priority: AdmissionPriority): AdmissionPermit {
    inFlight++;
    admitted[priority]++;
    const since = performance.now();
    let held = true;
    return {
      release(): void {
        if (!held) return;
        held = false;
        inFlight--;
        const took = performance.now() - since;
        serviceMs = samples === 0 ? took : serviceMs + SERVICE_ALPHA * (took - serviceMs);
        samples++;
        dispatch();
      },
    };
  }

  /** Hands free permits to waiting entries, highest priority first. */
  function dispatch(): void {
    for (let rank = 0; rank < 3; rank++) {
      const list = lists[rank] as WaitList<Entry>;
      while (list.size > 0 && inFlight < limitOf(rank)) {
        const entry = list.shift() as Entry;
        settle(entry);
        entry.resolve(grant(entry.priority));
      }
      // Lower ranks have a tighter limit: if this rank cannot run, neither can they.
      if (list.size > 0) return;
    }
  }

  /** Takes an entry out of the queue's bookkeeping (its list, its timer, its abort listener). */
  function settle(entry: Entry): void {
    if (entry.list !== undefined) (entry.list as WaitList<Entry>).remove(entry);
    queued--;
    clearTimeout(entry.timer);
    entry.signal?.removeEventListener('abort', entry.onAbort as () => void);
  }

  function shedError(priority: AdmissionPriority, reason: ShedReason): WirepackError {
    shed[priority]++;
    shedByReason[reason]++;
    try {
      resolved.onShed?.(priority, reason);
    } catch {
      // A failing metrics hook must not turn a 503 into a crash; the counters above still count it.
    }
    return new WirepackError('OVERLOADED', SHED_MESSAGES[reason]);
  }

  function tryAcquire(priority: AdmissionPriority): AdmissionPermit | undefined {
    const rank = RANK[priority];
    if (inFlight >= limitOf(rank) || waitingAhead(rank) > 0) return undefined;
    // Under pressure only `acquire` decides (it sheds), so a synchronous try never lets work past it.
    if (rank > 0 && resolved.underPressure?.() === true) return undefined;
    return grant(priority);
  }

  function acquire(request: AdmissionRequest): Promise<AdmissionPermit> {
    const { priority, signal } = request;
    const rank = RANK[priority];
    if (rank === undefined) {
      return Promise.reject(
        new TypeError(
          `[wirepack/server] admission priority must be high, auto or low, got ${String(priority)}`,
        ),
      );
    }
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (rank > 0 && resolved.underPressure?.() === true)
      return Promise.reject(shedError(priority, 'pressure'));
    const now = performance.now();
    const budget = Math.min(maxWaitMs, (request.deadline ?? Number.POSITIVE_INFINITY) - now);
    const ahead = waitingAhead(rank);
    if (inFlight < limitOf(rank) && ahead === 0) return Promise.resolve(grant(priority));
    if (budget <= 0) return Promise.reject(shedError(priority, 'deadline'));
    // Free permits arrive about every serviceMs / permits; this entry needs ahead + 1 of them.
    if (samples >= minSamples && (serviceMs * (ahead + 1)) / limitOf(rank) > budget) {
      return Promise.reject(shedError(priority, 'estimate'));
    }
    if (queued >= maxQueue) {
      const victim = lowestBelow(rank);
      if (victim === undefined) return Promise.reject(shedError(priority, 'full'));
      settle(victim);
      victim.reject(shedError(victim.priority, 'evicted'));
    }
    return new Promise<AdmissionPermit>((resolve, reject) => {
      const entry: Entry = {
        priority,
        resolve,
        reject,
        timer: undefined,
        signal,
        onAbort: undefined,
        prev: undefined,
        next: undefined,
        list: undefined,
      };
      (lists[rank] as WaitList<Entry>).push(entry);
      queued++;
      entry.timer = setTimeout(() => {
        settle(entry);
        reject(shedError(priority, 'deadline'));
      }, Math.ceil(budget));
      if (signal !== undefined) {
        entry.onAbort = () => {
          settle(entry);
          reject(signal.reason);
        };
        signal.addEventListener('abort', entry.onAbort, { once: true });
      }
    });
  }

  /** Removes and returns the newest waiting entry of the lowest priority below `rank`. */
  function lowestBelow(rank: number): Entry | undefined {
    for (let r = 2; r > rank; r--) {
      const list = lists[r] as WaitList<Entry>;
      if (list.size > 0) return list.pop();
    }
    return undefined;
  }

  function retryAfterSeconds(): number {
    const drainMs = (serviceMs * queued) / concurrency;
    const seconds = Math.ceil(drainMs / 1000);
    return Math.min(resolved.maxRetryAfterSeconds, Math.max(resolved.minRetryAfterSeconds, seconds));
  }

  function stats(): AdmissionStats {
    return {
      inFlight,
      queued,
      queuedByPriority: {
        high: lists[0].size,
        auto: lists[1].size,
        low: lists[2].size,
      },
      admitted: { ...admitted },
      shed: { ...shed },
      shedByReason: { ...shedByReason },
      serviceMs: Math.round(serviceMs * 1000) / 1000,
      concurrency,
      maxQueue,
    };
  }

  return { tryAcquire, acquire, retryAfterSeconds, stats, options: resolved };
}

const SHED_MESSAGES: Readonly<Record<ShedReason, string>> = {
  full: 'the server is at its queue limit; retry later',
  pressure: 'the server is saturated (its event loop is late); retry later',
  evicted: 'the server is at its queue limit and gave this place to more urgent work; retry later',
  deadline: 'the server could not start this request within its wait budget; retry later',
  estimate: 'the server would not start this request within its wait budget; retry later',
};
