// Child process: one contender's client, driving calls at the server like a browser would.
//
//   client-process.ts <client kind> <origin> [wirepack client options as JSON]
//
// All HTTP goes through one undici Agent allowing 6 connections per origin, as browsers do over
// HTTP/1.1. Node's global `fetch` is undici (6.x in Node 20 and 22), and the Agent is installed as
// its global dispatcher, so plain fetch, tRPC's links and wirepack's client all share it.
import { isDeepStrictEqual } from 'node:util';
import { Agent, setGlobalDispatcher } from 'undici';
import { userRecord } from './app.ts';
import { createCaller } from './callers.ts';
import type { ClientCommand, ClientKind, ClientMessage, RunResult } from './messages.ts';

/** Connections per origin, as in Chromium and Firefox for HTTP/1.1. */
const BROWSER_CONNECTIONS = 6;

/** Distinct error messages kept per run: enough to explain a failure, bounded for hostile peers. */
const MAX_ERROR_MESSAGES = 5;

const send = (message: ClientMessage): void => {
  process.send?.(message);
};

process.on('disconnect', () => process.exit(0));

// Idle connections are kept between runs (the server keeps them as long); undici otherwise
// follows the server's `Keep-Alive: timeout` hint.
setGlobalDispatcher(
  new Agent({ connections: BROWSER_CONNECTIONS, keepAliveTimeout: 120_000, keepAliveMaxTimeout: 120_000 }),
);
const kind = process.argv[2] as ClientKind;
const origin = process.argv[3] ?? '';
const call = await createCaller(kind, origin, JSON.parse(process.argv[4] ?? '{}'));

function describe(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : undefined;
  return (cause && cause !== message ? `${message} (cause: ${cause})` : message).slice(0, 200);
}

/** Runs `calls` calls issued in the same tick; call `slowIndex` (if in range) waits `slowMs`. */
async function run(calls: number, slowIndex: number, slowMs: number, timeoutMs: number): Promise<RunResult> {
  const latencies = new Array<number>(calls).fill(Number.NaN);
  const values = new Array<unknown>(calls);
  const failures = new Array<string | undefined>(calls);
  let deadline: NodeJS.Timeout | undefined;

  const cpuStart = process.cpuUsage();
  const wallStart = performance.now();
  const pending: Promise<void>[] = [];
  for (let id = 0; id < calls; id++) {
    const start = performance.now();
    const settle = (value: unknown, failure: string | undefined): void => {
      latencies[id] = performance.now() - start;
      values[id] = value;
      failures[id] = failure;
    };
    pending.push(
      call(id, id === slowIndex ? slowMs : 0).then(
        (value) => settle(value, undefined),
        (error: unknown) => settle(undefined, describe(error)),
      ),
    );
  }
  // Calls still pending at the deadline count as failed ('never settled'); the orchestrator then
  // stops this contender, and its processes with whatever they still hold.
  const timedOut = new Promise<void>((resolve) => {
    deadline = setTimeout(resolve, timeoutMs);
  });
  await Promise.race([Promise.all(pending), timedOut]);
  const wallMs = performance.now() - wallStart;
  const cpu = process.cpuUsage(cpuStart);
  clearTimeout(deadline);

  // Checking the answers happens outside the measured span: it is the benchmark's cost, not the client's.
  const ok = values.map(
    (value, id) => failures[id] === undefined && isDeepStrictEqual(value, userRecord(id)),
  );
  const errorMessages = new Map<string, number>();
  let errors = 0;
  for (let id = 0; id < calls; id++) {
    if (ok[id]) continue;
    errors += 1;
    const message =
      failures[id] ?? (Number.isNaN(latencies[id]) ? `never settled within ${timeoutMs} ms` : 'wrong answer');
    if (errorMessages.has(message) || errorMessages.size < MAX_ERROR_MESSAGES) {
      errorMessages.set(message, (errorMessages.get(message) ?? 0) + 1);
    }
  }
  return {
    calls,
    settled: latencies.every((latency) => !Number.isNaN(latency)),
    wallMs,
    cpuMicros: cpu.user + cpu.system,
    latencies,
    ok,
    errors,
    errorMessages: [...errorMessages],
  };
}

process.on('message', (command: ClientCommand) => {
  if (command.type === 'exit') {
    process.exit(0);
  }
  run(command.calls, command.slowIndex, command.slowMs, command.timeoutMs).then(
    (result) => send({ type: 'result', ...result }),
    (error: unknown) => send({ type: 'failed', message: describe(error) }),
  );
});

send({ type: 'ready' });
