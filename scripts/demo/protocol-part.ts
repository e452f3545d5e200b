// Part 4, protocol: the wire format of part 2 on its own: 1,000 order records as MessagePack vs JSON, a
// batch of 1,000 calls and its answers read back frame by frame from network-sized chunks, and hostile
// input answered with coded errors. (Shortened from the demo's first version.)
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
import { makeOrders } from '../../packages/protocol/bench/orders.ts';
import { bytes, check, line, table } from './print.ts';

export async function protocolPart(): Promise<void> {
  const orders = makeOrders(1_000);
  const json = new TextEncoder().encode(JSON.stringify(orders));
  const packed = encodeValue(orders);
  line('1,000 order records as one value:');
  table([
    ['', 'raw', 'gzip', 'brotli'],
    ['JSON', bytes(json.length), bytes(gzipSync(json).length), bytes(brotliCompressSync(json).length)],
    [
      'wirepack (msgpack)',
      bytes(packed.length),
      bytes(gzipSync(packed).length),
      bytes(brotliCompressSync(packed).length),
    ],
  ]);
  const back = decodeValue(packed) as typeof orders;
  const identical = JSON.stringify(back) === JSON.stringify(orders);
  line(
    `round trip identical: ${identical}; createdAt comes back as a ${back[0]?.createdAt.constructor.name} ` +
      '(JSON would give a string)',
  );
  check(identical && back[0]?.createdAt instanceof Date, 'the orders round-trip with real Dates');

  const batch = {
    batchId: createBatchId(),
    calls: orders.map((order, id) => ({
      id,
      method: 'GET',
      path: `/api/orders/${order.id}`,
      headers: [['accept', 'application/json']] as const,
      body: { kind: 'none' as const },
      priority: 'auto' as const,
    })),
  };
  const request = encodeBatchRequest(batch);
  const calls = decodeBatchRequest(request).calls;
  // The server answers in completion order: here the even ids finish first.
  const order = [...calls].sort((a, b) => (a.id % 2) - (b.id % 2) || a.id - b.id);
  const frames: Frame[] = order.map((call) => ({
    kind: 'result',
    id: call.id,
    status: 200,
    headers: [['content-type', 'application/json']],
    body: { kind: 'json', value: JSON.parse(JSON.stringify(orders[call.id])) },
  }));
  frames.push({ kind: 'end', timing: { total: 4.2 } });
  const wire = concat(frames.map(encodeFrame));
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      for (let at = 0; at < wire.length; at += 1500) controller.enqueue(wire.subarray(at, at + 1500));
      controller.close();
    },
  });
  const arrived: number[] = [];
  for await (const frame of readFrames(stream)) if (frame.kind === 'result') arrived.push(frame.id);
  line(
    `a batch of 1,000 calls: ${bytes(request.length)} (${Math.round(request.length / 1000)} B a call, ` +
      `nothing in the URL); its ${arrived.length} answers, ${bytes(wire.length)} in ` +
      `${Math.ceil(wire.length / 1500)} 1,500-byte chunks, parsed as they arrive: first ids ${arrived.slice(0, 4).join(', ')}`,
  );
  check(arrived.length === 1000, 'every frame was read back');

  line('hostile input, each answered with a coded error:');
  const hostile: Array<[string, Uint8Array]> = [
    ['array32 header claiming 4 billion items', Uint8Array.of(0xdd, 0xff, 0xff, 0xff, 0xff)],
    ['a million nested arrays', new Uint8Array(1_000_000).fill(0x91)],
    ['a __proto__ key', Uint8Array.from([0x81, 0xa9, ...new TextEncoder().encode('__proto__'), 0x80])],
    ['random bytes', Uint8Array.from({ length: 64 }, (_, i) => (i * 73 + 41) & 0xff)],
    ['the batch cut in half', request.subarray(0, request.length >> 1)],
  ];
  const rows: string[][] = [];
  for (const [name, input] of hostile) {
    try {
      decodeBatchRequest(input);
      rows.push([name, 'ACCEPTED']);
    } catch (error) {
      rows.push([
        name,
        isWirepackError(error) ? `${error.code} (HTTP ${error.status})` : `unexpected ${error}`,
      ]);
    }
  }
  const width = Math.max(...rows.map(([name]) => name?.length ?? 0));
  for (const [name, outcome] of rows) line(`  ${name?.padEnd(width)}  -> ${outcome}`);
  check(
    rows.every(([, outcome]) => outcome !== 'ACCEPTED' && !outcome?.startsWith('unexpected')),
    'every hostile input got a coded error',
  );
  const clean = Object.keys(Object.prototype).length === 0;
  line(`Object.prototype untouched: ${clean}`);
  check(clean, 'Object.prototype was not polluted');
}

function concat(chunks: readonly Uint8Array[]): Uint8Array {
  const all = new Uint8Array(chunks.reduce((sum, chunk) => sum + chunk.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    all.set(chunk, offset);
    offset += chunk.length;
  }
  return all;
}
