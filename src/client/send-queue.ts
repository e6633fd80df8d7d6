/** Frames written while the socket is down, sent in order once it opens; bounded. */
export class SendQueue<T> {
  #items: T[] = [];

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 0) throw new RangeError(`queue limit must be a whole number ≥ 0 (got ${limit})`);
  }

  get size(): number {
    return this.#items.length;
  }

  /** False (and nothing kept) when the queue is full. */
  push(item: T): boolean {
    if (this.#items.length >= this.limit) return false;
    this.#items.push(item);
    return true;
  }

  /** Everything queued, oldest first, leaving the queue empty. */
  drain(): T[] {
    const items = this.#items;
    this.#items = [];
    return items;
  }
}
