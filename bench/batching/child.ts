// A child process driven over IPC: send a command, await a typed reply with a deadline, stop it.
// Every child is tracked so the orchestrator can end them all on any exit path.
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Seconds a child has to exit after `exit` before it is killed. */
const EXIT_GRACE_MS = 5_000;

const live = new Set<ChildProcess>();

/** Kills every child still running (the orchestrator's last resort on errors and signals). */
export function killAllChildren(): void {
  for (const child of live) child.kill('SIGKILL');
  live.clear();
}

/** Options for {@link Child}. */
export interface ChildOptions {
  /** Write a V8 CPU profile of the child into this directory (Node's `--cpu-prof`). */
  cpuProfDir?: string | undefined;
  /**
   * Load `@wirepack/*` packages from their built `dist/` (as published) instead of their sources.
   * The benchmark's own files still run through tsx.
   */
  built?: boolean | undefined;
}

/** A running child process speaking `{ type }` messages; `failed` replies reject. */
export class Child<TCommand, TMessage extends { type: string }> {
  readonly #process: ChildProcess;
  readonly #label: string;
  readonly #queue: TMessage[] = [];
  #waiter: ((message: TMessage | Error) => void) | undefined;
  #exited: Promise<void>;

  constructor(label: string, script: URL, args: string[], options: ChildOptions = {}) {
    this.#label = label;
    const execArgv = ['--import', import.meta.resolve('tsx')];
    if (!options.built) execArgv.unshift('--conditions=@wirepack/source');
    if (options.cpuProfDir) execArgv.push('--cpu-prof', `--cpu-prof-dir=${options.cpuProfDir}`);
    this.#process = fork(fileURLToPath(script), args, {
      execArgv,
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    live.add(this.#process);
    this.#exited = new Promise((resolve) => {
      this.#process.once('exit', (code, signal) => {
        live.delete(this.#process);
        this.#deliver(new Error(`${label} exited (${signal ?? `code ${code}`})`));
        resolve();
      });
    });
    this.#process.on('message', (message: TMessage) => this.#deliver(message));
  }

  #deliver(message: TMessage | Error): void {
    const waiter = this.#waiter;
    if (waiter) {
      this.#waiter = undefined;
      waiter(message);
    } else if (!(message instanceof Error)) {
      this.#queue.push(message);
    }
  }

  /** The next message, which must be of `type`; rejects on `failed`, exit or after `timeoutMs`. */
  next<TType extends TMessage['type']>(
    type: TType,
    timeoutMs: number,
  ): Promise<Extract<TMessage, { type: TType }>> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiter = undefined;
        reject(new Error(`${this.#label}: no '${type}' within ${timeoutMs} ms`));
      }, timeoutMs);
      const accept = (message: TMessage | Error): void => {
        clearTimeout(timer);
        if (message instanceof Error) reject(message);
        else if (message.type === type) resolve(message as Extract<TMessage, { type: TType }>);
        else
          reject(
            new Error(`${this.#label}: expected '${type}', got ${JSON.stringify(message).slice(0, 300)}`),
          );
      };
      const queued = this.#queue.shift();
      if (queued) accept(queued);
      else if (this.#process.exitCode !== null || this.#process.signalCode !== null) {
        accept(new Error(`${this.#label} is not running`));
      } else this.#waiter = accept;
    });
  }

  /** Sends `command` and awaits the reply of `type`. */
  request<TType extends TMessage['type']>(
    command: TCommand,
    type: TType,
    timeoutMs: number,
  ): Promise<Extract<TMessage, { type: TType }>> {
    this.#process.send(command as object);
    return this.next(type, timeoutMs);
  }

  /** Asks the child to exit (so a CPU profile gets written), then kills it if it lingers. */
  async stop(exitCommand: TCommand): Promise<void> {
    if (this.#process.connected) this.#process.send(exitCommand as object);
    const timer = setTimeout(() => this.#process.kill('SIGKILL'), EXIT_GRACE_MS);
    await this.#exited;
    clearTimeout(timer);
  }
}
