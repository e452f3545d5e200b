import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

/**
 * A growable buffer that whole files are read into, one after another.
 *
 * Why: a Buffer's bytes live outside V8's heap, and V8 collects them only when it feels external
 * memory pressure (tens of MB per isolate). Reading hundreds of files with `readFile` in a worker
 * whose heap is nearly empty lets that garbage pile up to well over 100 MB of RSS across the
 * threads. Reading into one reused buffer per thread (or lane) allocates once, grown to the
 * largest file. The returned view is valid until the next read through the same instance.
 */
export class ReadBuffer {
  private buffer: Buffer = Buffer.allocUnsafe(64 * 1024);
  /** The mtime (ms) of the file last read with `readFileSync`, from the same `fstat` as its size. */
  lastMtimeMs = 0;

  /** Reads a whole file synchronously. */
  readFileSync(path: string): Buffer {
    const fd = openSync(path, 'r');
    try {
      const info = fstatSync(fd);
      this.lastMtimeMs = info.mtimeMs;
      return this.readFd(fd, info.size, Infinity);
    } finally {
      closeSync(fd);
    }
  }

  /**
   * Reads an open file from its start: `size` is the expected length (from `fstat`), and at most
   * `maxBytes + 1` bytes are read, so a file that grew past a bound is seen without reading it all.
   * Does not close `fd`.
   */
  readFd(fd: number, size: number, maxBytes: number): Buffer {
    this.ensure(Math.min(size, maxBytes));
    let length = 0;
    for (;;) {
      if (length > maxBytes) return this.buffer.subarray(0, length);
      if (length === this.buffer.length) this.ensure(length * 2);
      const want = Math.min(this.buffer.length - length, maxBytes + 1 - length);
      const read = readSync(fd, this.buffer, length, want, length);
      if (read === 0) return this.buffer.subarray(0, length);
      length += read;
    }
  }

  /** Grows (never shrinks) to hold `size` bytes, plus one so that end of file is seen in one read. */
  private ensure(size: number): void {
    if (size + 1 <= this.buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(size + 1, this.buffer.length * 2));
    this.buffer.copy(grown);
    this.buffer = grown;
  }
}
