import { describe, expect, it } from 'vitest';
import { createProgressLine, isCI, type ProgressStream } from './progress-line.ts';

/** A terminal stream that records what was written, and a clock the test moves. */
function terminal(isTTY: boolean, columns?: number): ProgressStream & { written: string[] } {
  const written: string[] = [];
  return { isTTY, columns, written, write: (chunk: string) => written.push(chunk) };
}

describe('createProgressLine', () => {
  it('rewrites one line with \\r, throttled, after a delay, and erases it at the end', () => {
    const stream = terminal(true);
    let time = 0;
    const line = createProgressLine('client', {
      stream,
      env: {},
      now: () => time,
      delayMs: 1000,
      intervalMs: 100,
    });
    line.update(1, 10);
    time = 999;
    line.update(2, 10);
    expect(stream.written).toEqual([]); // short work shows nothing
    time = 1000;
    line.update(3, 10);
    time = 1050;
    line.update(4, 10); // within the interval: skipped
    time = 1100;
    line.update(5, 10);
    line.end();
    line.end();
    line.update(6, 10);
    expect(stream.written).toEqual([
      '\r[wirepack/vite-plugin] client: compressing 3/10 files\u001b[K',
      '\r[wirepack/vite-plugin] client: compressing 5/10 files\u001b[K',
      '\r\u001b[K',
    ]);
    expect(stream.written.join('')).not.toContain('\n');
  });

  it('cuts the line to the terminal width, so it never wraps', () => {
    const stream = terminal(true, 20);
    const line = createProgressLine('client', { stream, env: {}, now: () => 5000, delayMs: 0 });
    line.update(1, 2);
    expect(stream.written[0]).toBe('\r[wirepack/vite-plug\u001b[K');
  });

  it('draws nothing when the stream is not a terminal, or in CI', () => {
    for (const [stream, env] of [
      [terminal(false), {}],
      [terminal(true), { CI: 'true' }],
      [terminal(true), { CI: '1' }],
    ] as const) {
      const line = createProgressLine('client', { stream, env, now: () => 10_000, delayMs: 0 });
      line.update(1, 2);
      line.end();
      expect(stream.written).toEqual([]);
    }
  });

  it('reads CI the way CI services set it', () => {
    expect([isCI({}), isCI({ CI: '' }), isCI({ CI: 'false' }), isCI({ CI: '0' })]).toEqual([
      false,
      false,
      false,
      false,
    ]);
    expect([isCI({ CI: 'true' }), isCI({ CI: '1' }), isCI({ CI: 'woodpecker' })]).toEqual([true, true, true]);
  });
});
