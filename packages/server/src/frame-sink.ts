/**
 * Runs a callback after the current macrotask, once every promise job queued by it has run.
 *
 * Frames that become ready "in the same tick" are usually resolved by different promise chains of
 * different depths, so a microtask (queueMicrotask) would fire between them and split them into many
 * chunks. Node and Bun have setImmediate, which runs right after I/O callbacks without the 1 ms floor
 * of setTimeout; browsers and workers fall back to setTimeout(0). This is the one place that looks at
 * the runtime.
 */
const afterTick: (callback: () => void) => void = (() => {
  const immediate = (globalThis as { setImmediate?: (callback: () => void) => unknown }).setImmediate;
  if (typeof immediate === 'function') return (callback) => void immediate(callback);
  return (callback) => void setTimeout(callback, 0);
})();

/** Bytes of frames queued for a slow reader before a batch stops starting calls. */
const BACKLOG_BYTES = 1024 * 1024;

/**
 * The response body of a batch: frames pushed in the same tick leave as one chunk, so a burst of fast
 * results costs one write (and one compressor flush), while a slow result still leaves on its own as
 * soon as it is ready.
 */
export class FrameSink {
  readonly stream: ReadableStream<Uint8Array>;
  /** Frame bytes accepted so far (written now or after this tick). */
  bytesOut = 0;
  private controller!: ReadableStreamDefaultController<Uint8Array>;
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  private scheduled = false;
  private closing = false;
  private done = false;

  /**
   * @param onCancel called once if the reader goes away (the client disconnected) before the end.
   * @param onPull called when the reader wants more (the queue fell below its high-water mark).
   */
  constructor(onCancel: (reason: unknown) => void, onPull: () => void) {
    this.stream = new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          this.controller = controller;
        },
        pull: () => {
          onPull();
        },
        cancel: (reason) => {
          if (this.done) return;
          this.done = true;
          this.pending = [];
          onCancel(reason);
        },
      },
      { highWaterMark: BACKLOG_BYTES, size: (chunk) => chunk.byteLength },
    );
  }

  /**
   * Whether the reader is behind by more than the high-water mark. The batch then starts no new calls
   * until the reader catches up (pull), so a client that requests a thousand large answers and reads
   * none holds at most the running calls' bodies in memory, not all of them.
   */
  get backlogged(): boolean {
    // Frames waiting for the end of this tick count too: fast calls can all finish within one tick.
    return !this.done && (this.controller.desiredSize ?? 0) - this.pendingBytes <= 0;
  }

  /** Whether the stream has ended or been cancelled. */
  get closed(): boolean {
    return this.done || this.closing;
  }

  /** Queues an encoded frame; it is written after the current tick with every other frame queued meanwhile. */
  push(frame: Uint8Array): void {
    if (this.closed) return;
    this.pending.push(frame);
    this.pendingBytes += frame.byteLength;
    this.bytesOut += frame.byteLength;
    if (!this.scheduled) {
      this.scheduled = true;
      afterTick(this.flush);
    }
  }

  /** Queues the last frame and closes the stream after writing it. */
  end(frame: Uint8Array): void {
    this.push(frame);
    this.closing = true;
  }

  private readonly flush = (): void => {
    this.scheduled = false;
    if (this.done) return;
    // Decided before enqueue: enqueue can hand the chunk to a waiting reader and call pull at once,
    // which starts more calls whose frames (and the end frame) are pushed for the next flush.
    const closeNow = this.closing;
    const frames = this.pending;
    const total = this.pendingBytes;
    this.pending = [];
    this.pendingBytes = 0;
    if (frames.length > 0) {
      let chunk: Uint8Array;
      if (frames.length === 1) {
        chunk = frames[0] as Uint8Array;
      } else {
        chunk = new Uint8Array(total);
        let offset = 0;
        for (const frame of frames) {
          chunk.set(frame, offset);
          offset += frame.byteLength;
        }
      }
      this.controller.enqueue(chunk);
    }
    if (closeNow) {
      this.done = true;
      this.controller.close();
    }
  };
}
