/**
 * The memory budget of one batch for results its client has not read yet: bytes of sub-response
 * bodies being read, plus frames waiting in the sink. While the client keeps up the budget is never
 * close to spent. When it falls behind, the batch starts no new calls (the sink's backlog) and, past
 * the budget, running calls stop having their bodies read: a streaming handler then sees the
 * back-pressure of a body nobody pulls, and a client that reads nothing holds about the budget plus
 * one response, not every running call's result (issue 9, item 5: ~160 MiB per unread batch).
 *
 * When the client has taken every frame, the oldest reader may go on past the budget, so reading
 * never deadlocks and a single response larger than the budget still gets through (`maxResponseBytes`
 * caps it); when it reads nothing at all, everything waits and the sink's READ_TIMEOUT ends the batch.
 */
export class ResultBudget {
  private readonly readers: BudgetReader[] = [];
  private reading = 0;

  /**
   * @param limit bytes the batch may hold.
   * @param buffered bytes waiting in the sink now.
   */
  constructor(
    private readonly limit: number,
    private readonly buffered: () => number,
  ) {}

  /** Starts accounting for one body read. */
  open(): BudgetReader {
    const reader = new BudgetReader();
    this.readers.push(reader);
    return reader;
  }

  /** Charges bytes read; a promise when the reader has to wait for room (resolved by wake or close). */
  charge(reader: BudgetReader, bytes: number): Promise<void> | undefined {
    reader.used += bytes;
    this.reading += bytes;
    if (this.mayRead(reader)) return undefined;
    return new Promise<void>((resolve) => {
      reader.waiter = resolve;
    });
  }

  /** The read is over (done, failed or aborted): its bytes stop counting and a waiting read goes on. */
  close(reader: BudgetReader): void {
    const index = this.readers.indexOf(reader);
    if (index === -1) return;
    this.readers.splice(index, 1);
    this.reading -= reader.used;
    reader.used = 0;
    reader.release();
    this.wake();
  }

  /** Lets waiting reads go on, oldest first, while there is room (the client read, or a read ended). */
  wake(): void {
    for (const reader of this.readers) {
      if (reader.waiter === undefined) continue;
      if (!this.mayRead(reader)) return;
      reader.release();
    }
  }

  private mayRead(reader: BudgetReader): boolean {
    const buffered = this.buffered();
    // The oldest reader goes on past the budget only while the client has taken everything else.
    return buffered + this.reading <= this.limit || (buffered === 0 && this.readers[0] === reader);
  }
}

/** One body read's share of a {@link ResultBudget}. */
export class BudgetReader {
  used = 0;
  waiter: (() => void) | undefined;

  release(): void {
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.();
  }
}
