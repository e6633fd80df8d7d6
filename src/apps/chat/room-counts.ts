/** Most rooms counted one by one; lines of rooms beyond it are counted under {@link OTHER_ROOMS}. */
export const MAX_COUNTED_ROOMS = 10_000;
/** The name lines of uncounted rooms are counted under (not a valid room name, so it meets none). */
export const OTHER_ROOMS = "(other rooms)";

/**
 * Lines stored per room by this process since it started, for the admin dashboard's message
 * rates: one map increment per line, no database read and no log line. Bounded: a flood of
 * new room names costs at most {@link MAX_COUNTED_ROOMS} entries.
 */
export class RoomCounts {
  readonly #counts = new Map<string, number>();

  add(room: string): void {
    const key = this.#counts.has(room) || this.#counts.size < MAX_COUNTED_ROOMS ? room : OTHER_ROOMS;
    this.#counts.set(key, (this.#counts.get(key) ?? 0) + 1);
  }

  /** Lines counted for `room` (0 when none). */
  get(room: string): number {
    return this.#counts.get(room) ?? 0;
  }

  /** Every counted room and its lines. */
  entries(): IterableIterator<[string, number]> {
    return this.#counts.entries();
  }
}
