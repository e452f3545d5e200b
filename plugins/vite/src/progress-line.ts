import { LOG_PREFIX } from './log-prefix.ts';

/** Where the progress line is drawn: a terminal stream (`process.stdout`, where Vite's logger writes). */
export interface ProgressStream {
  readonly isTTY?: boolean | undefined;
  /** Terminal width; the line is cut to it, since a wrapped line cannot be rewritten with `\r`. */
  readonly columns?: number | undefined;
  write(chunk: string): unknown;
}

/** Settings of `createProgressLine`. */
export interface ProgressLineOptions {
  /** The stream to draw on. @default process.stdout */
  readonly stream?: ProgressStream;
  /** Environment variables, for `CI`. @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Nothing is drawn before this long after creation: short work shows no line. @default 1000 */
  readonly delayMs?: number;
  /** Least time between two redraws. @default 100 */
  readonly intervalMs?: number;
  /** Clock in milliseconds. @default performance.now */
  readonly now?: () => number;
}

/** A progress line: `update` as work completes, `end` once (erases what was drawn). */
export interface ProgressLine {
  update(done: number, total: number): void;
  end(): void;
}

/** `CI=1`, `CI=true` (any value but empty, `0` or `false`): what CI services set, and what `ci-info` reads. */
export function isCI(env: Readonly<Record<string, string | undefined>>): boolean {
  const value = env.CI;
  return value !== undefined && value !== '' && value !== '0' && value.toLowerCase() !== 'false';
}

const SILENT: ProgressLine = Object.freeze({ update() {}, end() {} });

/**
 * One line, rewritten in place with `\r` (and cleared to its end with `ESC [ K`), saying how many
 * files of how many are done. Only on a terminal outside CI: in a CI log or a piped output each
 * rewrite would be a new line of noise, so there it draws nothing at all. Redraws are throttled
 * to `intervalMs`, and the first waits `delayMs`, so a warm rebuild (cache hits only) never shows it.
 * `end` erases the line, leaving the terminal as it was for the report that follows.
 */
export function createProgressLine(label: string, options: ProgressLineOptions = {}): ProgressLine {
  const stream = options.stream ?? process.stdout;
  if (stream.isTTY !== true || isCI(options.env ?? process.env)) return SILENT;
  const now = options.now ?? (() => performance.now());
  const delayMs = options.delayMs ?? 1000;
  const intervalMs = options.intervalMs ?? 100;
  const started = now();
  let drawnAt: number | undefined;
  let ended = false;
  return {
    update(done, total) {
      if (ended) return;
      const time = now();
      if (time - started < delayMs) return;
      if (drawnAt !== undefined && time - drawnAt < intervalMs) return;
      drawnAt = time;
      let text = `${LOG_PREFIX} ${label}: compressing ${done}/${total} files`;
      const columns = stream.columns;
      if (columns !== undefined && columns > 1 && text.length >= columns) text = text.slice(0, columns - 1);
      stream.write(`\r${text}\u001b[K`);
    },
    end() {
      if (ended) return;
      ended = true;
      if (drawnAt !== undefined) stream.write('\r\u001b[K');
    },
  };
}
