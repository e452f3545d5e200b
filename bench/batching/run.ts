// `pnpm bench:batching [--quick] [--only=id,id] [--cpu-prof[=dir]]`
//
// Batching benchmark: N concurrent small API calls from a client process to a server process on
// 127.0.0.1 over 6 connections (like a browser), 1 ms of server work per call, made by plain fetch,
// tRPC v11's batch links and wirepack, all in the same run; then the head-of-line case (one 250 ms
// call among 100). Prints calls/s, latency, HTTP requests, bytes and CPU per call, the ratios
// against tRPC's httpBatchLink with the goals, and the service targets on our server.
// Bounded: each run has a deadline, the whole benchmark a budget, and every child is killed at the end.
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { SLOW_MS } from './app.ts';
import { Child, killAllChildren } from './child.ts';
import { CONTENDERS, type Contender } from './contenders.ts';
import type { ClientCommand, ClientMessage, ServerCommand, ServerMessage } from './messages.ts';
import { printReport, type Scenario, type ScenarioResults } from './report.ts';
import { combineRuns, type RunMetrics, runMetrics } from './stats.ts';

const { values: flags } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    'cpu-prof': { type: 'string' },
    json: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
if (flags.help) {
  console.log(`usage: pnpm bench:batching [--quick] [--only=${CONTENDERS.map((c) => c.id).join(',')}]
                            [--cpu-prof=<dir>]  (V8 profiles of wirepack's server and client processes)
                            [--json=<file>]     (every combined figure, for notes and comparisons)`);
  process.exit(0);
}

const quick = flags.quick;
const scenarios: Scenario[] = [
  { key: 'n1k', title: 'N = 1,000 concurrent calls', calls: 1_000, slowIndex: -1, repeats: quick ? 1 : 5 },
  ...(quick
    ? []
    : [{ key: 'n10k', title: 'N = 10,000 concurrent calls', calls: 10_000, slowIndex: -1, repeats: 3 }]),
  {
    key: 'hol',
    title: `Head-of-line: one ${SLOW_MS} ms call among 100`,
    calls: 100,
    slowIndex: 0,
    repeats: quick ? 1 : 5,
  },
];
/** Calls in the warm-up run each contender makes before measuring (JIT, connections). */
const WARMUP_CALLS = quick ? 300 : 1_000;
/** The longest one run may take before its calls are aborted and counted as failed. */
const RUN_TIMEOUT_MS = 30_000;
/** Slack on top of a run's own deadline for the IPC round trip. */
const IPC_SLACK_MS = 10_000;
/** The whole benchmark's budget; past it no new run starts. */
const BUDGET_MS = quick ? 90_000 : 240_000;
const startedAt = Date.now();

const selected = flags.only ? new Set(flags.only.split(',')) : undefined;
const contenders = CONTENDERS.filter((contender) => !selected || selected.has(contender.id));
if (contenders.length === 0) {
  console.error(
    `[wirepack/bench] --only matched no contender; known: ${CONTENDERS.map((c) => c.id).join(', ')}`,
  );
  process.exit(2);
}
const cpuProfDir = flags['cpu-prof'] === undefined ? undefined : resolve(flags['cpu-prof'] || 'cpu-profiles');
if (cpuProfDir) mkdirSync(cpuProfDir, { recursive: true });

// Every exit path takes the children with it; a hard stop backs up the budget.
process.once('SIGINT', () => {
  killAllChildren();
  process.exit(130);
});
process.once('exit', killAllChildren);
const hardStop = setTimeout(() => {
  console.error('[wirepack/bench] hard time limit reached; killing every child process');
  killAllChildren();
  process.exit(1);
}, BUDGET_MS + 60_000);
hardStop.unref();

const serverScript = new URL('./server-process.ts', import.meta.url);
const clientScript = new URL('./client-process.ts', import.meta.url);

/** Runs every scenario for one contender in its own server and client processes. */
async function measure(contender: Contender): Promise<ScenarioResults> {
  const results: ScenarioResults = new Map();
  const profile = cpuProfDir && contender.id === 'wirepack' ? { cpuProfDir } : {};
  const server = new Child<ServerCommand, ServerMessage>(
    `${contender.id} server`,
    serverScript,
    [contender.server],
    profile,
  );
  let client: Child<ClientCommand, ClientMessage> | undefined;
  try {
    const { port } = await server.next('ready', 30_000);
    client = new Child<ClientCommand, ClientMessage>(
      `${contender.id} client`,
      clientScript,
      [contender.id, `http://127.0.0.1:${port}`],
      profile,
    );
    await client.next('ready', 30_000);
    // Set when a run ends with calls still pending: those calls would still be running in the
    // next run, so this contender stops after it.
    let unsettled = false;
    const runOnce = async (calls: number, slowIndex: number): Promise<RunMetrics> => {
      await server.request({ type: 'begin' }, 'begun', IPC_SLACK_MS);
      const command: ClientCommand = {
        type: 'run',
        calls,
        slowIndex,
        slowMs: SLOW_MS,
        timeoutMs: RUN_TIMEOUT_MS,
      };
      const result = await client!.request(command, 'result', RUN_TIMEOUT_MS + IPC_SLACK_MS);
      const stats = await server.request({ type: 'end' }, 'stats', IPC_SLACK_MS);
      const metrics = runMetrics(result, stats, slowIndex);
      if (!result.settled) unsettled = true;
      return metrics;
    };
    const warmup = await runOnce(WARMUP_CALLS, -1);
    if (unsettled) {
      const messages = warmup.errorMessages.map(([message, count]) => `"${message}" ×${count}`).join(', ');
      throw new Error(`warm-up: ${warmup.errors} of ${WARMUP_CALLS} calls failed or hung: ${messages}`);
    }
    for (const scenario of scenarios) {
      const runs: RunMetrics[] = [];
      for (let repeat = 0; repeat < scenario.repeats && !unsettled; repeat++) {
        if (repeat > 0 && Date.now() - startedAt > BUDGET_MS) break;
        runs.push(await runOnce(scenario.calls, scenario.slowIndex));
      }
      results.set(scenario.key, { runs: runs.length, metrics: combineRuns(runs) });
      if (unsettled) break;
    }
  } catch (error) {
    results.set('failure', { runs: 0, failure: error instanceof Error ? error.message : String(error) });
  } finally {
    await Promise.all([client?.stop({ type: 'exit' }), server.stop({ type: 'exit' })]);
  }
  return results;
}

const all = new Map<string, ScenarioResults>();
for (const contender of contenders) {
  if (Date.now() - startedAt > BUDGET_MS) {
    all.set(contender.id, new Map([['failure', { runs: 0, failure: 'skipped: time budget spent' }]]));
    continue;
  }
  process.stderr.write(`[wirepack/bench] ${contender.label} ...\n`);
  all.set(contender.id, await measure(contender));
}
printReport({ contenders, scenarios, results: all, quick, elapsedMs: Date.now() - startedAt });
if (cpuProfDir) console.log(`\nCPU profiles (wirepack server and client): ${cpuProfDir}`);
if (flags.json) {
  const plain = Object.fromEntries([...all].map(([id, scenarios]) => [id, Object.fromEntries(scenarios)]));
  writeFileSync(
    resolve(flags.json),
    `${JSON.stringify({ quick, node: process.version, results: plain }, null, 2)}\n`,
  );
}
clearTimeout(hardStop);
