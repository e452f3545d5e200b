// Child process: one contender's HTTP server on 127.0.0.1, instrumented at the socket level.
//
//   server-process.ts <rest|trpc|wirepack|wirepack-identity> [wirepack handler options as JSON]
//
// Between `begin` and `end` it counts the bytes read from and written to client sockets (what
// crossed the loopback, HTTP framing included, TCP/IP headers excluded), the requests and their
// statuses, the process's CPU time and its peak resident memory, and reports them over IPC.
import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { availableParallelism, totalmem } from 'node:os';
import { createRestListener } from './app.ts';
import type { ServerCommand, ServerKind, ServerMessage, ServerStats } from './messages.ts';

/** How long idle connections stay open (the client's Agent uses the same). */
const KEEP_ALIVE_MS = 120_000;

const send = (message: ServerMessage): void => {
  process.send?.(message);
};

// The parent owns this process: if it goes away, so do we (no orphan servers).
process.on('disconnect', () => process.exit(0));

/** Each server loads only its own stack, so no process carries another contender's code. */
async function createListener(kind: ServerKind): Promise<RequestListener> {
  switch (kind) {
    case 'rest':
      return createRestListener();
    case 'trpc':
      return (await import('./trpc-router.ts')).createTrpcListener();
    case 'naive':
      return (await import('./naive.ts')).createNaiveListener();
    case 'wirepack':
    case 'wirepack-identity':
    case 'wirepack-light': {
      const { createWirepackListener } = await import('./wirepack-server.ts');
      const overrides = JSON.parse(process.argv[3] ?? '{}');
      return createWirepackListener(
        overrides,
        kind === 'wirepack-identity' ? { compression: false } : {},
        kind === 'wirepack-light',
      );
    }
  }
}

const kind = process.argv[2] as ServerKind;
const listener = await createListener(kind);
const server = createServer(listener);
// Browsers keep idle connections for a minute or more; so do both ends here, so that a contender
// waiting for its turn in the round-robin does not pay for new connections on the next run.
server.keepAliveTimeout = KEEP_ALIVE_MS;

// --- Socket-level accounting ----------------------------------------------------------------
const sockets = new Set<Socket>();
let closedIn = 0;
let closedOut = 0;
let connections = 0;
let requests = 0;
let statuses: Record<string, number> = {};
const countStatus = (status: number): void => {
  statuses[status] = (statuses[status] ?? 0) + 1;
};

server.on('connection', (socket: Socket) => {
  connections += 1;
  sockets.add(socket);
  socket.once('close', () => {
    sockets.delete(socket);
    closedIn += socket.bytesRead;
    closedOut += socket.bytesWritten;
  });
});
server.on('request', (_request, response) => {
  requests += 1;
  response.once('finish', () => countStatus(response.statusCode));
});
// Requests the parser refuses never reach 'request'. Answer them as Node's own handler does
// (lib/_http_server.js socketOnError: 431 for an oversized head, else 400, then destroy) and
// count them: a peer's batch that does not fit in a URL fails here.
server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
  const status = error.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
  requests += 1;
  countStatus(status);
  if (socket.writable) {
    const reason = status === 431 ? 'Request Header Fields Too Large' : 'Bad Request';
    socket.write(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\n\r\n`);
  }
  socket.destroy(error);
});

function socketTotals(): { bytesIn: number; bytesOut: number } {
  let bytesIn = closedIn;
  let bytesOut = closedOut;
  for (const socket of sockets) {
    bytesIn += socket.bytesRead;
    bytesOut += socket.bytesWritten;
  }
  return { bytesIn, bytesOut };
}

// --- Measurement windows --------------------------------------------------------------------
let window: { cpu: NodeJS.CpuUsage; at: number; bytes: ReturnType<typeof socketTotals> } | undefined;

function begin(): void {
  requests = 0;
  connections = 0;
  statuses = {};
  window = { cpu: process.cpuUsage(), at: performance.now(), bytes: socketTotals() };
}

function end(): ServerStats {
  if (!window) throw new Error('end without begin');
  const cpu = process.cpuUsage(window.cpu);
  const bytes = socketTotals();
  const stats: ServerStats = {
    cpuMicros: cpu.user + cpu.system,
    wallMs: performance.now() - window.at,
    bytesIn: bytes.bytesIn - window.bytes.bytesIn,
    bytesOut: bytes.bytesOut - window.bytes.bytesOut,
    requests,
    statuses,
    connections,
    // The kernel's high-water mark of the process's resident memory (KiB): no sampling to pay for
    // during the run, and a peak cannot be missed between samples. It covers the process's life
    // so far, so it is an upper bound for this window.
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
    totalMemBytes: totalmem(),
    cores: availableParallelism(),
  };
  window = undefined;
  return stats;
}

process.on('message', (command: ServerCommand) => {
  try {
    if (command.type === 'begin') {
      begin();
      send({ type: 'begun' });
    } else if (command.type === 'end') {
      send({ type: 'stats', ...end() });
    } else if (command.type === 'exit') {
      // A clean exit, so that --cpu-prof writes its profile.
      server.closeAllConnections();
      server.close(() => process.exit(0));
    }
  } catch (error) {
    send({ type: 'failed', message: String(error) });
  }
});

server.listen(0, '127.0.0.1', () => {
  send({ type: 'ready', port: (server.address() as AddressInfo).port });
});
