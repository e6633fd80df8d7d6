/** A frame that carries a message id (a chat line). */
export interface Identified {
  id: number;
}

/** The server's answer that ends one page of history. */
export interface HistoryEnd {
  type: "history.end";
  after: number;
  lastId: number;
  complete: boolean;
}

/** How a resume ended: `complete` false means a gap remains between `lastId` and the live lines. */
export interface ResumeResult {
  /** The id resumed after. */
  after: number;
  /** The last id the history filled in. */
  lastId: number;
  /** Every missed line arrived (false: gave up after `maxPages`, or the server refused the request). */
  complete: boolean;
  /** History pages read. */
  pages: number;
}

/**
 * Keeps the id of the last message handed to the app and makes resume exactly-once:
 * while history pages are in flight, live frames wait; after each page, everything up to
 * the page's last id goes out in id order, and nothing at or below an id already given
 * goes out again.
 */
export class ResumeTracker<T extends object> {
  #lastId: number;
  #pending: (T & Identified)[] | null = null;
  #after = 0;
  #pages = 0;

  constructor(
    after: number,
    private readonly maxPages: number,
  ) {
    this.#lastId = after;
  }

  /** The id of the last message given to the app. */
  get lastId(): number {
    return this.#lastId;
  }

  get resuming(): boolean {
    return this.#pending !== null;
  }

  /** Starts a resume; returns the id to ask history after. */
  begin(): number {
    this.#pending = [];
    this.#after = this.#lastId;
    this.#pages = 0;
    return this.#lastId;
  }

  /** A frame with an id: the frames to hand to the app now (none while resuming, none if seen). */
  accept(frame: T & Identified): (T & Identified)[] {
    if (this.#pending) {
      this.#pending.push(frame);
      return [];
    }
    if (frame.id <= this.#lastId) return [];
    this.#lastId = frame.id;
    return [frame];
  }

  /**
   * A page ended. Returns the frames to hand out, whether to ask for the next page (its
   * `after`), and the result once the resume is over.
   */
  pageEnd(end: HistoryEnd): { frames: (T & Identified)[]; next: number | null; result: ResumeResult | null } {
    if (!this.#pending) return { frames: [], next: null, result: null }; // the end of a resume already given up
    this.#pages += 1;
    const more = !end.complete && this.#pages < this.maxPages;
    if (more) {
      const frames = this.#release(end.lastId);
      return { frames, next: this.#lastId, result: null };
    }
    const frames = this.#release(Infinity);
    this.#pending = null;
    return { frames, next: null, result: { after: this.#after, lastId: Math.max(end.lastId, this.#after), complete: end.complete, pages: this.#pages } };
  }

  /** The server refused the history request: hand out what waited, and report a gap. */
  fail(): { frames: (T & Identified)[]; result: ResumeResult } {
    const frames = this.#release(Infinity);
    this.#pending = null;
    return { frames, result: { after: this.#after, lastId: this.#lastId, complete: false, pages: this.#pages } };
  }

  /** The socket closed mid-resume: the waiting live frames are dropped; the next resume fetches them. */
  abort(): void {
    this.#pending = null;
  }

  #release(upTo: number): (T & Identified)[] {
    const pending = this.#pending ?? [];
    pending.sort((a, b) => a.id - b.id);
    const out: (T & Identified)[] = [];
    const keep: (T & Identified)[] = [];
    for (const frame of pending) {
      if (frame.id > upTo) keep.push(frame);
      else if (frame.id > this.#lastId) {
        this.#lastId = frame.id;
        out.push(frame);
      }
    }
    if (this.#pending) this.#pending = keep;
    return out;
  }
}
