// A process that keeps one core busy, for the head-of-line case "while another process keeps one
// core busy" (issue 11). It spins in its own process so it competes with the contenders' processes
// as any other program would; it ends itself after `maxMs` and with this process.
import { type ChildProcess, spawn } from 'node:child_process';

/** A running busy loop. */
export interface BusyLoop {
  stop(): void;
}

const children = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

/** Starts the busy process and waits until it spins. */
export async function startBusyLoop(maxMs: number): Promise<BusyLoop> {
  const script = `process.stdout.write('spinning\\n'); const end = Date.now() + ${Math.ceil(maxMs)}; let x = 0; while (Date.now() < end) { x = (x * 31 + 7) | 0; }`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.add(child);
  child.once('exit', () => children.delete(child));
  await new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    child.stdout?.once('data', () => resolve());
  });
  return {
    stop: () => {
      child.kill('SIGKILL');
      children.delete(child);
    },
  };
}
