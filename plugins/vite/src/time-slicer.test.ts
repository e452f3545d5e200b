import { describe, expect, it } from 'vitest';
import { createTimeSlicer } from './time-slicer.js';

describe('createTimeSlicer', () => {
  it('yields to the event loop only once a slice is used up, then starts a new slice', async () => {
    let now = 0;
    const slicer = createTimeSlicer(20, () => now);
    const order: string[] = [];
    setImmediate(() => order.push('immediate'));
    now = 20;
    await slicer.pause(); // within the slice: no turn of the loop
    order.push('within');
    now = 21;
    await slicer.pause(); // past it: other callbacks run first
    order.push('after');
    expect(order).toEqual(['within', 'immediate', 'after']);
    setImmediate(() => order.push('second immediate'));
    now = 30; // a new slice started at 21
    await slicer.pause();
    order.push('new slice');
    expect(order.at(-1)).toBe('new slice');
    expect(order).not.toContain('second immediate');
  });
});
