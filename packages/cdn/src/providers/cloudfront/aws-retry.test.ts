import { describe, expect, it } from 'vitest';
import { createRetryStrategy, fullJitterDelay, retryListener } from './aws-retry.ts';

const base = { baseDelayMs: 1000, maxDelayMs: 20_000 };

describe('full jitter (AWS Architecture Blog): uniform in [0, min(cap, base * 2^n))', () => {
  it('spans the whole range, from 0 to just under the ceiling', () => {
    expect(fullJitterDelay(1, { ...base, random: () => 0 })).toBe(0);
    expect(fullJitterDelay(1, { ...base, random: () => 0.999_999 })).toBe(999);
    expect(fullJitterDelay(3, { ...base, random: () => 0.5 })).toBe(2000);
  });

  it('the ceiling doubles per retry and stops at maxDelayMs', () => {
    const top = (retry: number) => fullJitterDelay(retry, { ...base, random: () => 0.999_999_9 });
    expect([1, 2, 3, 4, 5, 6, 7].map(top)).toEqual([999, 1999, 3999, 7999, 15_999, 19_999, 19_999]);
  });
});

describe('createRetryStrategy', () => {
  const throttled = {
    errorType: 'THROTTLING' as const,
    error: { name: 'Throttling', message: 'Rate exceeded', $metadata: { httpStatusCode: 400 } },
  };

  it('waits the full-jitter delay, reports each retry, and stops after maxAttempts', async () => {
    const strategy = createRetryStrategy({
      maxAttempts: 3,
      retryMode: 'standard',
      baseDelayMs: 10,
      maxDelayMs: 100,
      random: () => 0.5,
    });
    const seen: unknown[] = [];
    await retryListener.run(
      (info) => seen.push(info),
      async () => {
        let token = await strategy.acquireInitialRetryToken('cloudfront');
        token = await strategy.refreshRetryTokenForRetry(token, throttled);
        token = await strategy.refreshRetryTokenForRetry(token, throttled);
        await expect(strategy.refreshRetryTokenForRetry(token, throttled)).rejects.toThrow();
      },
    );
    expect(seen).toEqual([
      { errorName: 'Throttling', attempt: 1, delayMs: 5 },
      { errorName: 'Throttling', attempt: 2, delayMs: 10 },
    ]);
  });

  it('does not retry a client error', async () => {
    const strategy = createRetryStrategy({
      maxAttempts: 8,
      retryMode: 'adaptive',
      baseDelayMs: 100,
      maxDelayMs: 1000,
      random: () => 0.5,
    });
    const token = await strategy.acquireInitialRetryToken('cloudfront');
    await expect(
      strategy.refreshRetryTokenForRetry(token, {
        errorType: 'CLIENT_ERROR',
        error: { name: 'InvalidArgument', message: 'no', $metadata: {} },
      }),
    ).rejects.toThrow();
  });

  it('takes the undefined scope older SDKs (3.521) pass', async () => {
    const strategy = createRetryStrategy({
      maxAttempts: 2,
      retryMode: 'standard',
      baseDelayMs: 1,
      maxDelayMs: 1,
      random: () => 0,
    });
    const token = await strategy.acquireInitialRetryToken(undefined);
    expect(token.getRetryCount()).toBe(0);
  });
});
