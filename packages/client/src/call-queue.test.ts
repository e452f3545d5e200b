import type { Priority } from '@wirepack/protocol';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BATCH_OVERHEAD_BYTES } from './batch-encoding.ts';
import { CallQueue, type CallQueueOptions, endOfTick, splitBySize } from './call-queue.ts';

class FakeCall {
  live = true;
  queued = true;
  constructor(
    readonly name: string,
    readonly priority: Priority = 'auto',
    readonly size = 10,
  ) {}
}

const defaults: CallQueueOptions = {
  windowMs: 0,
  maxWaitMs: 0,
  lowPriorityWindowMs: 10,
  maxBatchSize: 100,
  maxBatchBytes: 1 << 20,
};

/** A queue whose batches are recorded as `priority:name,name`; its end of tick is a 0 ms timer. */
function setup(options: Partial<CallQueueOptions> = {}) {
  const sent: string[] = [];
  const queue = new CallQueue<FakeCall>(
    (calls, priority) => {
      for (const call of calls) call.queued = false;
      sent.push(`${priority}:${calls.map((call) => call.name).join(',')}`);
    },
    { ...defaults, ...options },
    (callback) => setTimeout(callback, 0),
  );
  const add = (name: string, priority: Priority = 'auto', size?: number): FakeCall => {
    const call = new FakeCall(name, priority, size);
    queue.enqueue(call);
    return call;
  };
  return { queue, sent, add };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('CallQueue: when a batch leaves', () => {
  it('sends the calls of one tick together at the end of the tick, not before', async () => {
    const { sent, add } = setup();
    add('a');
    add('b');
    expect(sent).toEqual([]);
    await vi.advanceTimersByTimeAsync(0);
    expect(sent).toEqual(['auto:a,b']);
    add('c');
    await vi.advanceTimersByTimeAsync(0);
    expect(sent).toEqual(['auto:a,b', 'auto:c']);
  });

  it("sends 'high' calls at the end of the microtask, before the tick's batch", async () => {
    const { sent, add } = setup();
    add('a');
    add('h', 'high');
    await Promise.resolve();
    expect(sent).toEqual(['high:h']);
    await vi.advanceTimersByTimeAsync(0);
    expect(sent).toEqual(['high:h', 'auto:a']);
  });

  it("lets 'low' calls wait lowPriorityWindowMs after the latest one", async () => {
    // maxWaitMs is at least the low window: here 40 ms, as resolveOptions makes it (windowMs * 4 or more).
    const { sent, add } = setup({ lowPriorityWindowMs: 10, maxWaitMs: 40 });
    add('l1', 'low');
    await vi.advanceTimersByTimeAsync(6);
    add('l2', 'low');
    await vi.advanceTimersByTimeAsync(9);
    expect(sent).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(sent).toEqual(['low:l1,l2']);
  });

  it('with a window: windowMs after the latest call, at most maxWaitMs after the first', async () => {
    const { sent, add } = setup({ windowMs: 10, maxWaitMs: 25 });
    add('0');
    for (let i = 1; i <= 4; i++) {
      await vi.advanceTimersByTimeAsync(8);
      add(String(i));
    }
    // t = 32: the deadline fired at t = 25 with the calls made by t = 24.
    expect(sent).toEqual(['auto:0,1,2,3']);
    await vi.advanceTimersByTimeAsync(9);
    expect(sent).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(sent).toEqual(['auto:0,1,2,3', 'auto:4']);
  });

  it('gives low calls the longer of their own window and windowMs', async () => {
    const { sent, add } = setup({ windowMs: 30, maxWaitMs: 120, lowPriorityWindowMs: 10 });
    add('l', 'low');
    await vi.advanceTimersByTimeAsync(29);
    expect(sent).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(sent).toEqual(['low:l']);
  });

  it('uses the end of the tick for low calls when neither has a window', async () => {
    const { sent, add } = setup({ lowPriorityWindowMs: 0 });
    add('l', 'low');
    await vi.advanceTimersByTimeAsync(0);
    expect(sent).toEqual(['low:l']);
  });
});

describe('CallQueue: how big', () => {
  it('starts a new batch after maxBatchSize calls; both leave at the end of the tick', async () => {
    const { sent, add } = setup({ maxBatchSize: 2 });
    for (const name of ['a', 'b', 'c', 'd', 'e']) add(name);
    expect(sent).toEqual([]);
    await vi.advanceTimersByTimeAsync(0);
    expect(sent).toEqual(['auto:a,b', 'auto:c,d', 'auto:e']);
  });

  it('sends a full batch at once with a window instead of waiting for it', async () => {
    const { sent, add } = setup({ windowMs: 1000, maxBatchSize: 3 });
    for (const name of ['a', 'b', 'c']) add(name);
    expect(sent).toEqual(['auto:a,b,c']);
    add('d');
    await vi.advanceTimersByTimeAsync(999);
    expect(sent).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(sent).toEqual(['auto:a,b,c', 'auto:d']);
  });

  it('splits a batch by maxBatchBytes and sends an oversized call alone', async () => {
    const { sent, add } = setup({ maxBatchBytes: BATCH_OVERHEAD_BYTES + 100 });
    add('a', 'auto', 60);
    add('b', 'auto', 60);
    add('huge', 'auto', 500);
    add('c', 'auto', 30);
    await vi.advanceTimersByTimeAsync(0);
    expect(sent).toEqual(['auto:a', 'auto:b', 'auto:huge', 'auto:c']);
  });
});

describe('CallQueue: calls nobody waits for', () => {
  it('drops them, and sends nothing for a batch of only such calls', async () => {
    const { sent, add } = setup();
    const gone = add('gone');
    add('kept');
    gone.live = false;
    await vi.advanceTimersByTimeAsync(0);
    expect(sent).toEqual(['auto:kept']);
    const alone = add('alone');
    alone.live = false;
    await vi.advanceTimersByTimeAsync(0);
    expect(sent).toEqual(['auto:kept']);
  });
});

describe('CallQueue: dedupe', () => {
  it('shares a queued call within its lane and a sent call with any priority', async () => {
    const { queue, sent } = setup({ lowPriorityWindowMs: 50 });
    const low = new FakeCall('low', 'low');
    queue.enqueue(low, 'GET /same');
    expect(queue.shared('GET /same', 'low')).toBe(low);
    // A 'high' caller must not wait for a 'low' call's window.
    expect(queue.shared('GET /same', 'high')).toBeUndefined();
    const high = new FakeCall('high', 'high');
    queue.enqueue(high, 'GET /same');
    expect(queue.shared('GET /same', 'high')).toBe(high);
    await Promise.resolve();
    expect(sent).toEqual(['high:high']);
    expect(queue.shared('GET /same', 'low')).toBe(high); // sent: anyone may share it
    queue.forget('GET /same', low); // not the shared one any more: no effect
    expect(queue.shared('GET /same', 'auto')).toBe(high);
    queue.forget('GET /same', high);
    expect(queue.shared('GET /same', 'auto')).toBeUndefined();
  });
});

describe('splitBySize', () => {
  it('keeps every chunk within the limit, overhead included, and skips dead calls', () => {
    const calls = [60, 60, 30, 10].map((size, index) => new FakeCall(String(index), 'auto', size));
    (calls[3] as FakeCall).live = false;
    const chunks = splitBySize(calls, BATCH_OVERHEAD_BYTES + 100);
    expect(chunks.map((chunk) => chunk.map((call) => call.name))).toEqual([['0'], ['1', '2']]);
  });
});

describe('endOfTick', () => {
  it('runs after the promise jobs queued in this tick, before any timer', async () => {
    vi.useRealTimers();
    const order: string[] = [];
    setTimeout(() => order.push('timer'), 0);
    endOfTick(() => order.push('end of tick'));
    void Promise.resolve()
      .then(() => order.push('job'))
      .then(() => order.push('second job'));
    await new Promise<void>((resolve) => endOfTick(resolve));
    expect(order).toEqual(['job', 'second job', 'end of tick']);
  });
});
