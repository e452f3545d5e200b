// Messages between the orchestrator and its two child processes (server, client), over Node's IPC.

/** Which server a contender talks to. */
export type ServerKind = 'rest' | 'trpc' | 'wirepack' | 'wirepack-identity' | 'wirepack-light' | 'naive';

/** Which client a contender uses. */
export type ClientKind =
  | 'fetch'
  | 'trpc-batch'
  | 'trpc-batch-url'
  | 'trpc-stream'
  | 'trpc-stream-url'
  | 'wirepack'
  | 'wirepack-identity'
  | 'wirepack-light'
  | 'naive'
  | 'naive-stream';

/** Orchestrator → server: start or stop a measurement window, or exit. */
export type ServerCommand = { type: 'begin' } | { type: 'end' } | { type: 'exit' };

/** Server → orchestrator. */
export type ServerMessage =
  | { type: 'ready'; port: number }
  | { type: 'begun' }
  | ({ type: 'stats' } & ServerStats)
  | { type: 'failed'; message: string };

/** What the server measured in one window, all at the socket and process level. */
export interface ServerStats {
  /** User + system CPU time of the server process. */
  cpuMicros: number;
  wallMs: number;
  /** Bytes read from and written to client sockets (HTTP heads and bodies, chunk framing included). */
  bytesIn: number;
  bytesOut: number;
  /** HTTP requests received, including those the parser refused (for example 431). */
  requests: number;
  /** Responses by status code. */
  statuses: Record<string, number>;
  connections: number;
  peakRssBytes: number;
  totalMemBytes: number;
  cores: number;
}

/** Orchestrator → client: run one scenario (`calls` calls issued in the same tick), or exit. */
export type ClientCommand =
  | { type: 'run'; calls: number; slowIndex: number; slowMs: number; timeoutMs: number }
  | { type: 'exit' };

/** Client → orchestrator. */
export type ClientMessage =
  | { type: 'ready' }
  | ({ type: 'result' } & RunResult)
  | { type: 'failed'; message: string };

/** One scenario as the client saw it. */
export interface RunResult {
  calls: number;
  /** Whether every call settled before the deadline. */
  settled: boolean;
  /** Wall time from the first call issued to the last call settled. */
  wallMs: number;
  /** User + system CPU time of the client process over the same span. */
  cpuMicros: number;
  /** Latency of each call in milliseconds, issue to body decoded (failed calls included). */
  latencies: number[];
  /** Whether each call resolved to the expected record. */
  ok: boolean[];
  errors: number;
  /** The distinct error messages seen, with counts (at most a few). */
  errorMessages: [message: string, count: number][];
}
