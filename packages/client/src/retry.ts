import { isWirepackError, type ResultFrame } from '@wirepack/protocol';
import { abortReason } from './abort.ts';
import type { OutgoingRequest } from './outgoing-request.ts';

/** Options of the retry of shed calls. See {@link BatchFetchOptions.retry}. */
export interface RetryOptions {
  /**
   * Most retries of one call (so at most `limit + 1` attempts).
   * @default 2
   */
  readonly limit?: number;
  /**
   * Longest `Retry-After` honoured, in milliseconds. A server that asks for a longer wait gets no
   * retry: the caller receives its 503 (or the OVERLOADED error) at once, rather than waiting
   * longer than this or sooner than the server asked.
   * @default 10_000
   */
  readonly maxRetryAfterMs?: number;
}

/** @internal Retry options after defaults. */
export interface ResolvedRetry {
  readonly limit: number;
  readonly maxRetryAfterMs: number;
}

/**
 * Methods whose repetition has the same effect as one request (RFC 9110 section 9.2.2), and which
 * fetch and browsers replay on their own after a lost connection. POST and PATCH are retried only
 * with an `Idempotency-Key` header (draft-ietf-httpapi-idempotency-key-header), which lets the
 * server recognise a repetition.
 */
const IDEMPOTENT_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE']);

/** Whether a call may be sent again without changing what it does. */
export function isIdempotent(request: OutgoingRequest): boolean {
  if (IDEMPOTENT_METHODS.has(request.method)) return true;
  return request.headers.some(([name]) => name === 'idempotency-key'); // names are lower-case
}

/**
 * Milliseconds a `Retry-After` value asks for: delay-seconds or an HTTP-date (RFC 9110 section
 * 10.2.3); undefined when missing or unreadable (then there is no advice to honour, and no retry).
 */
export function parseRetryAfter(
  value: string | null | undefined,
  now: number = Date.now(),
): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  if (/^\d{1,10}$/.test(text)) return Number(text) * 1000;
  if (!/^[A-Za-z]{3}, \d{2} [A-Za-z]{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/.test(text)) return undefined;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * How long to wait before sending a shed call again, or undefined for no retry. A call is shed when
 * its result is a 503 with `Retry-After` (the server's admission control, or the app's own: RFC 9110
 * gives both the same meaning), or when its whole batch was refused OVERLOADED. Only idempotent calls
 * are retried, at most `limit` times, and only when the server's wait fits `maxRetryAfterMs`.
 */
export function shedRetryDelay(
  request: OutgoingRequest,
  outcome: { readonly frame: ResultFrame } | { readonly error: unknown },
  retriesSoFar: number,
  options: ResolvedRetry,
): number | undefined {
  // The outcome first: nearly every frame is not a 503, and that is one comparison.
  if ('frame' in outcome && outcome.frame.status !== 503) return undefined;
  if (retriesSoFar >= options.limit || !isIdempotent(request)) return undefined;
  let waitMs: number | undefined;
  if ('frame' in outcome) {
    const header = outcome.frame.headers.find(([name]) => name === 'retry-after');
    waitMs = parseRetryAfter(header?.[1]);
  } else {
    const { error } = outcome;
    if (!isWirepackError(error) || error.code !== 'OVERLOADED') return undefined;
    waitMs = error.retryAfter === undefined ? undefined : error.retryAfter * 1000;
  }
  if (waitMs === undefined || waitMs > options.maxRetryAfterMs) return undefined;
  // Up to 20% later than asked, never sooner: clients shed together should not return together.
  return Math.min(options.maxRetryAfterMs, waitMs * (1 + Math.random() * 0.2));
}

/** Waits `ms`, or rejects with the signal's reason as soon as it aborts. */
export function delay(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortReason(signal));
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortReason(signal as AbortSignal));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
