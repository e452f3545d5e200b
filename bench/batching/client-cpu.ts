// `tsx --conditions=@wirepack/source bench/batching/client-cpu.ts [call,fetch] [rounds]`: the client's own CPU
// per call in-process, without HTTP: 1,000 calls a round through createBatchFetch over a fetch that
// answers each batch at once with one results frame (its own CPU is measured and left out). For
// profiling the client's per-call work (--cpu-prof), which bench:batching mixes with undici, zlib
// and the machine's load.
import { createBatchFetch } from '@wirepack/client';
import {
  decodeBatchRequest,
  encodeFrame,
  encodeResultsFrame,
  FRAMES_MEDIA_TYPE,
  type ResultFrame,
} from '@wirepack/protocol';

const user = (id: number) => ({
  id,
  name: `User ${id}`,
  email: `user${id}@example.com`,
  active: id % 3 !== 0,
});
let serverCpu = 0;
const fakeFetch = async (_input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
  const body = new Uint8Array(await new Response(init?.body).arrayBuffer());
  const cpu = process.cpuUsage();
  const batch = decodeBatchRequest(body);
  const results: ResultFrame[] = batch.calls.map((call) => ({
    kind: 'result',
    id: call.id,
    status: 200,
    headers: [['content-type', 'application/json']],
    body: { kind: 'json', value: user(Number(call.path.split('/')[3])) },
  }));
  const bytes = [
    encodeResultsFrame(results),
    encodeFrame({ kind: 'end', timing: { total: 1, calls: results.length, errors: 0 } }),
  ];
  const used = process.cpuUsage(cpu);
  serverCpu += used.user + used.system;
  return new Response(new Blob(bytes as BlobPart[]).stream(), {
    headers: { 'content-type': FRAMES_MEDIA_TYPE },
  });
};
const api = createBatchFetch({
  endpoint: 'http://x.test/__wirepack',
  fetch: fakeFetch as typeof fetch,
  compressRequests: false,
});
async function round(kind: string, n: number) {
  const ps = [];
  for (let i = 0; i < n; i++) {
    const url = `http://x.test/api/users/${i}`;
    ps.push(kind === 'call' ? api.call(url).then((r) => r.body) : api(url).then((r) => r.json()));
  }
  await Promise.all(ps);
}
for (const kind of (process.argv[2] ?? 'call,fetch').split(',')) {
  for (let i = 0; i < 20; i++) await round(kind, 1000);
  serverCpu = 0;
  const cpu = process.cpuUsage();
  const rounds = +(process.argv[3] ?? 30);
  for (let i = 0; i < rounds; i++) await round(kind, 1000);
  const used = process.cpuUsage(cpu);
  console.log(
    kind,
    ((used.user + used.system - serverCpu) / (1000 * rounds)).toFixed(2),
    'us client cpu/call (fake server excluded)',
  );
}
