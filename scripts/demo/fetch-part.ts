// Part 2, fetch: @wirepack/server (createBatchHandler + toNodeListener) in front of the REST fixture on
// 127.0.0.1, and @wirepack/client's createBatchFetch over Node's fetch making 200 concurrent calls: a slow
// one, one that is aborted, 193 user lookups (SQLite through a per-batch DataLoader) and a few others.
// The same 200 calls are then made with plain fetch against the same server, and both runs are measured
// where the bytes really are: on the server's sockets.
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createBatchFetch } from '@wirepack/client';
import { createRestApi, type RestApi, type RestApiContext } from '@wirepack/fixture-rest-api';
import { createBatchHandler } from '@wirepack/server';
import { nodeCompression, toNodeListener } from '@wirepack/server/node';
import { bytes, check, line, ms, table, times } from './print.ts';

const SLOW_MS = 300;
const USERS = 193;
const OTHERS = ['/api/json', '/api/text', '/api/binary', '/api/empty', '/api/work'];
/** p95 and error-rate targets from the project plan. */
const TARGET_P95_MS = 200;
const TARGET_ERROR_RATE = 0.01;

/** What one run of the 200 calls observed. */
interface RunResult {
  readonly label: string;
  readonly calls: number;
  readonly requests: { batches: number; cancels: number; other: number };
  readonly bytesUp: number;
  readonly bytesDown: number;
  readonly userQueries: number;
  /** When the fast calls resolved, ms after the first call started. */
  readonly fastFirstMs: number;
  readonly fastLastMs: number;
  readonly slowMs: number;
  /** Calls that did not answer 2xx. */
  readonly failed: number;
  readonly abortName: string;
  /** From the client's abort to the server handler seeing its `request.signal` abort; null if it never did. */
  readonly abortReachedServerMs: number | null;
  readonly wallMs: number;
  /** What the server's onError received during the run. */
  readonly errors: readonly string[];
}

export async function fetchPart(): Promise<void> {
  const served = await serve();
  try {
    const batchFetch = createBatchFetch({ endpoint: `${served.origin}/__wirepack` });
    line(
      `server on ${served.origin}: createBatchHandler({ fetch: restApi.fetch, createContext, ...nodeCompression() }) + toNodeListener`,
    );
    line(
      `200 concurrent calls: 1 slow (${SLOW_MS} ms), 1 aborted by the caller, ${USERS} user lookups, ${OTHERS.length} others`,
    );
    // One call each way first, so neither run pays for compiling code paths and opening the first connection.
    await (await batchFetch(`${served.origin}/api/json`)).arrayBuffer();
    await (await fetch(`${served.origin}/api/json`)).arrayBuffer();
    const batched = await run(served, 'batched', (url, init) => batchFetch(url, init));
    const plain = await run(served, 'plain', (url, init) => fetch(url, init));
    const metrics = served.handler.metrics();

    line();
    table([
      ['', 'HTTP requests', 'bytes up', 'bytes down', 'SQL queries', 'fast calls done', 'all settled'],
      [
        'createBatchFetch',
        `${batched.requests.batches} + ${batched.requests.cancels} cancel`,
        bytes(batched.bytesUp),
        bytes(batched.bytesDown),
        String(batched.userQueries),
        ms(batched.fastLastMs),
        ms(batched.wallMs),
      ],
      [
        'plain fetch',
        String(plain.requests.other),
        bytes(plain.bytesUp),
        bytes(plain.bytesDown),
        String(plain.userQueries),
        ms(plain.fastLastMs),
        ms(plain.wallMs),
      ],
    ]);
    const batchedRequests = batched.requests.batches + batched.requests.cancels + batched.requests.other;
    line(
      `${batched.calls} calls: ${batchedRequests} HTTP requests instead of ${plain.requests.other}; ` +
        `${times(plain.bytesUp + plain.bytesDown, batched.bytesUp + batched.bytesDown)} fewer bytes on the wire ` +
        `(${bytes(batched.bytesUp + batched.bytesDown)} vs ${bytes(plain.bytesUp + plain.bytesDown)}, HTTP headers ` +
        'included; plain answers are the small JSON bodies as the app wrote them, uncompressed)',
    );
    line(
      `${USERS} user lookups: ${batched.userQueries} SQL queries batched vs ${plain.userQueries} unbatched ` +
        '(one DataLoader per batch; the server runs 32 calls of a batch at a time, so lookups come in waves)',
    );
    line(
      `streaming: the ${batched.calls - 2} fast calls resolved between ${ms(batched.fastFirstMs)} and ` +
        `${ms(batched.fastLastMs)}; the slow call, in the same batch, at ${ms(batched.slowMs)}`,
    );
    line(
      `abort: the caller saw ${batched.abortName}; the server handler's request.signal aborted ` +
        (batched.abortReachedServerMs === null ? 'NEVER' : `${ms(batched.abortReachedServerMs)} later`) +
        ` (cancel message: ${batched.requests.cancels} request)`,
    );
    const p95 = metrics.callMs.p95;
    line(
      `server metrics (batched run and 1 warm-up call): ${metrics.batches} batches, ${metrics.calls} calls, call time ` +
        `p50 ${ms(metrics.callMs.p50)} / p95 ${ms(p95)} / p99 ${ms(metrics.callMs.p99)}, queue p95 ` +
        `${ms(metrics.queueMs.p95)}, errors ${JSON.stringify(metrics.errors)}`,
    );
    line(
      `targets: p95 ${ms(p95)} < ${TARGET_P95_MS} ms: ${p95 < TARGET_P95_MS ? 'met' : 'MISSED'}; error rate ` +
        `${(metrics.errorRate * 100).toFixed(2)}% < ${TARGET_ERROR_RATE * 100}%: ` +
        `${metrics.errorRate < TARGET_ERROR_RATE ? 'met' : 'MISSED'} (a cancelled call is not an error)`,
    );
    for (const result of [batched, plain]) {
      if (result.errors.length === 0) continue;
      line(`server onError during the ${result.label} run: ${result.errors.join('; ')}`);
      // Plain fetch aborts by closing its connection; the listener aborts the app's request.signal, and the
      // fixture's /api/hang then rejects with that reason, which the listener reports.
      if (result.label === 'plain') line('  (the aborted plain fetch closed its connection: expected)');
    }

    for (const [name, result] of [
      ['batched', batched],
      ['plain', plain],
    ] as const) {
      check(result.failed === 0, `every ${name} call answered 2xx (${result.failed} did not)`);
      check(result.abortName === 'AbortError', `the ${name} aborted call rejected with an AbortError`);
      check(result.abortReachedServerMs !== null, `the ${name} abort reached the server handler`);
    }
    check(batchedRequests < batched.calls, 'fewer HTTP requests than calls');
    check(batched.fastLastMs < batched.slowMs, 'the fast calls resolved before the slow one');
    check(batched.userQueries < plain.userQueries, 'fewer SQL queries batched');
  } finally {
    await served.close();
  }
}

type FetchLike = (url: string, init?: RequestInit) => Promise<Response>;

async function run(served: Served, label: string, fetchLike: FetchLike): Promise<RunResult> {
  served.api.resetStats();
  const requestsBefore = { ...served.requests };
  const wireBefore = served.wire();
  const errorsBefore = served.errors.length;
  const url = (path: string): string => `${served.origin}${path}`;
  const abortKey = `${label}-abort`;
  const controller = new AbortController();
  const started = performance.now();
  const elapsed = (): number => performance.now() - started;

  // All 200 calls start in the same tick, as a page's components would start them.
  const slow = fetchLike(url(`/api/slow?ms=${SLOW_MS}&key=${label}-slow`)).then(settle);
  const aborted = fetchLike(url(`/api/hang?key=${abortKey}`), { signal: controller.signal }).then(
    () => 'resolved (not aborted)',
    (error: unknown) => (error instanceof Error ? error.name : String(error)),
  );
  const fast = [
    ...OTHERS.map((path) => fetchLike(url(path))),
    ...Array.from({ length: USERS }, (_, index) => fetchLike(url(`/api/users/${index + 1}`))),
  ].map((call) => call.then(settle));

  const fastResults = await Promise.all(fast);
  // The aborted call is the page navigating away from a request it no longer needs.
  controller.abort();
  const abortedAt = performance.now();
  const abortName = await aborted;
  const reached = await waitFor(() => served.api.stats().aborted.includes(abortKey), 3000);
  const abortReachedServerMs = reached === null ? null : reached - abortedAt;
  const slowResult = await slow;
  const wallMs = elapsed();

  const wire = served.wire();
  return {
    label,
    errors: served.errors.slice(errorsBefore),
    calls: 2 + fast.length,
    requests: {
      batches: served.requests.batches - requestsBefore.batches,
      cancels: served.requests.cancels - requestsBefore.cancels,
      other: served.requests.other - requestsBefore.other,
    },
    bytesUp: wire.read - wireBefore.read,
    bytesDown: wire.written - wireBefore.written,
    userQueries: served.api.stats().userQueries,
    fastFirstMs: Math.min(...fastResults.map((result) => result.at)),
    fastLastMs: Math.max(...fastResults.map((result) => result.at)),
    slowMs: slowResult.at,
    failed: [...fastResults, slowResult].filter((result) => !result.ok).length,
    abortName,
    abortReachedServerMs,
    wallMs,
  };

  async function settle(response: Response): Promise<{ ok: boolean; at: number }> {
    await response.arrayBuffer();
    return { ok: response.ok, at: elapsed() };
  }
}

/** Polls `condition` every 5 ms for up to `timeoutMs`; resolves to when it held, or null. */
async function waitFor(condition: () => boolean, timeoutMs: number): Promise<number | null> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) return null;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return performance.now();
}

interface Served {
  readonly origin: string;
  readonly api: RestApi;
  readonly handler: ReturnType<typeof createBatchHandler<RestApiContext>>;
  /** HTTP requests received, by kind. */
  readonly requests: { batches: number; cancels: number; other: number };
  /** Bytes read from and written to every socket so far, HTTP framing included. */
  wire(): { read: number; written: number };
  readonly errors: string[];
  close(): Promise<void>;
}

async function serve(): Promise<Served> {
  const api = createRestApi({ users: 1000 });
  const errors: string[] = [];
  const handler = createBatchHandler<RestApiContext>({
    fetch: api.fetch,
    createContext: api.createContext,
    ...nodeCompression(),
    onError: (error) => errors.push(error instanceof Error ? error.message : String(error)),
  });
  const requests = { batches: 0, cancels: 0, other: 0 };
  const counted = (request: Request): Promise<Response> => {
    const isEndpoint = new URL(request.url).pathname === handler.endpoint && request.method === 'POST';
    if (!isEndpoint) requests.other++;
    else if (request.headers.get('content-type')?.includes('cancel')) requests.cancels++;
    else requests.batches++;
    return handler(request);
  };
  const server: Server = createServer(
    toNodeListener(counted, { onError: (error) => errors.push(String(error)) }),
  );
  const sockets = new Set<Socket>();
  const closed = { read: 0, written: 0 };
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => {
      closed.read += socket.bytesRead;
      closed.written += socket.bytesWritten;
      sockets.delete(socket);
    });
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', resolve);
    });
  } catch (error) {
    api.close();
    throw error;
  }
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    api,
    handler,
    requests,
    errors,
    wire: () => {
      let read = closed.read;
      let written = closed.written;
      for (const socket of sockets) {
        read += socket.bytesRead;
        written += socket.bytesWritten;
      }
      return { read, written };
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      api.close();
    },
  };
}
