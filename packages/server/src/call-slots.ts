/**
 * A held concurrency slot. It is held from the moment a call starts until the app's work for it has
 * settled: the app's promise, and the reading (or discarding) of its response body. A TIMEOUT or
 * CANCELED frame does not release it: the app may still be running, and a slot freed early let a
 * batch with `concurrency` 4 and a 50 ms timeout run 120 handlers at once (issue 9, item 3).
 */
export interface SlotPermit {
  /** Gives the slot back; later calls do nothing. */
  release(): void;
}

/**
 * Where calls get their slots. A batch has its own pool (`concurrency`); a server-wide limiter can
 * implement the same interface and be consulted as well, since a permit says exactly when the app's
 * work for a call began and ended.
 */
export interface SlotPool {
  /** A permit if a slot is free, else undefined (try again after `onRelease`). */
  tryAcquire(): SlotPermit | undefined;
  /** Slots held now. */
  readonly held: number;
}

/** A fixed number of slots; `onRelease` runs after each release, so the owner can start the next call. */
export class CallSlots implements SlotPool {
  held = 0;

  constructor(
    private readonly limit: number,
    private readonly onRelease: () => void,
  ) {}

  tryAcquire(): SlotPermit | undefined {
    if (this.held >= this.limit) return undefined;
    this.held++;
    return new Permit(this);
  }

  /** @internal Called once by a permit. */
  free(): void {
    this.held--;
    this.onRelease();
  }
}

class Permit implements SlotPermit {
  #slots: CallSlots | undefined;

  constructor(slots: CallSlots) {
    this.#slots = slots;
  }

  release(): void {
    const slots = this.#slots;
    if (slots === undefined) return;
    this.#slots = undefined;
    slots.free();
  }
}
