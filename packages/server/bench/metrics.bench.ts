// The cost of @wirepack/server/metrics on the hot path: CPU per plain request through the same app with
// and without `metrics.instrument()`, in-process (no sockets, so nothing but the wrapper differs), in
// alternating rounds so drift on a shared machine hits both sides alike.
// `pnpm bench:metrics` (WIREPACK_BENCH_REQUESTS=2000 WIREPACK_BENCH_ROUNDS=2 for a smoke run).
import { cpuUsage } from 'node:process';
import { createServerMetrics } from '../src/adapters/metrics.ts';

const REQUESTS = Number(process.env.WIREPACK_BENCH_REQUESTS ?? 200_000);
const ROUNDS = Number(process.env.WIREPACK_BENCH_ROUNDS ?? 6);

const body = JSON.stringify({ id: 1, name: 'Ada', roles: ['admin'] });
const app = async (request: Request): Promise<Response> =>
  new Response(request.method === 'GET' ? body : null, { headers: { 'content-type': 'application/json' } });
const metrics = createServerMetrics({
  routeClass: (_, path) => (path.startsWith('/api/') ? 'api' : 'static'),
});
const instrumented = metrics.instrument(app);
const urls = Array.from({ length: 64 }, (_, i) => `http://app.test/api/users/${i}`);

async function cpuPerRequest(handler: (request: Request) => Promise<Response>): Promise<number> {
  const start = cpuUsage();
  for (let i = 0; i < REQUESTS; i++) {
    const response = await handler(new Request(urls[i % urls.length] as string));
    await response.arrayBuffer();
  }
  const used = cpuUsage(start);
  return (used.user + used.system) / REQUESTS;
}

const plain: number[] = [];
const measured: number[] = [];
await cpuPerRequest(app); // warm-up of both paths
await cpuPerRequest(instrumented);
for (let round = 0; round < ROUNDS; round++) {
  plain.push(await cpuPerRequest(app));
  measured.push(await cpuPerRequest(instrumented));
}
const median = (values: number[]): number =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
const [a, b] = [median(plain), median(measured)];
console.log(`${REQUESTS} requests x ${ROUNDS} rounds, median CPU per request:`);
console.log(`  app alone               ${a.toFixed(2)} us`);
console.log(
  `  metrics.instrument(app) ${b.toFixed(2)} us (+${(b - a).toFixed(2)} us, ${(b / a).toFixed(2)}x)`,
);
metrics.close();
