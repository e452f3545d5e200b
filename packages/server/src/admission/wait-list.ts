/**
 * A FIFO of waiting entries that also removes from the middle (a deadline, an abort) and from the
 * tail (eviction) in O(1): a doubly linked list threaded through the entries themselves. Knows
 * nothing of HTTP or priorities.
 */
export class WaitList<TEntry extends WaitListNode<TEntry>> {
  private head: TEntry | undefined;
  private tail: TEntry | undefined;
  size = 0;

  push(entry: TEntry): void {
    entry.prev = this.tail;
    entry.next = undefined;
    if (this.tail === undefined) this.head = entry;
    else this.tail.next = entry;
    this.tail = entry;
    entry.list = this;
    this.size++;
  }

  /** The oldest entry, removed; undefined when empty. */
  shift(): TEntry | undefined {
    const entry = this.head;
    if (entry !== undefined) this.remove(entry);
    return entry;
  }

  /** The newest entry, removed; undefined when empty. */
  pop(): TEntry | undefined {
    const entry = this.tail;
    if (entry !== undefined) this.remove(entry);
    return entry;
  }

  /** Removes an entry if it is in this list (a second removal is a no-op). */
  remove(entry: TEntry): void {
    if (entry.list !== this) return;
    if (entry.prev === undefined) this.head = entry.next;
    else entry.prev.next = entry.next;
    if (entry.next === undefined) this.tail = entry.prev;
    else entry.next.prev = entry.prev;
    entry.prev = undefined;
    entry.next = undefined;
    entry.list = undefined;
    this.size--;
  }
}

/** The links an entry carries to be in a {@link WaitList}. */
export interface WaitListNode<TEntry> {
  prev: TEntry | undefined;
  next: TEntry | undefined;
  /** The list the entry is in, if any. */
  list: object | undefined;
}
