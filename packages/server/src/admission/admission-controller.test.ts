import { isWirepackError } from '@wirepack/protocol';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type AdmissionPermit, createAdmissionController } from './admission-controller.ts';
import { DEFAULT_ADMISSION_OPTIONS } from './admission-options.ts';

/** Records how each acquire settled, in order. */
function track(promise: Promise<AdmissionPermit>, label: string, log: string[]) {
  const out: { permit?: AdmissionPermit; error?: unknown } = {};
  promise.then(
    (permit) => {
      out.permit = permit;
      log.push(`${label}:granted`);
    },
    (error) => {
      out.error = error;
      log.push(`${label}:${isWirepackError(error) ? error.code : 'rejected'}`);
    },
  );
  return out;
}

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

afterEach(() => {
  vi.useRealTimers();
});

describe('createAdmissionController', () => {
  it('grants up to concurrency at once, queues the rest, and hands permits on as they are released', async () => {
    const admission = createAdmissionController({ concurrency: 2, reservedForHigh: 0 });
    const first = admission.tryAcquire('auto');
    const second = admission.tryAcquire('auto');
    expect(first).toBeDefined();
    expect(second).toBeDefined();
    expect(admission.tryAcquire('auto')).toBeUndefined();
    const log: string[] = [];
    const third = track(admission.acquire({ priority: 'auto' }), 'third', log);
    await flush();
    expect(admission.stats()).toMatchObject({ inFlight: 2, queued: 1 });
    first?.release();
    first?.release(); // a second release is a no-op, not a second free permit
    await flush();
    expect(log).toEqual(['third:granted']);
    expect(admission.stats()).toMatchObject({ inFlight: 2, queued: 0, admitted: { auto: 3 } });
    second?.release();
    third.permit?.release();
    expect(admission.stats().inFlight).toBe(0);
  });

  it('serves high before auto before low, FIFO within a priority', async () => {
    const admission = createAdmissionController({ concurrency: 1, reservedForHigh: 0 });
    const held = admission.tryAcquire('low') as AdmissionPermit;
    const log: string[] = [];
    const entries = [
      track(admission.acquire({ priority: 'low' }), 'low1', log),
      track(admission.acquire({ priority: 'auto' }), 'auto1', log),
      track(admission.acquire({ priority: 'high' }), 'high1', log),
      track(admission.acquire({ priority: 'low' }), 'low2', log),
      track(admission.acquire({ priority: 'high' }), 'high2', log),
    ];
    held.release();
    for (let i = 0; i < entries.length; i++) {
      await flush();
      const granted = entries.find((entry) => entry.permit !== undefined && !('done' in entry));
      Object.assign(granted as object, { done: true });
      granted?.permit?.release();
    }
    expect(log).toEqual(['high1:granted', 'high2:granted', 'auto1:granted', 'low1:granted', 'low2:granted']);
  });

  it('keeps reservedForHigh permits from lower work, so high work never waits for running low work', async () => {
    const admission = createAdmissionController({ concurrency: 3, reservedForHigh: 1, maxQueue: 10 });
    expect(admission.tryAcquire('low')).toBeDefined();
    expect(admission.tryAcquire('auto')).toBeDefined();
    expect(admission.tryAcquire('low')).toBeUndefined(); // only the reserved permit is left
    expect(admission.tryAcquire('high')).toBeDefined();
    expect(admission.stats().inFlight).toBe(3);
  });

  it('when the queue is full, evicts the newest lowest-priority entry for a higher newcomer, else refuses the newcomer', async () => {
    const shedLog: string[] = [];
    const admission = createAdmissionController({
      concurrency: 1,
      reservedForHigh: 0,
      maxQueue: 2,
      onShed: (priority, reason) => shedLog.push(`${priority}:${reason}`),
    });
    admission.tryAcquire('auto');
    const log: string[] = [];
    track(admission.acquire({ priority: 'low' }), 'low1', log);
    track(admission.acquire({ priority: 'low' }), 'low2', log);
    track(admission.acquire({ priority: 'low' }), 'low3', log); // same priority as everything waiting: refused
    track(admission.acquire({ priority: 'high' }), 'high1', log); // evicts low2, the newest low
    track(admission.acquire({ priority: 'auto' }), 'auto1', log); // evicts low1
    track(admission.acquire({ priority: 'auto' }), 'auto2', log); // nothing lower waits: refused
    await flush();
    expect(log).toEqual(['low3:OVERLOADED', 'low2:OVERLOADED', 'low1:OVERLOADED', 'auto2:OVERLOADED']);
    expect(shedLog).toEqual(['low:full', 'low:evicted', 'low:evicted', 'auto:full']);
    expect(admission.stats()).toMatchObject({
      queued: 2,
      queuedByPriority: { high: 1, auto: 1, low: 0 },
      shed: { high: 0, auto: 1, low: 3 },
      shedByReason: { full: 2, evicted: 2, deadline: 0, estimate: 0 },
    });
  });

  it('sheds an entry whose wait budget runs out, and one whose deadline has already passed', async () => {
    vi.useFakeTimers();
    const admission = createAdmissionController({ concurrency: 1, reservedForHigh: 0, maxWaitMs: 100 });
    const held = admission.tryAcquire('auto') as AdmissionPermit;
    const log: string[] = [];
    track(admission.acquire({ priority: 'auto' }), 'budget', log);
    track(admission.acquire({ priority: 'auto', deadline: performance.now() + 30 }), 'short', log);
    track(admission.acquire({ priority: 'auto', deadline: performance.now() - 1 }), 'late', log);
    await vi.advanceTimersByTimeAsync(0);
    expect(log).toEqual(['late:OVERLOADED']);
    await vi.advanceTimersByTimeAsync(30);
    expect(log).toEqual(['late:OVERLOADED', 'short:OVERLOADED']);
    await vi.advanceTimersByTimeAsync(70);
    expect(log).toEqual(['late:OVERLOADED', 'short:OVERLOADED', 'budget:OVERLOADED']);
    expect(admission.stats()).toMatchObject({ queued: 0, shedByReason: { deadline: 3 } });
    held.release();
    expect(admission.stats().inFlight).toBe(0);
  });

  it('sheds a newcomer at once when observed service time says it would wait past its budget', async () => {
    vi.useFakeTimers();
    const admission = createAdmissionController({
      concurrency: 2,
      reservedForHigh: 0,
      maxWaitMs: 250,
      minSamples: 4,
    });
    // Teach it that a permit is held for 100 ms.
    for (let i = 0; i < 4; i++) {
      const permit = admission.tryAcquire('auto') as AdmissionPermit;
      vi.advanceTimersByTime(100);
      permit.release();
    }
    expect(admission.stats().serviceMs).toBe(100);
    admission.tryAcquire('auto');
    admission.tryAcquire('auto');
    const log: string[] = [];
    // Estimated waits: 1 entry -> 50 ms, 2 -> 100, ... 5 -> 250 (within budget), 6 -> 300 (shed).
    for (let i = 1; i <= 6; i++) track(admission.acquire({ priority: 'auto' }), `call${i}`, log);
    await vi.advanceTimersByTimeAsync(0);
    expect(log).toEqual(['call6:OVERLOADED']);
    expect(admission.stats()).toMatchObject({ queued: 5, shedByReason: { estimate: 1 } });
    // High priority counts only what waits ahead of it (nothing), so it is queued, not shed.
    track(admission.acquire({ priority: 'high' }), 'high', log);
    await vi.advanceTimersByTimeAsync(0);
    expect(admission.stats().queuedByPriority.high).toBe(1);
  });

  it('removes an entry whose signal aborts, rejecting with the reason and counting no shed', async () => {
    const admission = createAdmissionController({ concurrency: 1, reservedForHigh: 0 });
    const held = admission.tryAcquire('auto') as AdmissionPermit;
    const controller = new AbortController();
    const log: string[] = [];
    const entry = track(admission.acquire({ priority: 'auto', signal: controller.signal }), 'aborted', log);
    controller.abort(new Error('gone'));
    await flush();
    expect(log).toEqual(['aborted:rejected']);
    expect((entry.error as Error).message).toBe('gone');
    expect(admission.stats()).toMatchObject({ queued: 0, shed: { auto: 0 } });
    held.release();
    expect(admission.stats().inFlight).toBe(0); // the aborted entry never took the freed permit
    await expect(admission.acquire({ priority: 'auto', signal: controller.signal })).rejects.toThrow('gone');
  });

  it('gives a Retry-After from the expected drain time, within its bounds', async () => {
    vi.useFakeTimers();
    const admission = createAdmissionController({
      concurrency: 1,
      reservedForHigh: 0,
      maxWaitMs: 60_000,
      minRetryAfterSeconds: 1,
      maxRetryAfterSeconds: 5,
      minSamples: 1_000,
    });
    expect(admission.retryAfterSeconds()).toBe(1);
    const permit = admission.tryAcquire('auto') as AdmissionPermit;
    vi.advanceTimersByTime(2_000);
    permit.release();
    admission.tryAcquire('auto');
    for (let i = 0; i < 2; i++) admission.acquire({ priority: 'auto' }).catch(() => {});
    expect(admission.retryAfterSeconds()).toBe(4); // 2 waiting x 2 s / 1 permit
    for (let i = 0; i < 2; i++) admission.acquire({ priority: 'auto' }).catch(() => {});
    expect(admission.retryAfterSeconds()).toBe(5); // 8 s, capped
  });

  it('refuses impossible options with a TypeError', () => {
    expect(() => createAdmissionController({ concurrency: 0 })).toThrow(TypeError);
    expect(() => createAdmissionController({ concurrency: 4, reservedForHigh: 4 })).toThrow(
      /below concurrency/,
    );
    expect(() => createAdmissionController({ maxWaitMs: -1 })).toThrow(TypeError);
    expect(() => createAdmissionController({ minRetryAfterSeconds: 10, maxRetryAfterSeconds: 5 })).toThrow(
      TypeError,
    );
    // A small concurrency lowers the default reserve instead of failing.
    expect(createAdmissionController({ concurrency: 2 }).options.reservedForHigh).toBe(1);
    expect(Object.isFrozen(DEFAULT_ADMISSION_OPTIONS)).toBe(true);
  });

  it('sheds auto and low newcomers at once while underPressure says the process is saturated, never high', async () => {
    let saturated = true;
    const reasons: string[] = [];
    const admission = createAdmissionController({
      concurrency: 8,
      underPressure: () => saturated,
      onShed: (priority, reason) => reasons.push(`${priority}:${reason}`),
    });
    const log: string[] = [];
    // Permits are free: only the probe can refuse, and a synchronous try must not slip past it.
    expect(admission.tryAcquire('low')).toBeUndefined();
    track(admission.acquire({ priority: 'low' }), 'low', log);
    track(admission.acquire({ priority: 'auto' }), 'auto', log);
    const high = track(admission.acquire({ priority: 'high' }), 'high', log);
    await flush();
    expect(log).toEqual(['low:OVERLOADED', 'auto:OVERLOADED', 'high:granted']);
    expect(reasons).toEqual(['low:pressure', 'auto:pressure']);
    expect(admission.stats().shedByReason.pressure).toBe(2);
    high.permit?.release();

    saturated = false;
    expect(admission.tryAcquire('low')).toBeDefined();
  });
});
