import {
  BATCH_MEDIA_TYPE,
  CANCEL_MEDIA_TYPE,
  type DecodeLimits,
  FRAMES_MEDIA_TYPE,
  type Frame,
  fromProblem,
  isMediaType,
  PROBLEM_MEDIA_TYPE,
  readFrameGroups,
  WirepackError,
} from '@wirepack/protocol';
import type { ContentCoding } from './request-compression.ts';
import { parseRetryAfter } from './retry.ts';
import { detectRuntime } from './runtime.ts';

/** The HTTP side of batching: posts bodies to the endpoint and turns answers into frames or errors. */
export interface TransportOptions {
  readonly endpoint: URL;
  readonly fetch: typeof globalThis.fetch;
  /**
   * `fetch` is the runtime's own, so the `Accept-Encoding` it decodes is known (runtime.ts); a fetch
   * given as an option is asked for nothing it may not decode.
   */
  readonly runtimeFetch: boolean;
  readonly headers: HeadersInit | (() => HeadersInit) | undefined;
  readonly credentials: RequestCredentials;
  readonly limits: DecodeLimits;
}

/** A batch request that the server accepted: its frames, and what it advertised. */
export interface BatchAnswer {
  /** The frames of each message as they arrive (a results frame's results together). */
  readonly frames: AsyncGenerator<readonly Frame[], void, undefined>;
  /** The response's `Accept-Encoding` header: codings the server reads (RFC 7694). */
  readonly acceptEncoding: string | null;
}

/**
 * Posts a batch body and returns its frame stream. Every failure is a {@link WirepackError}
 * naming its cause: NETWORK (fetch rejected: connection, DNS, CORS), the server's own code from
 * problem details for a non-200 answer (BODY_TOO_LARGE, TOO_MANY_CALLS, ...), or BAD_RESPONSE
 * with the status for anything else (a proxy's 502 page, a 200 that is not a frame stream).
 */
export async function postBatch(
  options: TransportOptions,
  body: Uint8Array,
  coding: ContentCoding | undefined,
  signal: AbortSignal,
  priority: RequestPriority,
): Promise<BatchAnswer> {
  const headers = new Headers(typeof options.headers === 'function' ? options.headers() : options.headers);
  headers.set('content-type', BATCH_MEDIA_TYPE);
  headers.set('accept', FRAMES_MEDIA_TYPE);
  if (coding !== undefined) headers.set('content-encoding', coding);
  const responseCodings = options.runtimeFetch ? detectRuntime().responseCodings : undefined;
  if (responseCodings !== undefined && !headers.has('accept-encoding')) {
    headers.set('accept-encoding', responseCodings);
  }
  let response: Response;
  try {
    response = await options.fetch(options.endpoint, {
      method: 'POST',
      headers,
      body: body as Uint8Array<ArrayBuffer>,
      credentials: options.credentials,
      signal,
      priority,
    });
  } catch (error) {
    throw new WirepackError('NETWORK', `[wirepack/client] the batch request failed: ${describe(error)}`, {
      cause: error,
    });
  }
  const contentType = response.headers.get('content-type');
  if (response.status !== 200 || !isMediaType(contentType, FRAMES_MEDIA_TYPE)) {
    throw await answerError(response, contentType);
  }
  if (response.body === null) {
    throw new WirepackError('BAD_RESPONSE', '[wirepack/client] the batch response has no body', {
      status: 200,
    });
  }
  return {
    frames: readFrameGroups(response.body, { limits: options.limits }),
    acceptEncoding: response.headers.get('accept-encoding'),
  };
}

/**
 * Asks the server to abort calls of a running batch. Fire and forget: `keepalive` lets it leave
 * even while the page unloads, and its failures are ignored on purpose, because the caller has
 * already been rejected and the worst outcome of a lost cancel is a sub-request that runs to
 * completion and whose result nobody reads. Resolves once the server has answered (or the post
 * failed), never rejects: a caller may wait for it before dropping the batch request.
 */
export function postCancel(options: TransportOptions, body: Uint8Array): Promise<void> {
  try {
    const headers = new Headers(typeof options.headers === 'function' ? options.headers() : options.headers);
    headers.set('content-type', CANCEL_MEDIA_TYPE);
    return options
      .fetch(options.endpoint, {
        method: 'POST',
        headers,
        body: body as Uint8Array<ArrayBuffer>,
        credentials: options.credentials,
        keepalive: true,
      })
      .then(
        (response) => response.body?.cancel().catch(ignore),
        ignore, // see above: a lost cancel is harmless
      );
  } catch {
    // A synchronous throw from a custom fetch or headers function: ignored for the same reason.
    return Promise.resolve();
  }
}

async function answerError(response: Response, contentType: string | null): Promise<WirepackError> {
  const status = response.status;
  if (isMediaType(contentType, PROBLEM_MEDIA_TYPE)) {
    const problem = await response.json().catch(() => undefined);
    const error = fromProblem(problem, status);
    if (error !== undefined) {
      const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
      return new WirepackError(
        error.code,
        `[wirepack/client] the batch was refused (${status} ${error.code}): ${error.message}`,
        retryAfterMs === undefined ? { status } : { status, retryAfter: retryAfterMs / 1000 },
      );
    }
  } else {
    await response.body?.cancel().catch(ignore); // nothing to read in an answer we cannot use
  }
  return new WirepackError(
    'BAD_RESPONSE',
    `[wirepack/client] the batch endpoint answered ${status} ${contentType ?? 'without a content type'}, not a wirepack frame stream`,
    { status: status === 200 ? 502 : status },
  );
}

function ignore(): void {
  // Intentionally empty: used where a failure changes nothing for any caller (see call sites).
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
