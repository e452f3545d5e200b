import { readlinkSync } from 'node:fs';
import { constants, setPriority } from 'node:os';

/**
 * Whether `lowerThreadPriority` can work here: on Linux the nice value is an attribute of each
 * thread, not of the whole process (setpriority(2), NOTES), and a thread finds its own id in
 * `/proc/thread-self`. This is the one place that asks.
 */
export const THREAD_PRIORITY_SUPPORTED: boolean = process.platform === 'linux';

/**
 * Lowers the calling worker thread to the lowest scheduling priority (nice 19, `PRIORITY_LOW`), so that it runs on
 * CPU time the other threads of the machine leave idle: early compression then soaks up what the
 * bundler does not use without slowing it down. Returns whether it did. Never touches the main
 * thread (whose id is the process id): renicing it would slow the build itself.
 */
export function lowerThreadPriority(): boolean {
  if (!THREAD_PRIORITY_SUPPORTED) return false;
  try {
    const threadId = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (!Number.isInteger(threadId) || threadId <= 0 || threadId === process.pid) return false;
    setPriority(threadId, constants.priority.PRIORITY_LOW);
    return true;
  } catch {
    // No /proc, or not allowed: the work still runs, at normal priority.
    return false;
  }
}
