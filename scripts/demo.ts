/**
 * `npm run demo`: a tour of what wirepack does, on embedded defaults (no cloud account needed).
 *
 * Part 1, the wire protocol: 1,000 realistic order records as one batch, encoded with
 * @wirepack/protocol and with JSON, their sizes raw and compressed, a streamed frame read, and
 * hostile inputs answered with coded errors.
 */
import { brotliCompressSync, gzipSync } from 'node:zlib';
import {
  createBatchId,
  decodeBatchRequest,
  decodeValue,
  encodeBatchRequest,
  encodeFrame,
  encodeValue,
  type Frame,
  isWirepackError,
  readFrames,
} from '@wirepack/protocol';
import { makeOrders } from '../packages/protocol/bench/orders.ts';

const kb = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KiB`;
const heading = (text: string): void => console.log(`\n== ${text} ==`);

heading('1. A batch of 1,000 order records: wirepack msgpack vs JSON');
const orders = makeOrders(1_000);
const json = new TextEncoder().encode(JSON.stringify(orders));
const packed = encodeValue(orders);
const table = {
  JSON: {
    raw: kb(json.length),
    gzip: kb(gzipSync(json).length),
    brotli: kb(brotliCompressSync(json).length),
  },
  wirepack: {
    raw: kb(packed.length),
    gzip: kb(gzipSync(packed).length),
    brotli: kb(brotliCompressSync(packed).length),
  },
};
console.table(table);
console.log(`wirepack is ${((packed.length / json.length) * 100).toFixed(0)}% of JSON's raw bytes`);
const back = decodeValue(packed) as typeof orders;
console.log(
  `round trip: ${back.length} orders, first created ${back[0]?.createdAt.toISOString()} (a real Date), ` +
    `identical: ${JSON.stringify(back) === JSON.stringify(orders)}`,
);

heading('2. 1,000 calls in one request; results stream back as each finishes');
const batch = {
  batchId: createBatchId(),
  calls: orders.map((order, id) => ({
    id,
    method: 'GET',
    path: `/api/orders/${order.id}`,
    headers: [['accept', 'application/json']] as const,
    body: { kind: 'none' as const },
    priority: id % 10 === 0 ? ('high' as const) : ('auto' as const),
  })),
};
const request = encodeBatchRequest(batch);
console.log(
  `batch request: ${batch.calls.length} calls in ${kb(request.length)} (${(request.length / batch.calls.length).toFixed(0)} B per call), nothing in the URL`,
);
const decoded = decodeBatchRequest(request);
// The server answers in completion order: here, pretend the even ids finished first.
const order = [...decoded.calls].sort((a, b) => (a.id % 2) - (b.id % 2) || a.id - b.id);
const frames: Frame[] = order.map((call) => ({
  kind: 'result',
  id: call.id,
  status: 200,
  headers: [['content-type', 'application/json']],
  body: { kind: 'json', value: JSON.parse(JSON.stringify(orders[call.id])) },
}));
frames.push({ kind: 'end', timing: { total: 4.2 } });
const wire = frames.map(encodeFrame);
const bytes = wire.reduce((sum, frame) => sum + frame.length, 0);
// Deliver the frames in 1,500-byte network-sized chunks to show the incremental parser.
const all = new Uint8Array(bytes);
let offset = 0;
for (const frame of wire) {
  all.set(frame, offset);
  offset += frame.length;
}
const stream = new ReadableStream<Uint8Array>({
  start(controller) {
    for (let at = 0; at < all.length; at += 1500) controller.enqueue(all.subarray(at, at + 1500));
    controller.close();
  },
});
let results = 0;
let firstIds: number[] = [];
for await (const frame of readFrames(stream)) {
  if (frame.kind === 'result') {
    results++;
    if (firstIds.length < 5) firstIds = [...firstIds, frame.id];
  }
}
console.log(
  `response: ${results} result frames, ${kb(bytes)} over ${Math.ceil(bytes / 1500)} chunks; first ids to arrive: ${firstIds.join(', ')}`,
);

heading('3. Hostile input gets a coded error, and nothing else');
const hostile: Array<[string, Uint8Array]> = [
  ['array32 header claiming 4 billion items', Uint8Array.of(0xdd, 0xff, 0xff, 0xff, 0xff)],
  ['a million nested arrays', new Uint8Array(1_000_000).fill(0x91)],
  ['a __proto__ key', Uint8Array.from([0x81, 0xa9, ...new TextEncoder().encode('__proto__'), 0x80])],
  ['random bytes', Uint8Array.from({ length: 64 }, (_, i) => (i * 73 + 41) & 0xff)],
  ['the batch cut in half', request.subarray(0, request.length >> 1)],
];
for (const [name, input] of hostile) {
  try {
    decodeBatchRequest(input);
    console.log(`${name}: accepted?!`);
  } catch (error) {
    console.log(
      `${name}: ${isWirepackError(error) ? `${error.code} (HTTP ${error.status})` : `unexpected ${String(error)}`}`,
    );
  }
}
console.log('\nObject.prototype untouched:', Object.keys(Object.prototype).length === 0);
