/**
 * `pnpm bench:protocol`: our codec against JSON on a realistic batch, in one run.
 *
 * Payloads: (1) 1,000 order records as one value; (2) the same orders as a batch request of
 * 1,000 sub-requests, each with one order as its JSON body, against the JSON envelope a plain
 * JSON batcher would send. Speed is operations per CPU-second (process.cpuUsage, so time the
 * machine spends elsewhere does not count), measured in interleaved rounds and reported as the
 * median; ratios compare with JSON measured in the same rounds, because absolute times drift on
 * shared machines. Decode includes our pre-decode safety scan; JSON decode is JSON.parse of the
 * UTF-8 text, encode is JSON.stringify plus UTF-8 encoding (what goes on the wire).
 */
import { gzipSync } from 'node:zlib';
import {
  createBatchId,
  decodeBatchRequest,
  decodeValue,
  encodeBatchRequest,
  encodeValue,
} from '../src/index.ts';
import { makeOrders } from './orders.ts';

const quick = process.argv.includes('--quick');
const ROUNDS = quick ? 3 : 9;
const SLICE_MS = quick ? 100 : 250;

const orders = makeOrders(1_000);
const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder();

const batchId = createBatchId();
const batch = {
  batchId,
  calls: orders.map((order, id) => ({
    id,
    method: 'POST',
    path: `/api/orders/${order.id}`,
    headers: [['content-type', 'application/json']] as const,
    // A JSON body travels as the value JSON.parse gives: dates are strings here, as in JSON.
    body: { kind: 'json' as const, value: JSON.parse(JSON.stringify(order)) as unknown },
    priority: 'auto' as const,
  })),
};
const jsonBatch = {
  batchId,
  calls: batch.calls.map((call) => ({
    id: call.id,
    method: call.method,
    path: call.path,
    headers: Object.fromEntries(call.headers),
    body: call.body.value,
  })),
};

interface Contender {
  name: string;
  bytes: Uint8Array;
  encode: () => unknown;
  decode: () => unknown;
}

const oursOrders = encodeValue(orders);
const jsonOrders = utf8.encode(JSON.stringify(orders));
const oursBatch = encodeBatchRequest(batch);
const jsonBatchBytes = utf8.encode(JSON.stringify(jsonBatch));

const suites: Array<{ title: string; goals: boolean; ours: Contender; json: Contender }> = [
  {
    title: '1,000 orders as one value (the goals apply here)',
    goals: true,
    ours: {
      name: 'wirepack',
      bytes: oursOrders,
      encode: () => encodeValue(orders),
      decode: () => decodeValue(oursOrders),
    },
    json: {
      name: 'JSON',
      bytes: jsonOrders,
      encode: () => utf8.encode(JSON.stringify(orders)),
      decode: () => JSON.parse(utf8Decoder.decode(jsonOrders)),
    },
  },
  {
    // JSON bodies carry dates as ISO strings (that is what JSON.parse gives), so strings weigh
    // more here than in the value above; shown for information.
    title: 'a batch request of 1,000 calls with JSON bodies (information)',
    goals: false,
    ours: {
      name: 'wirepack',
      bytes: oursBatch,
      encode: () => encodeBatchRequest(batch),
      decode: () => decodeBatchRequest(oursBatch),
    },
    json: {
      name: 'JSON',
      bytes: jsonBatchBytes,
      encode: () => utf8.encode(JSON.stringify(jsonBatch)),
      decode: () => JSON.parse(utf8Decoder.decode(jsonBatchBytes)),
    },
  },
];

/** Operations per CPU-second of `run`, over one time slice. */
function opsPerCpuSecond(run: () => unknown): number {
  const start = process.cpuUsage();
  const deadline = performance.now() + SLICE_MS;
  let count = 0;
  while (performance.now() < deadline) {
    run();
    count++;
  }
  const used = process.cpuUsage(start);
  return count / ((used.user + used.system) / 1e6);
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
};

const fmt = (n: number): string => n.toLocaleString('en-US', { maximumFractionDigits: 0 });
const ratio = (n: number): string => `${n.toFixed(2)}x`;

console.log(
  `@wirepack/protocol codec vs JSON (Node ${process.version}, ${ROUNDS} interleaved rounds of ${SLICE_MS} ms)\n`,
);
let allMet = true;
for (const suite of suites) {
  const samples = {
    oursEncode: [] as number[],
    jsonEncode: [] as number[],
    oursDecode: [] as number[],
    jsonDecode: [] as number[],
  };
  for (const contender of [suite.ours, suite.json]) {
    for (let i = 0; i < 30; i++) {
      contender.encode();
      contender.decode();
    }
  }
  for (let round = 0; round < ROUNDS; round++) {
    samples.jsonEncode.push(opsPerCpuSecond(suite.json.encode));
    samples.oursEncode.push(opsPerCpuSecond(suite.ours.encode));
    samples.jsonDecode.push(opsPerCpuSecond(suite.json.decode));
    samples.oursDecode.push(opsPerCpuSecond(suite.ours.decode));
  }
  const bytesRatio = suite.ours.bytes.length / suite.json.bytes.length;
  const encodeRatio = median(samples.oursEncode) / median(samples.jsonEncode);
  const decodeRatio = median(samples.oursDecode) / median(samples.jsonDecode);
  const gzOurs = gzipSync(suite.ours.bytes).length;
  const gzJson = gzipSync(suite.json.bytes).length;
  console.log(`## ${suite.title}`);
  console.table({
    bytes: {
      wirepack: fmt(suite.ours.bytes.length),
      JSON: fmt(suite.json.bytes.length),
      ratio: ratio(bytesRatio),
      goal: suite.goals ? '<= 0.50x' : '',
    },
    'bytes, gzip 6': {
      wirepack: fmt(gzOurs),
      JSON: fmt(gzJson),
      ratio: ratio(gzOurs / gzJson),
      goal: '(info)',
    },
    'encode ops/cpu-s': {
      wirepack: fmt(median(samples.oursEncode)),
      JSON: fmt(median(samples.jsonEncode)),
      ratio: ratio(encodeRatio),
      goal: suite.goals ? '>= 1.50x' : '',
    },
    'decode ops/cpu-s': {
      wirepack: fmt(median(samples.oursDecode)),
      JSON: fmt(median(samples.jsonDecode)),
      ratio: ratio(decodeRatio),
      goal: suite.goals ? '>= 2.50x' : '',
    },
  });
  if (suite.goals) {
    const met = bytesRatio <= 0.5 && encodeRatio >= 1.5 && decodeRatio >= 2.5;
    allMet &&= met;
    console.log(met ? 'goals met\n' : 'goals NOT met\n');
  } else console.log('');
}
console.log(allMet ? 'all codec goals met' : 'some codec goals not met (see above)');
