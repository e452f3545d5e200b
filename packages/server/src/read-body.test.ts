import { WirepackError } from '@wirepack/protocol';
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { readBody } from './read-body.ts';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

/** A request whose body the test feeds by hand. */
function manualRequest(): { request: Request; send: (bytes: number) => void; end: () => void } {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
    },
  });
  const request = new Request('http://app.test/__wirepack', {
    method: 'POST',
    body,
    duplex: 'half',
  } as RequestInit);
  return {
    request,
    send: (bytes) => controller.enqueue(new Uint8Array(bytes)),
    end: () => controller.close(),
  };
}

const options = {
  maxBytes: 1 << 20,
  maxDecodedBytes: 1 << 20,
  decoders: {},
  timeoutMs: 1000,
  minBytesPerSecond: 1000,
};

it('gives a body timeoutMs plus the time its bytes earn at the minimum rate, then BODY_TIMEOUT', async () => {
  const { request, send } = manualRequest();
  const outcome = readBody(request, options).then(
    () => 'read',
    (error: unknown) => error,
  );
  send(500); // earns 500 ms: the deadline is at 1500 ms
  await vi.advanceTimersByTimeAsync(1499);
  send(100); // earns 100 ms more: 1600 ms
  await vi.advanceTimersByTimeAsync(100);
  expect(await Promise.race([outcome, Promise.resolve('pending')])).toBe('pending');
  await vi.advanceTimersByTimeAsync(1);
  const error = await outcome;
  expect(error).toBeInstanceOf(WirepackError);
  expect((error as WirepackError).code).toBe('BODY_TIMEOUT');
  expect((error as WirepackError).status).toBe(408);
});

it('reads a body that keeps up with the rate, however long it takes, and leaves no timer behind', async () => {
  const { request, send, end } = manualRequest();
  const outcome = readBody(request, options);
  for (let i = 0; i < 20; i++) {
    send(1000); // a second's worth every second
    await vi.advanceTimersByTimeAsync(1000);
  }
  end();
  expect((await outcome).bytes.byteLength).toBe(20_000);
  expect(vi.getTimerCount()).toBe(0);
});
