import type { Priority, ResultFrame } from '@wirepack/protocol';
import { abortReason } from './abort.ts';
import { estimateCallBytes } from './batch-encoding.ts';
import type { OutgoingRequest } from './outgoing-request.ts';

/**
 * Someone waiting for a call's result: one caller of `batchFetch()` or `call()`. It is also its own
 * abort listener (`handleEvent`), so waiting costs no closure per call.
 */
export interface CallWaiter {
  readonly signal: AbortSignal | undefined;
  /** The call it waits for, while it waits (set by {@link PendingCall.subscribe}). */
  call: PendingCall | undefined;
  settle(frame: ResultFrame): void;
  fail(error: unknown): void;
  /** The signal aborted: leave the call (see CallWaiter's implementations). */
  handleEvent(): void;
}

/** What a sent call reports to when all its waiters left: its batch, which cancels it on the server. */
export interface CallOwner {
  cancel(id: number): void;
}

/** Who stops sharing a call once it can no longer be shared (the queue's dedupe). */
export interface ShareRegistry {
  forget(key: string, call: PendingCall): void;
}

/**
 * One sub-request and everyone waiting for it: a call, or several identical GETs sharing it
 * (dedupe). It settles exactly once; each waiter can leave on its own through its signal. When the
 * last one leaves, the call is abandoned: a queued call is dropped from its batch before sending, a
 * sent call is cancelled on the server through its batch.
 *
 * Nearly every call has one waiter, held in `first`; only shared calls make an array.
 */
export class PendingCall {
  readonly request: OutgoingRequest;
  /** Upper bound of the call's encoded size (see batch-encoding.ts). */
  readonly size: number;
  state: 'queued' | 'sent' | 'settled' | 'abandoned' = 'queued';
  /** The batch that sent the call, and the call's id in it. */
  private owner: CallOwner | undefined;
  private id = 0;
  private first: CallWaiter | undefined;
  private others: CallWaiter[] | undefined;

  constructor(
    request: OutgoingRequest,
    /** The dedupe key the call is shared under, if it is. */
    private readonly shareKey: string | undefined = undefined,
    private readonly registry: ShareRegistry | undefined = undefined,
  ) {
    this.request = request;
    this.size = estimateCallBytes(request);
  }

  /** Whether anyone still waits for the result. */
  get live(): boolean {
    return this.first !== undefined;
  }

  /** The call has not left with a batch yet. */
  get queued(): boolean {
    return this.state === 'queued';
  }

  /** Its priority lane. */
  get priority(): Priority {
    return this.request.priority;
  }

  /** Marks the call sent as `id` of `owner`, which is told when everyone leaves. */
  sent(owner: CallOwner, id: number): void {
    this.state = 'sent';
    this.owner = owner;
    this.id = id;
  }

  /** Adds a waiter; it leaves with the signal's reason when the signal aborts (not already aborted). */
  subscribe(waiter: CallWaiter): void {
    waiter.call = this;
    if (this.first === undefined) this.first = waiter;
    else if (this.others === undefined) this.others = [waiter];
    else this.others.push(waiter);
    waiter.signal?.addEventListener('abort', waiter, { once: true });
  }

  /** Settles every waiter with the frame; each after the first gets its own copy of a JSON value. */
  resolve(frame: ResultFrame): void {
    const first = this.finish();
    if (first === undefined) return;
    const others = this.others;
    this.others = undefined;
    detach(first);
    first.settle(frame);
    if (others === undefined) return;
    for (const waiter of others) {
      detach(waiter);
      waiter.settle(copyFrame(frame));
    }
  }

  /** Rejects every waiter with the error. */
  reject(error: unknown): void {
    const first = this.finish();
    if (first === undefined) return;
    const others = this.others;
    this.others = undefined;
    detach(first);
    first.fail(error);
    for (const waiter of others ?? []) {
      detach(waiter);
      waiter.fail(error);
    }
  }

  /** A waiter's signal aborted: it rejects with the reason, and the call is abandoned if it was the last. */
  leave(waiter: CallWaiter): void {
    if (waiter.call !== this) return;
    if (this.first === waiter) this.first = this.others?.shift();
    else {
      const index = this.others?.indexOf(waiter) ?? -1;
      if (index === -1) return;
      this.others?.splice(index, 1);
    }
    detach(waiter);
    waiter.fail(abortReason(waiter.signal as AbortSignal));
    if (this.first !== undefined || this.state === 'settled') return;
    const wasSent = this.state === 'sent';
    this.state = 'abandoned';
    this.unshare();
    if (wasSent) this.owner?.cancel(this.id);
  }

  /** The first waiter when the call settles now, undefined when it already settled or was abandoned. */
  private finish(): CallWaiter | undefined {
    if (this.state === 'settled' || this.state === 'abandoned') return undefined;
    this.state = 'settled';
    this.unshare();
    const first = this.first;
    this.first = undefined;
    return first;
  }

  private unshare(): void {
    if (this.shareKey !== undefined) this.registry?.forget(this.shareKey, this);
  }
}

function detach(waiter: CallWaiter): void {
  waiter.call = undefined;
  waiter.signal?.removeEventListener('abort', waiter);
}

/** A frame whose JSON value the receiver may mutate without affecting anyone else. */
export function copyFrame(frame: ResultFrame): ResultFrame {
  if (frame.body.kind !== 'json') return frame; // bytes are copied by every Response built from them
  return { ...frame, body: { kind: 'json', value: structuredClone(frame.body.value) } };
}
