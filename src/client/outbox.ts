/**
 * Lines sent with an id of the client's own (`cid`) and not yet acknowledged, in send
 * order, bounded: what the client sends again, in that order, after every reconnect, until
 * the server says each was stored (it stores a resend of a stored line only once).
 */
export class Outbox {
  readonly #items = new Map<string, string>();

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 0) throw new RangeError(`queue limit must be a whole number ≥ 0 (got ${limit})`);
  }

  get size(): number {
    return this.#items.size;
  }

  /** False (and nothing kept) when the outbox is full or `cid` is already in it. */
  add(cid: string, text: string): boolean {
    if (this.#items.size >= this.limit || this.#items.has(cid)) return false;
    this.#items.set(cid, text);
    return true;
  }

  /** The line `cid` was stored (or refused for good): forget it. False when it was not here. */
  settle(cid: string): boolean {
    return this.#items.delete(cid);
  }

  /** Every unacknowledged frame, oldest first (they stay until settled). */
  frames(): string[] {
    return [...this.#items.values()];
  }

  clear(): void {
    this.#items.clear();
  }
}

/** A random session part for client ids (a reloaded page is a new session): 64 bits, base 36. */
export function sessionPrefix(): string {
  const bytes = new Uint32Array(2);
  globalThis.crypto.getRandomValues(bytes);
  return `${bytes[0]!.toString(36)}${bytes[1]!.toString(36)}`;
}
