/**
 * A fixed-size ring of the latest samples: pushing the `capacity + 1`-th drops the oldest.
 *
 * @example
 * const ring = new Ring<number>(3); [1, 2, 3, 4].forEach((n) => ring.push(n)); ring.toArray(); // [2, 3, 4]
 */
export class Ring<T> {
  readonly #items: T[] = [];
  #start = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new TypeError("capacity must be a positive integer");
  }

  push(item: T): void {
    if (this.#items.length < this.capacity) this.#items.push(item);
    else {
      this.#items[this.#start] = item;
      this.#start = (this.#start + 1) % this.capacity;
    }
  }

  /** Oldest first. */
  toArray(): T[] {
    return [...this.#items.slice(this.#start), ...this.#items.slice(0, this.#start)];
  }

  get size(): number {
    return this.#items.length;
  }
}
