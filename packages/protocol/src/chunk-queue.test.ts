import { describe, expect, test } from 'vitest';
import { ChunkQueue } from './chunk-queue.ts';

describe('ChunkQueue', () => {
  test('a take inside one chunk is a view of it, not a copy', () => {
    const chunk = Uint8Array.of(1, 2, 3, 4, 5);
    const queue = new ChunkQueue();
    queue.push(chunk);
    const taken = queue.take(3);
    expect([...taken]).toEqual([1, 2, 3]);
    expect(taken.buffer).toBe(chunk.buffer);
    expect(queue.length).toBe(2);
  });

  test('takes, skips and peeks across chunk boundaries', () => {
    const queue = new ChunkQueue();
    for (const part of [[0, 0], [1], [2, 9, 8], [7, 6, 5]]) queue.push(Uint8Array.from(part));
    expect(queue.length).toBe(9);
    expect(queue.peekUint32()).toBe(0x0000_0102);
    expect(queue.length).toBe(9);
    queue.skip(4);
    expect([...queue.take(3)]).toEqual([9, 8, 7]);
    expect([...queue.take(2)]).toEqual([6, 5]);
    expect(queue.length).toBe(0);
  });

  test('chunks consumed exactly are released, and empty chunks are passed over', () => {
    const queue = new ChunkQueue();
    queue.push(Uint8Array.of(1, 2));
    queue.push(new Uint8Array(0));
    queue.push(Uint8Array.of(3));
    expect([...queue.take(2)]).toEqual([1, 2]);
    expect([...queue.take(1)]).toEqual([3]);
    queue.push(Uint8Array.of(0xff, 0xff, 0xff, 0xfe));
    expect(queue.peekUint32()).toBe(0xffff_fffe);
  });
});
