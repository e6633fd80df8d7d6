import { createHash } from "node:crypto";
import type { ChannelLayer, Logger } from "../../core/index.js";
import { MAX_NAME_LENGTH, silentLogger } from "../../core/index.js";
import { roomGroup } from "./rooms.js";
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
  logger?: Logger;
}

/**
 * Room presence: records joins and leaves in a {@link PresenceStore} and announces them as
 * `presence.join` / `presence.leave` layer events to the room's {@link presenceGroup}, which
 * holds only the sockets that asked for presence. Runs the heartbeat
 * and the sweep that expires members of nodes that died without saying goodbye.
 * Store failures (Redis away) are logged once and never fail a socket.
 */
export class Presence {
  readonly #store: PresenceStore;
  readonly #layer: ChannelLayer;
  readonly #logger: Logger;
  readonly #local = new Map<string, string>(); // member id → room
  readonly #timer: NodeJS.Timeout;
  #failing = false;

  constructor(store: PresenceStore, layer: ChannelLayer, options: PresenceOptions = {}) {
    this.#store = store;
    this.#layer = layer;
    this.#logger = options.logger ?? silentLogger;
    this.#timer = setInterval(() => void this.#tick(), options.intervalMs ?? 5000);
    this.#timer.unref();
  }

  /** Records `member` in `room` and announces it to the room's presence group. */
  async join(room: string, member: PresenceMember): Promise<void> {
    this.#local.set(member.id, room);
    await this.#guard(() => this.#store.join(room, member));
    await this.#layer.groupSend(presenceGroup(room), { type: "presence.join", member });
  }

  /**
   * The room's members for a socket that asked for them; `self` stands alone when the
   * store does not answer (presence is then local until it returns).
   */
  async snapshot(room: string, self: PresenceMember): Promise<PresenceMember[]> {
    const members = await this.#guard(() => this.#store.members(room));
    return members ?? [self];
  }

  /** Removes a member and announces it, once. */
  async leave(room: string, id: string): Promise<void> {
    this.#local.delete(id);
    await this.#guard(async () => {
      if (await this.#store.leave(room, id)) {
        await this.#layer.groupSend(presenceGroup(room), { type: "presence.leave", member: { id } });
      }
    });
  }

  /** The room's members across the cluster. */
  async members(room: string): Promise<PresenceMember[]> {
    return this.#store.members(room);
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    await this.#store.close();
  }

  async #tick(): Promise<void> {
    await this.#guard(async () => {
      await this.#store.touch([...this.#local].map(([id, room]) => [room, id] as [string, string]));
      for (const { room, member } of await this.#store.sweep()) {
        await this.#layer.groupSend(presenceGroup(room), { type: "presence.leave", member: { id: member.id } });
      }
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
