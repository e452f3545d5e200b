import type { ResultFrame } from '@wirepack/protocol';
import { NO_BODY } from '@wirepack/protocol';
import { describe, expect, it } from 'vitest';
import type { OutgoingRequest } from './outgoing-request.ts';
import { type CallWaiter, PendingCall } from './pending-call.ts';

const request: OutgoingRequest = {
  url: new URL('http://app.test/api/users/1'),
  method: 'GET',
  headers: [],
  body: NO_BODY,
  priority: 'auto',
  redirect: 'follow',
  signal: undefined,
};

const frame: ResultFrame = {
  kind: 'result',
  id: 0,
  status: 200,
  headers: [['content-type', 'application/json']],
  body: { kind: 'json', value: { list: [1] } },
};

/** A waiter that records what it got. */
class Waiter implements CallWaiter {
  call: PendingCall | undefined;
  frames: ResultFrame[] = [];
  errors: unknown[] = [];
  constructor(readonly signal: AbortSignal | undefined = undefined) {}
  settle(got: ResultFrame): void {
    this.frames.push(got);
  }
  fail(error: unknown): void {
    this.errors.push(error);
  }
  handleEvent(): void {
    this.call?.leave(this);
  }
}

describe('PendingCall', () => {
  it('settles every waiter once, each after the first with its own copy of a JSON value', () => {
    const call = new PendingCall(request);
    const [a, b] = [new Waiter(), new Waiter()];
    call.subscribe(a);
    call.subscribe(b);
    call.resolve(frame);
    call.resolve(frame);
    call.reject(new Error('late'));
    expect(a.frames).toEqual([frame]);
    expect(a.frames[0]).toBe(frame);
    expect(b.frames[0]).toEqual(frame);
    expect(b.frames[0]?.body).not.toBe(frame.body);
    expect([a.errors, b.errors]).toEqual([[], []]);
    expect(call.state).toBe('settled');
  });

  it('rejects a leaving waiter with its signal reason and keeps the call for the others', () => {
    const controller = new AbortController();
    const call = new PendingCall(request);
    const cancels: number[] = [];
    call.sent({ cancel: (id) => cancels.push(id) }, 7);
    const [leaving, staying] = [new Waiter(controller.signal), new Waiter()];
    call.subscribe(leaving);
    call.subscribe(staying);
    controller.abort(new Error('user left'));
    expect(leaving.errors).toEqual([new Error('user left')]);
    expect(call.live).toBe(true);
    expect(cancels).toEqual([]);
    call.resolve(frame);
    expect(staying.frames).toHaveLength(1);
    expect(leaving.frames).toHaveLength(0);
  });

  it('is abandoned when its last waiter leaves: a sent call is cancelled by its batch, a queued one is not', () => {
    const sentSignal = new AbortController();
    const sent = new PendingCall(request, 'GET key', { forget: (key) => forgotten.push(key) });
    const forgotten: string[] = [];
    const cancels: number[] = [];
    sent.sent({ cancel: (id) => cancels.push(id) }, 3);
    sent.subscribe(new Waiter(sentSignal.signal));
    sentSignal.abort();
    expect([sent.state, sent.live, cancels, forgotten]).toEqual(['abandoned', false, [3], ['GET key']]);

    const queuedSignal = new AbortController();
    const queued = new PendingCall(request);
    queued.subscribe(new Waiter(queuedSignal.signal));
    queuedSignal.abort();
    expect([queued.state, queued.live, queued.queued]).toEqual(['abandoned', false, false]);
    expect(cancels).toEqual([3]);
  });

  it('stops listening to the signal once settled', () => {
    const controller = new AbortController();
    const call = new PendingCall(request);
    const waiter = new Waiter(controller.signal);
    call.subscribe(waiter);
    call.resolve(frame);
    controller.abort();
    expect(waiter.errors).toEqual([]);
    expect(waiter.call).toBeUndefined();
  });
});
