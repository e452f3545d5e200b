// Client CPU per call, without a network or a server: the injected fetch answers each batch at
// once with prebuilt frames (a JSON value per call), so the time measured is the client's own:
// normalising the call, queueing, encoding the batch, decoding frames, building the Response and
// json(). Prints microseconds per call and, for scale, plain `new Response(json).json()` per call.
// Run: pnpm --filter @wirepack/client bench:cpu
import { encodeFrame, encodeResultsFrame, FRAMES_MEDIA_TYPE, type ResultFrame } from '@wirepack/protocol';
import { createBatchFetch } from '../src/index.ts';

const value = { id: 1, name: 'Ada Lovelace', email: 'ada@example.com', admin: false };
// A batch's ids are 0..n-1 in call order, so the frames can be built once, outside the timing. The
// server writes the results ready in the same tick as one results frame; here they come in groups of
// 32 (its default concurrency), as they do from a server whose calls all take the same time.
const results: ResultFrame[] = Array.from({ length: 100 }, (_, id) => ({
  kind: 'result',
  id,
  status: 200,
  headers: [['content-type', 'application/json']],
  body: { kind: 'json', value },
}));
const GROUP = 32;
const framesFor = new Map<number, Uint8Array[]>();
const end = encodeFrame({ kind: 'end', timing: {} });
function prebuilt(count: number): Uint8Array[] {
  let frames = framesFor.get(count);
  if (frames === undefined) {
    frames = [];
    for (let at = 0; at < count; at += GROUP) {
      frames.push(encodeResultsFrame(results.slice(at, Math.min(count, at + GROUP))));
    }
    frames.push(end);
    framesFor.set(count, frames);
  }
  return frames;
}
const fakeFetch = async (_input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
  const frames = prebuilt(countCalls(init?.body as Uint8Array));
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const frame of frames) controller.enqueue(frame);
      controller.close();
    },
  });
  return new Response(stream, { headers: { 'content-type': FRAMES_MEDIA_TYPE } });
};

/** The number of calls, read from the envelope's calls array header without decoding it all. */
function countCalls(body: Uint8Array): number {
  // [1, batchId (str8 of 22 chars), [calls...]]: fixarray(3), 1, 0xd9 0x16 + 22 bytes... or fixstr.
  let offset = 2;
  const head = body[offset] as number;
  offset += head === 0xd9 ? 2 + (body[offset + 1] as number) : 1 + (head & 0x1f);
  const marker = body[offset] as number;
  if ((marker & 0xf0) === 0x90) return marker & 0x0f;
  return ((body[offset + 1] as number) << 8) | (body[offset + 2] as number); // array16
}

const batchFetch = createBatchFetch({
  endpoint: 'http://app.test/__wirepack',
  fetch: fakeFetch,
  dedupe: false,
  // The prebuilt frames answer batches of up to 100 calls (the default was 100 when this was written).
  maxBatchSize: 100,
});
const text = JSON.stringify(value);

async function round(calls: number): Promise<number> {
  const start = performance.now();
  await Promise.all(
    Array.from({ length: calls }, (_, i) =>
      batchFetch(`http://app.test/api/users/${i}`).then((res) => res.json()),
    ),
  );
  return ((performance.now() - start) * 1000) / calls;
}

async function plain(calls: number): Promise<number> {
  const start = performance.now();
  await Promise.all(Array.from({ length: calls }, () => new Response(text).json()));
  return ((performance.now() - start) * 1000) / calls;
}

for (let i = 0; i < 5; i++) await round(1000); // warm up
const ours: number[] = [];
const peer: number[] = [];
for (let i = 0; i < 10; i++) {
  ours.push(await round(1000));
  peer.push(await plain(1000));
}
const median = (list: number[]) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)] as number;
console.log(`client CPU per call (1,000 calls, 100 per batch): ${median(ours).toFixed(1)} us`);
console.log(`plain new Response(json).json() per call:          ${median(peer).toFixed(1)} us`);
console.log(`ratio: ${(median(ours) / median(peer)).toFixed(2)}x`);
