// One contender's pair of processes (server and client) and the runs made through them.
import { SLOW_MS } from './app.ts';
import { Child, type ChildOptions } from './child.ts';
import type { Contender } from './contenders.ts';
import type { ClientCommand, ClientMessage, ServerCommand, ServerMessage } from './messages.ts';
import { type RunMetrics, runMetrics } from './stats.ts';

/** Time a child has to start and say it is ready (tsx compiles the sources on first load). */
const START_TIMEOUT_MS = 30_000;
/** Slack on top of a run's own deadline for the IPC round trips. */
const IPC_SLACK_MS = 10_000;

const serverScript = new URL('./server-process.ts', import.meta.url);
const clientScript = new URL('./client-process.ts', import.meta.url);

/** Extra arguments for a lane's processes: ours takes option overrides as JSON. */
export interface LaneOptions extends ChildOptions {
  serverArgs?: string[];
  clientArgs?: string[];
}

/** A contender's server and client processes; once a run fails to settle, the lane is closed. */
export class Lane {
  readonly contender: Contender;
  /** Why the lane stopped measuring, if it did. */
  failure: string | undefined;
  readonly #options: LaneOptions;
  readonly #runTimeoutMs: number;
  #server: Child<ServerCommand, ServerMessage> | undefined;
  #client: Child<ClientCommand, ClientMessage> | undefined;

  constructor(contender: Contender, runTimeoutMs: number, options: LaneOptions = {}) {
    this.contender = contender;
    this.#runTimeoutMs = runTimeoutMs;
    this.#options = options;
  }

  /** Starts the server, then the client pointed at it. */
  async start(): Promise<void> {
    const { id, server: kind } = this.contender;
    const { serverArgs = [], clientArgs = [] } = this.#options;
    this.#server = new Child(`${id} server`, serverScript, [kind, ...serverArgs], this.#options);
    const { port } = await this.#server.next('ready', START_TIMEOUT_MS);
    const origin = `http://127.0.0.1:${port}`;
    this.#client = new Child(`${id} client`, clientScript, [id, origin, ...clientArgs], this.#options);
    await this.#client.next('ready', START_TIMEOUT_MS);
  }

  /** Whether the lane can still run. */
  get open(): boolean {
    return this.failure === undefined && this.#client !== undefined;
  }

  /**
   * One run: `calls` calls in one tick (call `slowIndex` slow, if in range) inside a server
   * measurement window. A run that leaves calls pending closes the lane: they would still be
   * running during the next run.
   */
  async run(calls: number, slowIndex: number): Promise<RunMetrics> {
    const server = this.#server;
    const client = this.#client;
    if (!server || !client || this.failure) throw new Error(this.failure ?? 'lane not started');
    await server.request({ type: 'begin' }, 'begun', IPC_SLACK_MS);
    const command: ClientCommand = {
      type: 'run',
      calls,
      slowIndex,
      slowMs: SLOW_MS,
      timeoutMs: this.#runTimeoutMs,
    };
    const result = await client.request(command, 'result', this.#runTimeoutMs + IPC_SLACK_MS);
    const stats = await server.request({ type: 'end' }, 'stats', IPC_SLACK_MS);
    const metrics = runMetrics(result, stats, slowIndex);
    if (!result.settled) {
      const messages = metrics.errorMessages.map(([message, count]) => `"${message}" ×${count}`).join(', ');
      this.failure = `${metrics.errors} of ${calls} calls failed or hung: ${messages}`;
    }
    return metrics;
  }

  /** Stops both processes (cleanly, so CPU profiles get written; killed if they linger). */
  async stop(): Promise<void> {
    await Promise.all([this.#client?.stop({ type: 'exit' }), this.#server?.stop({ type: 'exit' })]);
  }
}
