import { type Priority, PriorityCode } from '@wirepack/protocol';

/**
 * Three FIFO lanes: everything `high` runs before anything `auto`, which runs before anything `low`;
 * order within a lane is arrival order. Knows nothing of HTTP.
 */
export class PriorityQueue<TItem> {
  private readonly lanes: TItem[][] = [[], [], []];
  private readonly heads = [0, 0, 0];
  size = 0;

  push(item: TItem, priority: Priority): void {
    (this.lanes[PriorityCode[priority]] as TItem[]).push(item);
    this.size++;
  }

  /** The next item, or undefined when empty. */
  shift(): TItem | undefined {
    for (let lane = 0; lane < 3; lane++) {
      const items = this.lanes[lane] as TItem[];
      const head = this.heads[lane] as number;
      if (head < items.length) {
        const item = items[head] as TItem;
        // Drop consumed items in bulk rather than shifting the array on every call.
        if (head + 1 === items.length) {
          items.length = 0;
          this.heads[lane] = 0;
        } else {
          this.heads[lane] = head + 1;
        }
        this.size--;
        return item;
      }
    }
    return undefined;
  }

  /** Removes every item, returning them in run order. */
  drain(): TItem[] {
    const out: TItem[] = [];
    for (let item = this.shift(); item !== undefined; item = this.shift()) out.push(item);
    return out;
  }
}
