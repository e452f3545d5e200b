import {
  BATCH_MEDIA_TYPE,
  CANCEL_MEDIA_TYPE,
  decodeBatchRequest,
  decodeCancelMessage,
  FRAMES_MEDIA_TYPE,
  isMediaType,
  isWirepackError,
  PROBLEM_MEDIA_TYPE,
  toProblem,
  WirepackError,
} from '@wirepack/protocol';
import { withAdmission } from './admission/with-admission.ts';
import { BatchRun } from './batch-run.ts';
import { acceptedRequestCodings } from './compression.ts';
import { EarlyCancels } from './early-cancels.ts';
import { Metrics, type MetricsObserver, type MetricsSnapshot } from './metrics.ts';
import { type BatchHandlerOptions, type ErrorInfo, type ResolvedOptions, resolveOptions } from './options.ts';
import { pathnameOf } from './pathname-of.ts';
import { type ReadBodyOptions, readBody } from './read-body.ts';
import { inheritedHeaders } from './sub-request.ts';

/** What {@link createBatchHandler} returns: a Web-standard handler with a metrics reader. */
export interface BatchHandler<TEnv = unknown, TExecutionContext = unknown> {
  /**
   * Answers one request. `env` and `ctx` (Cloudflare Workers' bindings and execution context) are
   * handed on to the app's `fetch` for pass-through requests and for every call of a batch.
   */
  (request: Request, env?: TEnv, ctx?: TExecutionContext): Promise<Response>;
  /** Counters and latency quantiles since the handler was created. */
  metrics(): MetricsSnapshot;
  /** The endpoint path this handler answers. */
  readonly endpoint: string;
  /**
   * Installs the one observer that sees each batch, call and refusal as it happens (the Prometheus
   * adapter of `@wirepack/server/metrics` uses it); returns a function that removes it.
   */
  observe(observer: MetricsObserver): () => void;
}

/**
 * Serves the wirepack batch endpoint in front of an app, and hands every other request to the app.
 *
 * - `POST <endpoint>` with a batch body runs each call as a `Request` to `options.fetch` and streams a
 *   frame per call as it finishes (same-tick results share a chunk), then the end frame.
 * - `POST <endpoint>` with a cancel body aborts named calls of a running batch (204), is held for a batch
 *   not seen yet and applied when it arrives (202), or answers 404 UNKNOWN_BATCH for one that has ended.
 * - Anything refused before streaming gets `application/problem+json` with the error's status.
 *
 * @example
 * ```ts
 * import { Hono } from 'hono';
 * import { createBatchHandler } from '@wirepack/server';
 *
 * const app = new Hono().get('/api/users/:id', (c) => c.json({ id: c.req.param('id') }));
 * export default { fetch: createBatchHandler({ fetch: app.fetch }) };
 * ```
 */
export function createBatchHandler<TContext = unknown, TEnv = unknown, TExecutionContext = unknown>(
  options: BatchHandlerOptions<TContext, TEnv, TExecutionContext>,
): BatchHandler<TEnv, TExecutionContext> {
  const resolved = resolveOptions(options);
  const { endpoint, limits } = resolved;
  const metrics = new Metrics();
  const running = new Map<string, BatchRun<TContext>>();
  const early = new EarlyCancels();
  const acceptEncoding = acceptedRequestCodings(resolved.decoders);
  // Plain requests share the server-wide permits with the calls of batches (which take theirs one by
  // one in BatchRun, so the batch request itself is not admitted).
  const plain = (
    resolved.admission === undefined
      ? resolved.fetch
      : withAdmission(
          resolved.fetch,
          resolved.admission,
          resolved.priorityOf === undefined ? {} : { priorityOf: resolved.priorityOf },
        )
  ) as (request: Request, ...extra: unknown[]) => Response | Promise<Response>;
  const bodyOptions: ReadBodyOptions = {
    maxBytes: limits.maxBodyBytes,
    maxDecodedBytes: limits.maxDecompressedBytes,
    decoders: resolved.decoders,
    timeoutMs: limits.bodyTimeoutMs,
    minBytesPerSecond: limits.minBodyBytesPerSecond,
  };

  // Rest arguments: Workers call `fetch(request, env, ctx)`, Node adapters `fetch(request)`; the app
  // sees exactly what the runtime passed (a Hono app reads `c.env` and `c.executionCtx` from them).
  const handler = async (request: Request, ...extra: unknown[]): Promise<Response> => {
    if (pathnameOf(request.url) !== endpoint) return plain(request, ...extra);
    const url = new URL(request.url);
    try {
      if (request.method !== 'POST') {
        throw new WirepackError('METHOD_NOT_ALLOWED', `the batch endpoint takes POST, not ${request.method}`);
      }
      const contentType = request.headers.get('content-type');
      if (isMediaType(contentType, BATCH_MEDIA_TYPE)) return await startBatch(request, url, extra);
      if (isMediaType(contentType, CANCEL_MEDIA_TYPE)) return await cancel(request);
      throw new WirepackError(
        'UNSUPPORTED_MEDIA_TYPE',
        `the batch endpoint reads ${BATCH_MEDIA_TYPE} and ${CANCEL_MEDIA_TYPE}`,
      );
    } catch (error) {
      discardBody(request);
      return problemResponse(error, resolved, metrics, acceptEncoding);
    }
  };

  async function startBatch(request: Request, url: URL, extra: readonly unknown[]): Promise<Response> {
    const arrivedAt = performance.now();
    // The body is read before the batch takes a slot: a client trickling its body holds a connection
    // and a few bytes, never one of the maxConcurrentBatches (issue 9: three clients at 1 byte/s kept a
    // limit-3 server at 503). The read has its own deadline (bodyTimeoutMs, minBodyBytesPerSecond).
    const { bytes, received } = await readBody(request, bodyOptions);
    const batch = decodeBatchRequest(bytes, limits.decode, limits.maxCalls, limits.maxCallBytes);
    if (metrics.activeBatches >= limits.maxConcurrentBatches) {
      throw new WirepackError('OVERLOADED', 'too many batches are running; retry later');
    }
    if (running.has(batch.batchId)) {
      throw new WirepackError('INVALID_ENVELOPE', 'a batch with this id is already running');
    }
    if (metrics.pendingCalls + batch.calls.length > limits.maxPendingCalls) {
      throw new WirepackError('OVERLOADED', 'too many calls are waiting; retry later');
    }
    metrics.activeBatches++;
    let admitted = false;
    let onClientGone: (() => void) | undefined;
    try {
      const context = resolved.createContext?.(
        request,
        batch.calls.map(({ id, method, path }) => ({ id, method, path })),
      ) as TContext;
      const run = new BatchRun<TContext>({
        options: resolved,
        metrics,
        parent: {
          origin: url.origin,
          endpoint,
          inherited: inheritedHeaders(request, resolved.inheritHeaders),
          maxHeaderBytes: limits.maxHeaderBytes,
          maxHeaderCount: limits.maxHeaderCount,
        },
        context,
        batch,
        request,
        extra,
        arrivedAt,
        bytesIn: received,
        onDone: () => {
          metrics.activeBatches--;
          running.delete(batch.batchId);
          early.finish(batch.batchId);
          // The batch request's signal can outlive the batch: Request registers its signal in a
          // FinalizationRegistry (undici's requestFinalizer), whose held value keeps the signal, so a
          // listener left on it kept this BatchRun and the request it holds (the registry's own
          // target) alive forever: every batch ever served stayed in memory.
          if (onClientGone !== undefined) request.signal.removeEventListener('abort', onClientGone);
        },
      });
      admitted = true;
      metrics.admit(batch.calls.length, received);
      running.set(batch.batchId, run);
      if (request.signal.aborted) {
        run.abandon();
      } else {
        onClientGone = () => run.abandon();
        request.signal.addEventListener('abort', onClientGone, { once: true });
      }
      // Cancels that overtook this batch (sent while its body was still on the way) apply before any call starts.
      run.start(early.take(batch.batchId));
      const headers = new Headers({
        'content-type': FRAMES_MEDIA_TYPE,
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
        // RFC 7694: the codings this server reads in request bodies, so clients may compress the next batch.
        'accept-encoding': acceptEncoding,
      });
      // Uncompressed: the Node adapters' compression stage (or the platform) compresses frame streams.
      const body = run.sink.stream;
      return new Response(body, { status: 200, headers });
    } finally {
      if (!admitted) metrics.activeBatches--;
    }
  }

  async function cancel(request: Request): Promise<Response> {
    const { bytes } = await readBody(request, {
      ...bodyOptions,
      maxBytes: limits.maxCancelBytes,
      maxDecodedBytes: limits.maxCancelBytes,
    });
    const message = decodeCancelMessage(bytes, limits.decode);
    const run = running.get(message.batchId);
    if (run !== undefined) {
      metrics.cancels++;
      run.cancel(message.ids); // ids already answered are skipped: a repeated cancel is a no-op
      return new Response(null, { status: 204 });
    }
    if (early.hasFinished(message.batchId)) {
      throw new WirepackError('UNKNOWN_BATCH', 'no running batch has this id (it has finished)');
    }
    // Not seen yet: the cancel may have overtaken its batch. Held briefly, applied when the batch arrives.
    metrics.cancels++;
    early.hold(message.batchId, message.ids);
    return new Response(null, { status: 202 });
  }

  return Object.assign(handler, {
    metrics: (): MetricsSnapshot => metrics.snapshot(),
    endpoint,
    observe: (observer: MetricsObserver): (() => void) => metrics.observe(observer),
  });
}

/** A problem+json answer for a batch refused before streaming; unexpected errors become a generic 500. */
function problemResponse<TContext>(
  error: unknown,
  options: ResolvedOptions<TContext>,
  metrics: Metrics,
  acceptEncoding: string,
): Response {
  let coded: WirepackError;
  if (isWirepackError(error)) {
    coded = error;
  } else {
    const info: ErrorInfo = { batchId: undefined };
    try {
      options.onError(error, info);
    } catch {
      // A failing logger must not turn a 500 into a crash.
    }
    coded = new WirepackError('INTERNAL', 'the batch could not be processed');
  }
  metrics.refuse(coded.code);
  const headers = new Headers({ 'content-type': PROBLEM_MEDIA_TYPE, 'cache-control': 'no-store' });
  if (coded.code === 'METHOD_NOT_ALLOWED') headers.set('allow', 'POST');
  if (coded.code === 'OVERLOADED') headers.set('retry-after', '1');
  // RFC 7694 section 3: a 415 for an unsupported Content-Encoding lists the ones the server reads.
  if (coded.code === 'UNSUPPORTED_ENCODING') headers.set('accept-encoding', acceptEncoding);
  return new Response(JSON.stringify(toProblem(coded)), { status: coded.status, headers });
}

/** Releases an unread request body after a refusal. */
function discardBody(request: Request): void {
  if (request.body === null || request.bodyUsed) return;
  request.body.cancel().catch(() => {
    // Already errored or closed: nothing left to release.
  });
}
