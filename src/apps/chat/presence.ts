import { createHash } from "node:crypto";
import type { ChannelLayer, Logger } from "../../core/index.js";
import { MAX_NAME_LENGTH, silentLogger } from "../../core/index.js";
import { roomGroup } from "./rooms.js";
import { RoomChanges, type PresenceSnapshot } from "./presence-diff.js";
import type { PresenceMember, PresenceStore } from "./presence-store.js";

/**
 * The subprotocol that opts a `/ws/chat/<room>/` socket into the full protocol: the
 * presence frames (and any later bookkeeping frames). A socket without it gets only chat
 * lines, error frames for its own input and answers to its own requests, so the Channels
 * tutorial page (which prints `data.message` for every frame) shows exactly the lines.
 * `switchboard/client`'s `chatClient` offers it (its `APP_PROTOCOL`; test/apps/chat/presence.test.ts
 * keeps the two equal).
 */
export const FULL_PROTOCOL = "switchboard.v1";

/**
 * The layer group of a room's presence events: only sockets that opted in join it, so a
 * join or leave costs nothing for the others (not even a dispatch). Derived from the
 * room's own group, so it is injective whenever {@link roomGroup} is: `presence.<group>`
 * while that fits the layer's name rule, else `presence-sha256.<hex of the group>` (the
 * two forms differ in their 9th character, so they never meet).
 */
export function presenceGroup(room: string): string {
  const group = roomGroup(room);
  // The room's group already obeys the layer's name rule; only the length can break it.
  const readable = `presence.${group}`;
  return readable.length < MAX_NAME_LENGTH ? readable : `presence-sha256.${createHash("sha256").update(group).digest("hex")}`;
}

/** Options of {@link Presence}. */
export interface PresenceOptions {
  /** How often this node refreshes its members' heartbeats and sweeps lapsed ones. Default 5 s. */
  intervalMs?: number;
  /**
   * How long joins and leaves gather before a room's one `presence.diff` goes out
   * (milliseconds, 1–60 000). Default 100: a room filling or emptying at any rate costs each
   * subscribed socket at most ten frames a second per node.
   */
  tickMs?: number;
  /**
   * How long a room larger than the limit gathers changes between its diffs (milliseconds,
   * at least `tickMs`, at most 60 000). Default 1000. Its diffs list no joins (every list
   * there is a sample) and mostly move the count, so filling a room of 500 at any rate costs
   * each subscribed socket one frame a second, and a leave reaches a sample within a second.
   * Each large room has its own slot in that period (from a hash of its name), so a thousand
   * rooms churning at once do not announce in the same turn.
   */
  largeRoomTickMs?: number;
  /**
   * Most members in a snapshot, and most changes listed in one diff (1–10 000). Default
   * 100; beyond it frames carry `truncated: true` and the exact `count`, and diffs of a
   * room larger than it list no joins.
   */
  limit?: number;
  logger?: Logger;
}

/** Defaults of {@link PresenceOptions}. */
export const PRESENCE_DEFAULTS = { intervalMs: 5000, tickMs: 100, largeRoomTickMs: 1000, limit: 100 } as const;

/**
 * Room presence: records joins and leaves in a {@link PresenceStore} at once, and announces
 * them coalesced: per room, one `presence.diff` layer event per tick to the room's
 * {@link presenceGroup} (which holds only the sockets that asked for presence), whatever
 * the churn (a room larger than the limit: one per `largeRoomTickMs`). A socket that asks
 * gets one capped {@link snapshot}. So a join costs O(1) store work, one capped read for the joiner, and no frame of its own to anyone: filling a
 * room of n costs n snapshots and at most one diff per tick per subscriber, not n² frames.
 * On Redis each node announces its own sockets' changes (k nodes: at most k diffs per tick
 * per room). Runs the heartbeat and the sweep that expires members of nodes that died
 * without saying goodbye; their leaves go out in the next diff. Store failures (Redis
 * away) are logged once and never fail a socket.
 *
 * @example
 * const presence = new Presence(new MemoryPresenceStore(), layer, { tickMs: 100, limit: 100 });
 * await presence.join("lobby", { id: "c1", user: "ada" }); // announced in the next tick's diff
 * const { members, count, truncated } = await presence.snapshot("lobby", { id: "c1", user: "ada" });
 */
export class Presence {
  readonly #store: PresenceStore;
  readonly #layer: ChannelLayer;
  readonly #logger: Logger;
  readonly #tickMs: number;
  readonly #largeRoomTickMs: number;
  readonly #limit: number;
  readonly #local = new Map<string, string>(); // member id → room
  readonly #heartbeat: NodeJS.Timeout;
  /** Changes not yet announced, per room, and when they are due (ms since the epoch). */
  #pending = new Map<string, { changes: RoomChanges; due: number }>();
  /** Rooms whose last diff counted more members than the limit: they announce in their slot of the large tick. */
  readonly #large = new Set<string>();
  #tickTimer: NodeJS.Timeout | null = null;
  /** When the armed tick fires (ms since the epoch): a wait for a large room may have to be brought forward. */
  #tickDue = 0;
  /** The announcement in progress: the next waits for it, so a room's diffs go out in order. */
  #announcing: Promise<void> = Promise.resolve();
  #closed = false;
  #failing = false;

  constructor(store: PresenceStore, layer: ChannelLayer, options: PresenceOptions = {}) {
    const intervalMs = wholeOption("intervalMs", options.intervalMs, PRESENCE_DEFAULTS.intervalMs, 1, 3_600_000);
    this.#tickMs = wholeOption("tickMs", options.tickMs, PRESENCE_DEFAULTS.tickMs, 1, 60_000);
    const largeDefault = Math.max(PRESENCE_DEFAULTS.largeRoomTickMs, this.#tickMs);
    this.#largeRoomTickMs = wholeOption("largeRoomTickMs", options.largeRoomTickMs, largeDefault, this.#tickMs, 60_000);
    this.#limit = wholeOption("limit", options.limit, PRESENCE_DEFAULTS.limit, 1, 10_000);
    this.#store = store;
    this.#layer = layer;
    this.#logger = options.logger ?? silentLogger;
    this.#heartbeat = setInterval(() => void this.#beat(), intervalMs);
    this.#heartbeat.unref();
  }

  /** Members on this node by room (no store read), for the admin dashboard. */
  localRooms(): Map<string, number> {
    const rooms = new Map<string, number>();
    for (const room of this.#local.values()) rooms.set(room, (rooms.get(room) ?? 0) + 1);
    return rooms;
  }

  /** Records `member` in `room`; the room's next diff announces it. */
  async join(room: string, member: PresenceMember): Promise<void> {
    this.#local.set(member.id, room);
    await this.#guard(() => this.#store.join(room, member));
    // Queued after the write: whoever reads the store after the diff went out sees the member.
    this.#changes(room)?.join(member);
  }

  /**
   * The first members of the room (at most the limit, `self` always among them) and the
   * room's count, for a socket that asked. `self` stands alone when the store does not
   * answer (presence is then local until it returns).
   */
  async snapshot(room: string, self: PresenceMember): Promise<PresenceSnapshot> {
    const page = await this.#guard(() => this.page(room, this.#limit));
    if (!page) return { members: [self], count: 1 };
    if (!page.members.some((m) => m.id === self.id)) {
      // A socket should find itself in its list; it takes the last place of a full one.
      if (page.members.length >= this.#limit) page.members.pop();
      page.members.push(self);
      page.count = Math.max(page.count, page.members.length);
    }
    return page;
  }

  /** Removes a member; the room's next diff announces it (once cluster-wide: only by the node that removed it). */
  async leave(room: string, id: string): Promise<void> {
    this.#local.delete(id);
    const had = await this.#guard(() => this.#store.leave(room, id));
    // Unknown (store away): announce anyway; a leave of a member a client lacks is a no-op.
    if (had !== false) this.#changes(room)?.leave(id);
  }

  /**
   * At most `limit` members of the room across the cluster, and how many there are: a read
   * of O(limit), whatever the room's size.
   */
  async page(room: string, limit: number): Promise<PresenceSnapshot> {
    const [members, stored] = await Promise.all([this.#store.members(room, limit), this.#store.count(room)]);
    // A list shorter than the limit is the whole room: its length is the exact count (the
    // store's may still include lapsed members not yet swept).
    if (members.length < limit) return { members, count: members.length };
    return stored > members.length ? { members, count: stored, truncated: true } : { members, count: members.length };
  }

  /** Announces what is pending, stops the heartbeat and closes the store. */
  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#heartbeat);
    if (this.#tickTimer) clearTimeout(this.#tickTimer);
    this.#tickTimer = null;
    // Sockets closed before the modules: their leaves still reach the other nodes' sockets.
    await this.announce();
    await this.#store.close();
  }

  /**
   * The pending changes of `room`, starting the tick when they are the first: due in one
   * tick, or for a large room at its next slot of the large tick.
   */
  #changes(room: string): RoomChanges | undefined {
    if (this.#closed) return undefined;
    const pending = this.#pending.get(room);
    if (pending) return pending.changes;
    const now = Date.now();
    const due = this.#large.has(room) ? nextSlot(now, this.#largeRoomTickMs, slotOffset(room, this.#largeRoomTickMs)) : now + this.#tickMs;
    const changes = new RoomChanges();
    this.#pending.set(room, { changes, due });
    this.#arm(due - now);
    return changes;
  }

  /** Arms the tick to fire within `delayMs`, unless it already fires sooner. */
  #arm(delayMs: number): void {
    const due = Date.now() + delayMs;
    if (this.#tickTimer) {
      if (this.#tickDue <= due) return;
      clearTimeout(this.#tickTimer);
    }
    this.#tickDue = due;
    this.#tickTimer = setTimeout(() => {
      this.#tickTimer = null;
      this.#announcing = this.#announcing.then(() => this.#announcePending(false));
    }, delayMs);
    this.#tickTimer.unref();
  }

  /**
   * Announces every pending change now, large rooms' too: one `presence.diff` per room with
   * changes (the store's O(1) count and one group send each), after any announcement still
   * in progress, so a room's diffs go out in order. Never rejects.
   */
  announce(): Promise<void> {
    return (this.#announcing = this.#announcing.then(() => this.#announcePending(true)));
  }

  /**
   * The end of a tick: announces the rooms that are due (all of them when `all`), one
   * `presence.diff` each; the others keep gathering and re-arm the tick for the earliest.
   * Whether a room is large is known from its last diff's count, so a waiting room costs
   * no store read.
   */
  async #announcePending(all: boolean): Promise<void> {
    const now = Date.now();
    const due: Array<[string, RoomChanges]> = [];
    let next = Infinity;
    for (const [room, pending] of this.#pending) {
      if (!all && pending.due > now) {
        next = Math.min(next, pending.due);
        continue;
      }
      this.#pending.delete(room);
      due.push([room, pending.changes]);
    }
    if (next !== Infinity && !this.#closed) this.#arm(Math.max(1, next - now));
    await Promise.all(
      due.map(async ([room, changes]) => {
        const count = await this.#guard(() => this.#store.count(room));
        if (count !== undefined && count > this.#limit) this.#large.add(room);
        else this.#large.delete(room);
        await this.#guard(() => this.#layer.groupSend(presenceGroup(room), changes.event(count, this.#limit)));
      }),
    );
  }

  async #beat(): Promise<void> {
    await this.#guard(async () => {
      await this.#store.touch([...this.#local].map(([id, room]) => [room, id] as [string, string]));
      for (const { room, member } of await this.#store.sweep()) this.#changes(room)?.leave(member.id);
    });
  }

  async #guard<T>(work: () => Promise<T>): Promise<T | undefined> {
    try {
      const result = await work();
      this.#failing = false;
      return result;
    } catch (error) {
      if (!this.#failing) this.#logger.warn({ err: error }, "presence store unavailable; presence is local until it returns");
      this.#failing = true;
      return undefined;
    }
  }
}

/** An integer option in [min, max], or its default; anything else throws TypeError naming it. */
function wholeOption(name: string, value: number | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min || value > max) throw new TypeError(`presence ${name} must be an integer from ${min} to ${max}`);
  return value;
}

/** Where in a period of `periodMs` the room's large-tick slot lies: a hash of its name (FNV-1a), the same on every node. */
function slotOffset(room: string, periodMs: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < room.length; i++) hash = Math.imul(hash ^ room.charCodeAt(i), 0x01000193);
  return (hash >>> 0) % periodMs;
}

/** The first time after `now` that is `offset` past a multiple of `periodMs` (one slot per period). */
function nextSlot(now: number, periodMs: number, offset: number): number {
  return now - ((now - offset) % periodMs) + periodMs;
}
