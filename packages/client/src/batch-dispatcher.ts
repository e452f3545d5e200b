import {
  createBatchId,
  encodeBatchRequest,
  encodeCancelMessage,
  isWirepackError,
  type Priority,
  WirepackError,
} from '@wirepack/protocol';
import { toSubRequest } from './batch-encoding.ts';
import type { CallOwner, PendingCall } from './pending-call.ts';
import type { RequestCompressor } from './request-compression.ts';
import { type BatchAnswer, postBatch, postCancel, type TransportOptions } from './transport.ts';

/**
 * Sends batches of calls and settles each call from its frame as frames arrive (completion
 * order). Every call settles: a result frame resolves it, an error frame rejects it, a fatal
 * frame or a transport failure rejects every call still open, and calls left without a frame
 * when the stream ends reject with MISSING_RESULT.
 */
export class BatchDispatcher {
  constructor(
    private readonly transport: TransportOptions,
    private readonly compressor: RequestCompressor,
  ) {}

  /** Sends one batch; never throws (failures reject the batch's calls). */
  send(calls: readonly PendingCall[], priority: Priority): void {
    let batch: Batch;
    try {
      batch = new Batch(this.transport, this.compressor, calls);
    } catch (error) {
      // No batch id (a runtime without crypto.getRandomValues): the calls must still settle.
      const failure = normalize(error);
      for (const call of calls) call.reject(failure);
      return;
    }
    void batch.run(priority);
  }
}

class Batch implements CallOwner {
  private readonly batchId = createBatchId();
  /** Calls still waiting for a frame, by id (the call's index; a settled or cancelled one is undefined). */
  private readonly open: Array<PendingCall | undefined>;
  private openCount: number;
  private readonly controller = new AbortController();
  private pendingCancels: number[] = [];
  /** The batch request has been handed to fetch. */
  private posted = false;
  /** Its response head arrived: the server has registered the batch. */
  private started = false;
  private readonly whenStarted: Promise<void>;
  private markStarted: () => void = () => {};

  constructor(
    private readonly transport: TransportOptions,
    private readonly compressor: RequestCompressor,
    private readonly calls: readonly PendingCall[],
  ) {
    this.whenStarted = new Promise((resolve) => {
      this.markStarted = resolve;
    });
    this.open = calls.slice();
    this.openCount = calls.length;
    for (let id = 0; id < calls.length; id++) (calls[id] as PendingCall).sent(this, id);
  }

  async run(priority: Priority): Promise<void> {
    try {
      const plain = encodeBatchRequest({
        batchId: this.batchId,
        calls: this.calls.map((call, id) => toSubRequest(call.request, id)),
      });
      const answer = await this.post(plain, priority);
      this.started = true;
      this.markStarted();
      this.compressor.noteAcceptEncoding(answer.acceptEncoding);
      // One step per message: the results that left the server together settle together.
      for await (const group of answer.frames) {
        for (const frame of group) {
          if (frame.kind === 'result') {
            this.take(frame.id)?.resolve(frame);
          } else if (frame.kind === 'error') {
            const call = this.take(frame.id);
            call?.reject(
              new WirepackError(
                frame.code,
                `[wirepack/client] ${call.request.method} ${call.request.url.pathname} failed on the server (${frame.code}): ${frame.message}`,
              ),
            );
          } else if (frame.kind === 'fatal') {
            throw new WirepackError(
              frame.code,
              `[wirepack/client] the batch failed on the server: ${frame.message}`,
            );
          }
        }
      }
      // Only when some call is left: an error object (its stack) per batch costs more than a call.
      if (this.openCount > 0) {
        this.rejectOpen(
          new WirepackError(
            'MISSING_RESULT',
            '[wirepack/client] the batch response ended without a result for this call',
          ),
        );
      }
    } catch (error) {
      this.rejectOpen(normalize(error));
    } finally {
      this.markStarted(); // releases cancels waiting for a response that will never start
    }
  }

  /** Posts the body, compressed when worthwhile; resends it uncompressed once if the coding is refused. */
  private async post(plain: Uint8Array, priority: Priority): Promise<BatchAnswer> {
    const { bytes, coding } = await this.compressor.encode(plain);
    const signal = this.controller.signal;
    this.posted = true;
    try {
      return await postBatch(this.transport, bytes, coding, signal, priority);
    } catch (error) {
      // A 415 means the server read none of it: resending is safe even for non-idempotent calls.
      if (coding === undefined || !isWirepackError(error) || error.code !== 'UNSUPPORTED_ENCODING')
        throw error;
      this.compressor.refuse(coding);
      return postBatch(this.transport, plain, undefined, signal, priority);
    }
  }

  private take(id: number): PendingCall | undefined {
    // Unknown ids (a call already cancelled, whose result raced its cancel) are dropped.
    const call = this.open[id];
    if (call === undefined) return undefined;
    this.open[id] = undefined;
    this.openCount--;
    return call;
  }

  private rejectOpen(error: WirepackError): void {
    const calls = this.open.splice(0);
    this.openCount = 0;
    for (const call of calls) call?.reject(error);
  }

  /** Cancels a call whose callers all left: on the server, and the whole request if it was the last. */
  cancel(id: number): void {
    if (this.take(id) === undefined) return;
    this.pendingCancels.push(id);
    // Cancels of the same tick travel in one message.
    if (this.pendingCancels.length === 1) queueMicrotask(() => this.flushCancels());
  }

  private flushCancels(): void {
    const ids = this.pendingCancels;
    this.pendingCancels = [];
    const body = encodeCancelMessage({ batchId: this.batchId, ids });
    const sendCancel = (): Promise<void> => postCancel(this.transport, body);
    const dropping = this.openCount === 0;
    // Before the request leaves, the server cannot know the batch: wait for its response head.
    const sent = this.posted ? sendCancel() : undefined;
    if (!this.started && !dropping) {
      // Not answered yet: the cancel may overtake the batch on another connection and find a
      // server that does not know this batch id yet, so it is sent again once the response head
      // (sent after the batch is registered) arrives. A repeated cancel is a no-op on the server.
      // (A batch being dropped needs no second message: the server holds an early cancel, and the
      // request's close ends the batch anyway.)
      void this.whenStarted.then(() => {
        if (this.started && !this.controller.signal.aborted) sendCancel();
      });
    }
    if (dropping) {
      // Nobody waits for anything in this batch: drop the request too, so the server sees the
      // connection close and aborts whatever still runs. After the cancel is answered, not with it:
      // a close that overtook the cancel ended the batch first, and the cancel then got a 404
      // UNKNOWN_BATCH, which a browser logs as a console error (test/regression/cancel-after-batch-ended).
      // Bounded, so a cancel that never gets an answer cannot keep the request open.
      if (sent === undefined) this.controller.abort();
      else void settleWithin(sent, DROP_AFTER_CANCEL_MS).then(() => this.controller.abort());
    }
  }
}

/** How long a dropped batch's request waits for its cancel message's answer before it is aborted. */
const DROP_AFTER_CANCEL_MS = 2000;

/** Resolves when `promise` settles or after `ms`, whichever comes first. */
function settleWithin(promise: Promise<void>, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    void promise.finally(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

function normalize(error: unknown): WirepackError {
  if (isWirepackError(error)) return error;
  return new WirepackError('INTERNAL', `[wirepack/client] the batch failed: ${describe(error)}`, {
    cause: error,
  });
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
