import {
  type DecodeLimits,
  encodeFrame,
  encodeResultsFrame,
  FRAME_HEADER_BYTES,
  type ResultFrame,
  WirepackError,
} from '@wirepack/protocol';
import type { PendingResult } from './to-result-frame.ts';

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

/** Bytes of frames held for a slow reader before a batch stops starting calls. */
const BACKLOG_BYTES = 1024 * 1024;

/**
 * The response body of a batch: frames pushed in the same tick leave as one chunk, so a burst of fast
 * results costs one write (and one compressor flush), while a slow result still leaves on its own as
 * soon as it is ready. Results pushed as {@link PendingResult}s in the same tick are encoded together
 * as results frames (one MessagePack message for many results: record definitions, the header table
 * and the framing are shared), each message kept within the client's decode limits.
 *
 * The stream has a high-water mark of 0 and the sink keeps the chunks its reader has not asked for,
 * handing one over per read: so every read is seen (a pull), the bytes held for a slow reader are
 * counted exactly (`bufferedBytes`, which the batch's result budget uses), and a reader that asks for
 * nothing for `readTimeoutMs` while chunks wait is given up on: the stream errors with READ_TIMEOUT
 * and `onStall` runs.
 */
export class FrameSink {
  readonly stream: ReadableStream<Uint8Array>;
  /** Frame bytes written so far (results count once encoded, at the end of their tick). */
  bytesOut = 0;
  private controller!: ReadableStreamDefaultController<Uint8Array>;
  private pending: Array<Uint8Array | PendingResult> = [];
  private pendingBytes = 0;
  /** Encoded chunks the reader has not asked for yet, oldest first. */
  private ready: Uint8Array[] = [];
  private readyBytes = 0;
  /** A read is waiting for the next chunk. */
  private wanted = false;
  private scheduled = false;
  private closing = false;
  private closeWhenDrained = false;
  private done = false;
  private stallTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly limits: DecodeLimits;
  private readonly onPull: () => void;
  private readonly readTimeoutMs: number;
  private readonly onStall: (error: WirepackError) => void;

  /**
   * @param limits the client's decode limits, which every frame written must fit.
   * @param onCancel called once if the reader goes away (the client disconnected) before the end.
   * @param onPull called on every read (the reader caught up, room in the budget).
   * @param readTimeoutMs how long chunks may wait for a read before the stream fails with READ_TIMEOUT.
   * @param onStall called once when that happens.
   */
  constructor(
    limits: DecodeLimits,
    onCancel: (reason: unknown) => void,
    onPull: () => void,
    readTimeoutMs: number = Number.POSITIVE_INFINITY,
    onStall: (error: WirepackError) => void = () => undefined,
  ) {
    this.limits = limits;
    this.onPull = onPull;
    this.readTimeoutMs = readTimeoutMs;
    this.onStall = onStall;
    this.stream = new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          this.controller = controller;
        },
        pull: () => {
          this.onRead();
        },
        cancel: (reason) => {
          if (this.done) return;
          this.stop();
          onCancel(reason);
        },
      },
      { highWaterMark: 0 },
    );
  }

  /**
   * Whether the reader is behind by more than {@link BACKLOG_BYTES}. The batch then starts no new calls
   * until the reader catches up, so a client that requests a thousand large answers and reads none
   * holds at most the running calls' bodies in memory (and those within the result budget).
   */
  get backlogged(): boolean {
    // Frames waiting for the end of this tick count too: fast calls can all finish within one tick.
    return !this.done && this.pendingBytes + this.readyBytes >= BACKLOG_BYTES;
  }

  /** Bytes of frames held for the reader: encoded chunks it has not taken and results of this tick. */
  get bufferedBytes(): number {
    return this.done ? 0 : this.pendingBytes + this.readyBytes;
  }

  /** Whether the stream has ended or been cancelled. */
  get closed(): boolean {
    return this.done || this.closing;
  }

  /**
   * Queues an encoded frame, or a result to encode with the others of this tick; it is written after
   * the current tick with everything else queued meanwhile.
   */
  push(frame: Uint8Array | PendingResult): void {
    if (this.closed) return;
    this.pending.push(frame);
    this.pendingBytes += frame instanceof Uint8Array ? frame.byteLength : frame.bytes;
    if (!this.scheduled) {
      this.scheduled = true;
      afterTick(this.flush);
    }
  }

  /**
   * Writes the last frame with everything still queued, and closes the stream once the reader has
   * taken it all. At once rather than after the tick: nothing can follow it, and `bytesOut` is final
   * when this returns.
   */
  end(frame: Uint8Array): void {
    if (this.closed) return;
    this.pending.push(frame);
    this.closing = true;
    this.flush();
  }

  /** A read: hand over the oldest chunk, or remember that the reader waits for the next one. */
  private onRead(): void {
    if (this.done) return;
    clearTimeout(this.stallTimer);
    this.stallTimer = undefined;
    const chunk = this.ready.shift();
    if (chunk === undefined) {
      this.wanted = true;
    } else {
      this.readyBytes -= chunk.byteLength;
      this.deliver(chunk);
      if (this.ready.length > 0) this.armStall();
    }
    this.onPull();
  }

  private deliver(chunk: Uint8Array): void {
    this.controller.enqueue(chunk);
    if (this.closeWhenDrained && this.ready.length === 0) {
      this.done = true;
      this.controller.close();
    }
  }

  private armStall(): void {
    if (this.stallTimer !== undefined || this.readTimeoutMs === Number.POSITIVE_INFINITY) return;
    this.stallTimer = setTimeout(() => {
      this.stallTimer = undefined;
      if (this.done || this.ready.length === 0) return;
      const error = new WirepackError(
        'READ_TIMEOUT',
        `the client read nothing for ${this.readTimeoutMs} ms while ${this.readyBytes} bytes of frames waited`,
      );
      this.stop();
      this.controller.error(error);
      this.onStall(error);
    }, this.readTimeoutMs);
  }

  /** Drops everything held: the reader is gone or given up on. */
  private stop(): void {
    this.done = true;
    this.pending = [];
    this.pendingBytes = 0;
    this.ready = [];
    this.readyBytes = 0;
    clearTimeout(this.stallTimer);
    this.stallTimer = undefined;
  }

  private readonly flush = (): void => {
    this.scheduled = false;
    if (this.done) return;
    const closeNow = this.closing;
    const items = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    if (items.length > 0) {
      const frames = this.encode(items);
      let chunk: Uint8Array;
      if (frames.length === 1) {
        chunk = frames[0] as Uint8Array;
      } else {
        let total = 0;
        for (const frame of frames) total += frame.byteLength;
        chunk = new Uint8Array(total);
        let offset = 0;
        for (const frame of frames) {
          chunk.set(frame, offset);
          offset += frame.byteLength;
        }
      }
      this.bytesOut += chunk.byteLength;
      if (this.wanted && this.ready.length === 0) {
        // Cleared before enqueue: enqueue hands the chunk to the waiting read, and the next read
        // (which may come at once) pulls again.
        this.wanted = false;
        this.controller.enqueue(chunk);
      } else {
        this.ready.push(chunk);
        this.readyBytes += chunk.byteLength;
        this.armStall();
      }
    }
    if (closeNow) {
      if (this.ready.length === 0) {
        this.done = true;
        this.controller.close();
      } else {
        this.closeWhenDrained = true;
      }
    }
  };

  /** Encoded frames, in order: runs of pending results become results frames within the limits. */
  private encode(items: ReadonlyArray<Uint8Array | PendingResult>): Uint8Array[] {
    const { maxBytes, maxEntries } = this.limits;
    const out: Uint8Array[] = [];
    let group: ResultFrame[] = [];
    let groupBytes = 0;
    let groupEntries = 0;
    const writeGroup = (): void => {
      if (group.length > 0) out.push(...encodeGroup(group));
      group = [];
      groupBytes = 0;
      groupEntries = 0;
    };
    for (const item of items) {
      if (item instanceof Uint8Array) {
        writeGroup();
        out.push(item);
        continue;
      }
      // FRAME_HEADER_BYTES: the bounds leave room for the results frame's own envelope.
      if (
        groupBytes + item.bytes + FRAME_HEADER_BYTES > maxBytes ||
        groupEntries + item.entries > maxEntries
      ) {
        writeGroup();
      }
      group.push(item.frame);
      groupBytes += item.bytes;
      groupEntries += item.entries;
    }
    writeGroup();
    return out;
  }
}

/**
 * One results frame for the group. Results hold parsed JSON, bytes and header strings, which always
 * encode; should one not, each result is encoded on its own and the one that fails becomes an
 * INTERNAL error frame, so a flush (which runs outside any caller) never throws.
 */
function encodeGroup(group: readonly ResultFrame[]): Uint8Array[] {
  try {
    return [encodeResultsFrame(group)];
  } catch {
    return group.map((frame) => {
      try {
        return encodeFrame(frame);
      } catch {
        // The cause cannot be reported from here; the frame names the call that failed.
        return encodeFrame({
          kind: 'error',
          id: frame.id,
          code: 'INTERNAL',
          message: 'the result could not be encoded',
        });
      }
    });
  }
}
