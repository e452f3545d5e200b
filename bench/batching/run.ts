// `pnpm bench:batching [--quick] [--only=id,id] [--cpu-prof[=dir]]`
//
// Batching benchmark: N concurrent small API calls from a client process to a server process on
// 127.0.0.1 over 6 connections (like a browser), 1 ms of server work per call, made by plain fetch,
// tRPC v11's batch links and wirepack, all in the same run; then the head-of-line case (one 250 ms
// call among 100). Prints calls/s, latency, HTTP requests, bytes and CPU per call, the ratios
// against tRPC's httpBatchLink with the goals, and the service targets on our server.
// Bounded: each run has a deadline, the whole benchmark a budget, and every child is killed at the end.
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { SLOW_MS } from './app.ts';
import { startBusyLoop } from './busy-loop.ts';
import { killAllChildren } from './child.ts';
import { CONTENDERS, LIGHT, OURS } from './contenders.ts';
import { Lane } from './lane.ts';
import { printReport, type Scenario, type ScenarioResults } from './report.ts';
import { combineRuns, type RunMetrics } from './stats.ts';

const { values: flags } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    'cpu-prof': { type: 'string' },
    json: { type: 'string' },
    built: { type: 'boolean', default: false },
    'client-options': { type: 'string' },
    'server-options': { type: 'string' },
    warmup: { type: 'string', default: '20' },
    help: { type: 'boolean', default: false },
  },
});
if (flags.help) {
  console.log(`usage: pnpm bench:batching [--quick] [--only=${CONTENDERS.map((c) => c.id).join(',')}]
                            [--cpu-prof=<dir>]  (V8 profiles of wirepack's server and client processes)
                            [--json=<file>]     (every combined figure, for notes and comparisons)
                            [--built]           (wirepack from its built dist/, as published; run
                                                 \`pnpm build\` first; default: its TypeScript sources)
                            [--warmup=<runs>]   (runs of 1,000 calls per contender before measuring;
                                                 default 20)
                            [--client-options=<json>] [--server-options=<json>]
                                                (override wirepack's defaults, to explore tuning;
                                                 goal verdicts then describe the tuned setup)`);
  process.exit(0);
}

const quick = flags.quick;
const scenarios: Scenario[] = [
  { key: 'n1k', title: 'N = 1,000 concurrent calls', calls: 1_000, slowIndex: -1, repeats: quick ? 2 : 7 },
  ...(quick
    ? []
    : [{ key: 'n10k', title: 'N = 10,000 concurrent calls', calls: 10_000, slowIndex: -1, repeats: 3 }]),
  {
    key: 'hol',
    title: `Head-of-line: one ${SLOW_MS} ms call among 100`,
    calls: 100,
    slowIndex: 0,
    repeats: quick ? 2 : 5,
  },
  {
    key: 'hol-busy',
    title: `Head-of-line: one ${SLOW_MS} ms call among 100, one core kept busy by another process`,
    calls: 100,
    slowIndex: 0,
    repeats: quick ? 2 : 5,
    busy: true,
  },
];
/**
 * Warm-up before measuring: connections, and V8's optimising compiler, whose background threads
 * count in a process's CPU time. Each measured run is a single burst of tens of milliseconds, so
 * compilation still under way inflates it: after 3 warm-up runs the naive reference's server measured
 * 20.7 us per call and ours 39.7; after 10, 3.1 and 9.9; after 20, 4.4 and 14.2; after 40, 1.9 and
 * 10.9 (one machine, 8 Dec 2026, other jobs running). A server in production runs warm, so CPU per
 * call is measured warm: 20 runs by default.
 */
const WARMUP_RUNS = Number(flags.warmup);
if (!Number.isSafeInteger(WARMUP_RUNS) || WARMUP_RUNS < 0) {
  console.error(`[wirepack/bench] --warmup must be a whole number of runs, got ${flags.warmup}`);
  process.exit(2);
}
const WARMUP_CALLS = 1_000;
/** The longest one run may take; calls still pending then count as failed and the lane closes. */
const RUN_TIMEOUT_MS = 30_000;
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

/** A JSON object from a flag, or a clear exit. */
function jsonFlag(name: string, value: string | undefined): Record<string, unknown> | undefined {
  if (value === undefined) return undefined;
  try {
    const parsed: unknown = JSON.parse(value);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed))
      return parsed as Record<string, unknown>;
  } catch {
    // Reported below with the flag's name.
  }
  console.error(`[wirepack/bench] --${name} must be a JSON object, got: ${value}`);
  process.exit(2);
}
// Sources run through tsx, whose transform keeps function names with a helper call at every
// function creation; a build has no such calls. --built measures what ships.
const built = flags.built;
if (built) {
  for (const entry of ['protocol/dist/index.js', 'client/dist/index.js', 'server/dist/adapters/node.js']) {
    const url = new URL(`../../packages/${entry}`, import.meta.url);
    if (!existsSync(url)) {
      console.error(`[wirepack/bench] --built needs packages/${entry}: run \`pnpm build\` first`);
      process.exit(2);
    }
    const sources = new URL('../src/', url.href.replace('/dist/adapters/', '/dist/'));
    const newest = Math.max(
      ...readdirSync(sources, { recursive: true, encoding: 'utf8' }).map(
        (file) => statSync(new URL(file, sources)).mtimeMs,
      ),
    );
    if (newest > statSync(url).mtimeMs) {
      console.error(
        `[wirepack/bench] warning: packages/${entry} is older than its sources; \`pnpm build\` to measure them`,
      );
    }
  }
}

const tuning = {
  client: jsonFlag('client-options', flags['client-options']),
  server: jsonFlag('server-options', flags['server-options']),
};

// Every exit path takes the children with it; a hard stop backs up the budget.
for (const [signal, code] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
] as const) {
  process.once(signal, () => {
    killAllChildren();
    process.exit(code);
  });
}
process.once('exit', killAllChildren);
const hardStop = setTimeout(() => {
  console.error('[wirepack/bench] hard time limit reached; killing every child process');
  killAllChildren();
  process.exit(1);
}, BUDGET_MS + 60_000);
hardStop.unref();

/** Every run of every scenario per contender, for combining once all are done. */
const runs = new Map<string, Map<string, RunMetrics[]>>();
const failures = new Map<string, string>();
const lanes = contenders.map(
  (contender) =>
    new Lane(
      contender,
      RUN_TIMEOUT_MS,
      contender.server.startsWith('wirepack')
        ? {
            cpuProfDir:
              cpuProfDir !== undefined && (contender.id === OURS || contender.id === LIGHT)
                ? resolve(cpuProfDir, contender.id)
                : undefined,
            built,
            serverArgs: tuning.server ? [JSON.stringify(tuning.server)] : [],
            clientArgs: tuning.client ? [JSON.stringify(tuning.client)] : [],
          }
        : {},
    ),
);

/** One run through `lane`, recorded; a failure closes the lane, never the benchmark. */
async function runLane(
  lane: Lane,
  scenario: Scenario | undefined,
  calls: number,
  slowIndex: number,
): Promise<void> {
  try {
    const metrics = await lane.run(calls, slowIndex);
    if (!scenario) return;
    const byScenario = runs.get(lane.contender.id) ?? new Map<string, RunMetrics[]>();
    runs.set(lane.contender.id, byScenario);
    byScenario.set(scenario.key, [...(byScenario.get(scenario.key) ?? []), metrics]);
  } catch (error) {
    lane.failure ??= error instanceof Error ? error.message : String(error);
  }
  if (lane.failure && !failures.has(lane.contender.id)) {
    failures.set(lane.contender.id, `${scenario ? scenario.title : 'warm-up'}: ${lane.failure}`);
  }
}

try {
  for (const lane of lanes) {
    process.stderr.write(`[wirepack/bench] starting ${lane.contender.label}\n`);
    try {
      await lane.start();
    } catch (error) {
      lane.failure = `did not start: ${error instanceof Error ? error.message : String(error)}`;
      failures.set(lane.contender.id, lane.failure);
      continue;
    }
    for (let run = 0; run < WARMUP_RUNS && lane.open; run++) await runLane(lane, undefined, WARMUP_CALLS, -1);
  }
  // Round-robin: each repeat runs every contender once, starting with a different one each
  // time, so a burst of load from elsewhere on the machine falls on all of them alike.
  for (const scenario of scenarios) {
    process.stderr.write(`[wirepack/bench] ${scenario.title}\n`);
    // A process spinning on one core for the scenario, as another program on a user's machine would.
    const busy = scenario.busy ? await startBusyLoop(BUDGET_MS + 60_000) : undefined;
    try {
      for (let repeat = 0; repeat < scenario.repeats; repeat++) {
        if (repeat > 0 && Date.now() - startedAt > BUDGET_MS) break;
        for (let turn = 0; turn < lanes.length; turn++) {
          const lane = lanes[(repeat + turn) % lanes.length];
          if (lane?.open) await runLane(lane, scenario, scenario.calls, scenario.slowIndex);
        }
      }
    } finally {
      busy?.stop();
    }
  }
} finally {
  await Promise.all(lanes.map((lane) => lane.stop()));
}

const all = new Map<string, ScenarioResults>();
for (const contender of contenders) {
  const results: ScenarioResults = new Map();
  for (const [key, list] of runs.get(contender.id) ?? []) {
    results.set(key, { runs: list.length, metrics: combineRuns(list), all: list });
  }
  const failure = failures.get(contender.id);
  if (failure) results.set('failure', { runs: 0, failure });
  all.set(contender.id, results);
}
printReport({ contenders, scenarios, results: all, quick, built, tuning, elapsedMs: Date.now() - startedAt });
if (cpuProfDir) {
  console.log(`\nCPU profiles (wirepack's server and client, default and light path): ${cpuProfDir}`);
  console.log(`Top frames: node bench/batching/profile-top.mjs ${cpuProfDir}/${LIGHT}`);
}
if (flags.json) {
  const plain = Object.fromEntries([...all].map(([id, scenarios]) => [id, Object.fromEntries(scenarios)]));
  writeFileSync(
    resolve(flags.json),
    `${JSON.stringify({ quick, node: process.version, results: plain }, null, 2)}\n`,
  );
}
clearTimeout(hardStop);
