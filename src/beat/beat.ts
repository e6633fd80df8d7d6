import { silentLogger, type ChannelLayer, type Logger } from "../core/index.js";
import type { LeaderElection } from "./leader.js";
import type { PlannedEntry } from "./schedule.js";

/** Options of {@link Beat}. */
export interface BeatOptions {
  entries: PlannedEntry[];
  layer: ChannelLayer;
  election: LeaderElection;
  logger?: Logger;
  /** Milliseconds since the epoch; default `Date.now`. */
  clock?: () => number;
}

/** What {@link Beat.status} answers. */
export interface BeatStatus {
  leader: boolean;
  entries: { name: string; target: string; type: string; next: number | null }[];
}

/** Longest single timer wait; setTimeout cannot wait longer than 2^31-1 ms. */
const MAX_WAIT = 60_000;

/**
 * The scheduler (beatserver): sends each entry's message into the layer when it is due,
 * if this node is the leader. A named entry sends `{type, name, ts, payload}` (`ts` is the
 * scheduled time of the tick); a beatserver entry sends itself without `schedule`, e.g.
 * `{"type": "test.print", "message": {"testing": "one"}}` to its channel. A failed send is
 * logged (once until that entry sends again) and the schedule goes on.
 *
 * @example
 * const beat = new Beat({ entries: planSchedule(schedule), layer, election: new SoleLeader() });
 * await beat.start();
 */
export class Beat {
  readonly #entries: PlannedEntry[];
  readonly #layer: ChannelLayer;
  readonly #election: LeaderElection;
  readonly #logger: Logger;
  readonly #clock: () => number;
  readonly #due = new Map<string, number>();
  /** Entries whose last send failed: logged once, not at every tick. */
  readonly #failing = new Set<string>();
  #timer: NodeJS.Timeout | undefined;
  #running = false;
  /** Ticks sent by this node, for logs and tests. */
  fired = 0;

  constructor(options: BeatOptions) {
    this.#entries = options.entries;
    this.#layer = options.layer;
    this.#election = options.election;
    this.#logger = options.logger ?? silentLogger;
    this.#clock = options.clock ?? Date.now;
  }

  /**
   * What this node's beat holds right now, for the admin dashboard: whether it leads, and
   * each entry's target and next fire time (milliseconds since the epoch).
   */
  status(): BeatStatus {
    return {
      leader: this.#election.isLeader,
      entries: this.#entries.map((e) => ({ name: e.name, target: `${e.target.kind} ${e.target.name}`, type: e.type, next: this.#due.get(e.name) ?? null })),
    };
  }

  async start(): Promise<void> {
    this.#running = true;
    await this.#election.start();
    const now = this.#clock();
    for (const e of this.#entries) this.#due.set(e.name, e.next(now));
    this.#schedule();
  }

  async stop(): Promise<void> {
    this.#running = false;
    clearTimeout(this.#timer);
    await this.#election.stop();
  }

  #schedule(): void {
    if (!this.#running) return;
    const soonest = Math.min(...this.#due.values());
    const wait = Math.max(0, Math.min(MAX_WAIT, soonest - this.#clock()));
    this.#timer = setTimeout(() => void this.#tick(), wait);
  }

  async #tick(): Promise<void> {
    const now = this.#clock();
    for (const e of this.#entries) {
      const due = this.#due.get(e.name)!;
      if (due > now) continue;
      this.#due.set(e.name, e.next(now));
      if (this.#election.isLeader) await this.#fire(e, due);
    }
    this.#schedule();
  }

  async #fire(entry: PlannedEntry, ts: number): Promise<void> {
    const message = entry.message(ts);
    try {
      if (entry.target.kind === "group") await this.#layer.groupSend(entry.target.name, message);
      else await this.#layer.send(entry.target.name, message);
      this.fired++;
      if (this.#failing.delete(entry.name)) this.#logger.info({ entry: entry.name }, "beat: sending again");
    } catch (error) {
      if (this.#failing.has(entry.name)) return;
      this.#failing.add(entry.name);
      this.#logger.warn({ err: error, entry: entry.name, [entry.target.kind]: entry.target.name }, "beat: send failed; retrying at each tick");
    }
  }
}
