import { describe, expect, it } from 'vitest';
import { CallDeadlines } from './call-deadlines.ts';

interface Call {
  readonly id: number;
  readonly deadline: number;
  done: boolean;
}

const call = (id: number, deadline: number): Call => ({ id, deadline, done: false });

describe('CallDeadlines', () => {
  it('gives the deadline of the oldest call still running, skipping finished ones', () => {
    const deadlines = new CallDeadlines<Call>((c) => c.done);
    expect(deadlines.next()).toBe(Number.POSITIVE_INFINITY);
    const [a, b, c] = [call(1, 100), call(2, 150), call(3, 200)];
    for (const item of [a, b, c]) deadlines.add(item);
    expect(deadlines.next()).toBe(100);
    a.done = true;
    b.done = true;
    expect(deadlines.next()).toBe(200);
    c.done = true;
    expect(deadlines.next()).toBe(Number.POSITIVE_INFINITY);
  });

  it('expires the calls due by now, oldest first, never a finished one, and keeps the rest', () => {
    const deadlines = new CallDeadlines<Call>((c) => c.done);
    const calls = [call(1, 100), call(2, 110), call(3, 120), call(4, 300)];
    for (const item of calls) deadlines.add(item);
    (calls[1] as Call).done = true;
    const expired: number[] = [];
    deadlines.expire(120, (c) => expired.push(c.id));
    expect(expired).toEqual([1, 3]);
    expect(deadlines.next()).toBe(300);
    deadlines.expire(299, (c) => expired.push(c.id));
    expect(expired).toEqual([1, 3]);
  });

  it('lets an expired call add a new one (a freed slot starts the next call)', () => {
    const deadlines = new CallDeadlines<Call>((c) => c.done);
    deadlines.add(call(1, 100));
    const expired: number[] = [];
    deadlines.expire(100, (c) => {
      expired.push(c.id);
      c.done = true;
      deadlines.add(call(2, 200));
    });
    expect(expired).toEqual([1]);
    expect(deadlines.next()).toBe(200);
  });
});
