/**
 * The running calls of one batch in start order, for their time limit. Every call of a batch has the
 * same limit, so deadlines come in start order and one timer, set for the oldest call still running,
 * serves them all (a timer per call cost about a microsecond each, and as much again in garbage).
 * Calls that finish are not removed when they finish: they are skipped when they reach the head.
 */
export class CallDeadlines<T extends { readonly deadline: number }> {
  private items: T[] = [];
  private head = 0;
  private readonly isDone: (item: T) => boolean;

  constructor(isDone: (item: T) => boolean) {
    this.isDone = isDone;
  }

  /** A call that started now; its deadline is not earlier than any added before it. */
  add(item: T): void {
    this.items.push(item);
  }

  /** The deadline of the oldest call still running; +Infinity when none is. */
  next(): number {
    while (this.head < this.items.length) {
      const item = this.items[this.head] as T;
      if (!this.isDone(item)) return item.deadline;
      this.head++;
    }
    // All passed: start over instead of keeping the finished calls reachable.
    this.items = [];
    this.head = 0;
    return Number.POSITIVE_INFINITY;
  }

  /**
   * Hands `onExpired` every call at the head whose deadline is `now` or earlier, oldest first, and
   * drops the finished calls it passes. `onExpired` may add calls (a timed-out call frees a slot).
   */
  expire(now: number, onExpired: (item: T) => void): void {
    while (this.head < this.items.length) {
      const item = this.items[this.head] as T;
      if (this.isDone(item)) {
        this.head++;
        continue;
      }
      if (item.deadline > now) return;
      this.head++;
      onExpired(item);
    }
  }
}
