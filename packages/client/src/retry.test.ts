import { type HeaderList, NO_BODY, type ResultFrame, WirepackError } from '@wirepack/protocol';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { OutgoingRequest } from './outgoing-request.ts';
import { delay, isIdempotent, parseRetryAfter, shedRetryDelay } from './retry.ts';

function request(method: string, headers: HeaderList = []): OutgoingRequest {
  return {
    url: new URL('http://app.test/api/x'),
    method,
    headers,
    body: NO_BODY,
    priority: 'auto',
    redirect: 'follow',
    signal: undefined,
  };
}

function frame(status: number, headers: HeaderList = []): ResultFrame {
  return { kind: 'result', id: 0, status, headers, body: NO_BODY };
}

const policy = { limit: 2, maxRetryAfterMs: 10_000 };

afterEach(() => {
  vi.restoreAllMocks();
  vi.useRealTimers();
});

describe('parseRetryAfter', () => {
  it('reads delay-seconds and HTTP-dates (RFC 9110 section 10.2.3)', () => {
    expect(parseRetryAfter('0')).toBe(0);
    expect(parseRetryAfter(' 3 ')).toBe(3000);
    const now = Date.parse('Sun, 06 Nov 1994 08:49:37 GMT');
    expect(parseRetryAfter('Sun, 06 Nov 1994 08:49:39 GMT', now)).toBe(2000);
    expect(parseRetryAfter('Sun, 06 Nov 1994 08:49:30 GMT', now)).toBe(0); // in the past: at once
  });

  it.each([null, undefined, '', '-1', '1.5', 'soon', '99999999999', 'Sunday, 06-Nov-94 08:49:37 GMT'])(
    'has no advice in %j',
    (value) => {
      expect(parseRetryAfter(value)).toBeUndefined();
    },
  );
});

describe('isIdempotent', () => {
  it.each(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE'])('%s is', (method) => {
    expect(isIdempotent(request(method))).toBe(true);
  });
  it.each(['POST', 'PATCH', 'CONNECT', 'PURGE'])(
    '%s is not, unless it carries an Idempotency-Key',
    (method) => {
      expect(isIdempotent(request(method))).toBe(false);
      expect(isIdempotent(request(method, [['idempotency-key', 'k1']]))).toBe(true);
    },
  );
});

describe('shedRetryDelay', () => {
  it('retries a 503 with Retry-After, never sooner than asked and at most 20% later', () => {
    vi.spyOn(Math, 'random').mockReturnValue(0);
    expect(shedRetryDelay(request('GET'), { frame: frame(503, [['retry-after', '2']]) }, 0, policy)).toBe(
      2000,
    );
    vi.spyOn(Math, 'random').mockReturnValue(0.999);
    const late = shedRetryDelay(request('GET'), { frame: frame(503, [['retry-after', '2']]) }, 0, policy);
    expect(late).toBeGreaterThan(2000);
    expect(late).toBeLessThanOrEqual(2400);
  });

  it('does not retry other answers, POSTs, past the limit, or past maxRetryAfterMs', () => {
    const shed = { frame: frame(503, [['retry-after', '1']]) };
    expect(shedRetryDelay(request('GET'), { frame: frame(503) }, 0, policy)).toBeUndefined(); // no advice
    expect(
      shedRetryDelay(request('GET'), { frame: frame(500, [['retry-after', '1']]) }, 0, policy),
    ).toBeUndefined();
    expect(shedRetryDelay(request('GET'), { frame: frame(200) }, 0, policy)).toBeUndefined();
    expect(shedRetryDelay(request('POST'), shed, 0, policy)).toBeUndefined();
    expect(shedRetryDelay(request('GET'), shed, 2, policy)).toBeUndefined();
    expect(shedRetryDelay(request('GET'), shed, 0, { limit: 0, maxRetryAfterMs: 10_000 })).toBeUndefined();
    const long = { frame: frame(503, [['retry-after', '11']]) };
    expect(shedRetryDelay(request('GET'), long, 0, policy)).toBeUndefined();
  });

  it('retries a batch refused OVERLOADED by its retryAfter, and no other failure', () => {
    vi.spyOn(Math, 'random').mockReturnValue(0);
    const overloaded = new WirepackError('OVERLOADED', 'busy', { retryAfter: 1 });
    expect(shedRetryDelay(request('PUT'), { error: overloaded }, 0, policy)).toBe(1000);
    expect(
      shedRetryDelay(request('GET'), { error: new WirepackError('OVERLOADED', 'busy') }, 0, policy),
    ).toBeUndefined();
    expect(
      shedRetryDelay(
        request('GET'),
        { error: new WirepackError('NETWORK', 'down', { retryAfter: 1 }) },
        0,
        policy,
      ),
    ).toBeUndefined();
    expect(shedRetryDelay(request('GET'), { error: new Error('x') }, 0, policy)).toBeUndefined();
  });
});

describe('delay', () => {
  it('waits, and rejects at once with the abort reason', async () => {
    vi.useFakeTimers();
    let done = false;
    const waiting = delay(1000, undefined).then(() => {
      done = true;
    });
    await vi.advanceTimersByTimeAsync(999);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await waiting;
    expect(done).toBe(true);
    const controller = new AbortController();
    const aborted = delay(1000, controller.signal);
    controller.abort(new Error('left'));
    await expect(aborted).rejects.toThrow('left');
    expect(vi.getTimerCount()).toBe(0);
  });
});
