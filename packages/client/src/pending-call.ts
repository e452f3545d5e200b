import type { ResultFrame } from '@wirepack/protocol';
import { abortReason } from './abort.ts';
import { estimateCallBytes } from './batch-encoding.ts';
import type { OutgoingRequest } from './outgoing-request.ts';

interface Subscriber {
  readonly resolve: (frame: ResultFrame) => void;
  readonly reject: (error: unknown) => void;
  readonly signal: AbortSignal | undefined;
  readonly onAbort: (() => void) | undefined;
}

/**
 * One sub-request and everyone waiting for it: a call, or several identical GETs sharing it
 * (dedupe). It settles exactly once; each subscriber can leave on its own through its signal.
 * When the last one leaves, the call is abandoned: a queued call is dropped from its batch
 * before sending, a sent call is cancelled on the server (see `onAbandon`).
 */
export class PendingCall {
  readonly request: OutgoingRequest;
  /** Upper bound of the call's encoded size (see batch-encoding.ts). */
  readonly size: number;
  state: 'queued' | 'sent' | 'settled' | 'abandoned' = 'queued';
  /** Set by the batch that sends the call: cancels it on the server. */
  onAbandon: (() => void) | undefined;
  /** Set by the dedupe map: forgets the call once it can no longer be shared. */
  onFinish: (() => void) | undefined;
  private subscribers: Subscriber[] = [];

  constructor(request: OutgoingRequest) {
    this.request = request;
    this.size = estimateCallBytes(request);
  }

  /** Whether anyone still waits for the result. */
  get live(): boolean {
    return this.subscribers.length > 0;
  }

  /** Waits for the call's result frame; rejects at once with the signal's reason on abort. */
  subscribe(signal: AbortSignal | undefined): Promise<ResultFrame> {
    return new Promise<ResultFrame>((resolve, reject) => {
      if (signal?.aborted) {
        reject(abortReason(signal));
        return;
      }
      const onAbort = signal === undefined ? undefined : () => this.leave(subscriber);
      const subscriber: Subscriber = { resolve, reject, signal, onAbort };
      this.subscribers.push(subscriber);
      if (onAbort !== undefined) signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Settles every subscriber with the frame; each after the first gets its own copy of a JSON value. */
  resolve(frame: ResultFrame): void {
    if (!this.finish()) return;
    const subscribers = this.subscribers;
    this.subscribers = [];
    for (let index = 0; index < subscribers.length; index++) {
      const subscriber = subscribers[index] as Subscriber;
      detach(subscriber);
      subscriber.resolve(index === 0 ? frame : copyFrame(frame));
    }
  }

  /** Rejects every subscriber with the error. */
  reject(error: unknown): void {
    if (!this.finish()) return;
    for (const subscriber of this.subscribers.splice(0)) {
      detach(subscriber);
      subscriber.reject(error);
    }
  }

  private finish(): boolean {
    if (this.state === 'settled' || this.state === 'abandoned') return false;
    this.state = 'settled';
    this.onFinish?.();
    return true;
  }

  private leave(subscriber: Subscriber): void {
    const index = this.subscribers.indexOf(subscriber);
    if (index === -1) return;
    this.subscribers.splice(index, 1);
    detach(subscriber);
    subscriber.reject(abortReason(subscriber.signal as AbortSignal));
    if (this.subscribers.length > 0 || this.state === 'settled') return;
    const wasSent = this.state === 'sent';
    this.state = 'abandoned';
    this.onFinish?.();
    if (wasSent) this.onAbandon?.();
  }
}

function detach(subscriber: Subscriber): void {
  if (subscriber.onAbort !== undefined) subscriber.signal?.removeEventListener('abort', subscriber.onAbort);
}

/** A frame whose JSON value the receiver may mutate without affecting anyone else. */
export function copyFrame(frame: ResultFrame): ResultFrame {
  if (frame.body.kind !== 'json') return frame; // bytes are copied by every Response built from them
  return { ...frame, body: { kind: 'json', value: structuredClone(frame.body.value) } };
}
