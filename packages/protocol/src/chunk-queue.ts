/**
 * @internal A byte queue over received chunks that copies only when a frame spans chunks: a frame
 * reader pushes each chunk the stream gives and takes whole frames, which are usually views into one
 * chunk (no copy) and only sometimes stitched from two or more.
 */
export class ChunkQueue {
  private chunks: Uint8Array[] = [];
  private offset = 0; // into chunks[0]
  /** Bytes queued and not yet taken. */
  length = 0;

  push(chunk: Uint8Array): void {
    this.chunks.push(chunk);
    this.length += chunk.length;
  }

  /** The next 4 bytes as a big-endian unsigned integer, without taking them; needs `length >= 4`. */
  peekUint32(): number {
    const head = this.chunks[0] as Uint8Array;
    if (head.length - this.offset >= 4) {
      return new DataView(head.buffer, head.byteOffset + this.offset, 4).getUint32(0);
    }
    const bytes = this.copy(4, false);
    return new DataView(bytes.buffer).getUint32(0);
  }

  /** Drops `count` bytes; needs `length >= count`. */
  skip(count: number): void {
    this.copy(count, true);
  }

  /** Takes `count` bytes: a view when they lie in one chunk, else a copy; needs `length >= count`. */
  take(count: number): Uint8Array {
    const head = this.chunks[0] as Uint8Array;
    if (head.length - this.offset >= count) {
      const view = head.subarray(this.offset, this.offset + count);
      this.advance(count);
      return view;
    }
    return this.copy(count, true);
  }

  private advance(count: number): void {
    this.offset += count;
    this.length -= count;
    while (this.chunks.length > 0 && this.offset >= (this.chunks[0] as Uint8Array).length) {
      this.offset -= (this.chunks.shift() as Uint8Array).length;
    }
  }

  private copy(count: number, consume: boolean): Uint8Array {
    const out = new Uint8Array(count);
    let written = 0;
    let index = 0;
    let offset = this.offset;
    while (written < count) {
      const chunk = this.chunks[index] as Uint8Array;
      const part = Math.min(count - written, chunk.length - offset);
      out.set(chunk.subarray(offset, offset + part), written);
      written += part;
      offset = 0;
      index++;
    }
    if (consume) this.advance(count);
    return out;
  }
}
