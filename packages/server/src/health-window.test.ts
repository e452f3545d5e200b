import { describe, expect, it } from 'vitest';
import { HealthWindow } from './health-window.ts';

function windowAt(start = 0) {
  const clock = { now: start };
  const window = new HealthWindow({ windowMs: 60_000, slots: 12, now: () => clock.now });
  return { clock, window };
}

describe('HealthWindow', () => {
  it('gives the p95 within 5% of the true value', () => {
    const { window } = windowAt();
    for (let ms = 1; ms <= 1000; ms++) window.latency(ms); // p95 is 950 ms
    const { p95Ms, samples } = window.summary();
    expect(samples).toBe(1000);
    expect(p95Ms).toBeGreaterThanOrEqual(950);
    expect(p95Ms).toBeLessThanOrEqual(950 * 1.05);
  });

  it('tells 190 ms from 210 ms against a 200 ms target', () => {
    const low = windowAt().window;
    const high = windowAt().window;
    for (let i = 0; i < 100; i++) {
      low.latency(190);
      high.latency(210);
    }
    expect(low.summary().p95Ms).toBeLessThan(200);
    expect(high.summary().p95Ms).toBeGreaterThan(200);
  });

  it('slides slot by slot: what happened a whole window ago is gone', () => {
    const { clock, window } = windowAt(1_000_000);
    window.outcome(true);
    window.latency(500);
    clock.now += 30_000;
    window.outcome(false);
    expect(window.summary()).toMatchObject({ requests: 2, failed: 1, samples: 1 });
    clock.now += 30_000; // the first slot is a window old now
    expect(window.summary()).toMatchObject({ requests: 1, failed: 0, samples: 0, p95Ms: 0 });
    clock.now += 60_000;
    expect(window.summary()).toMatchObject({ requests: 0, failed: 0 });
    // A slot reused after a full turn of the ring starts empty.
    window.outcome(false);
    expect(window.summary().requests).toBe(1);
  });

  it('keeps bad values out of the buckets and refuses impossible options', () => {
    const { window } = windowAt();
    window.latency(Number.NaN);
    window.latency(-5);
    window.latency(Number.POSITIVE_INFINITY);
    expect(window.summary()).toMatchObject({ samples: 3, p95Ms: 0 });
    expect(() => new HealthWindow({ windowMs: 0, slots: 12, now: () => 0 })).toThrow(TypeError);
    expect(() => new HealthWindow({ windowMs: 1000, slots: 0.5, now: () => 0 })).toThrow(TypeError);
  });
});
