import type { ChannelLayer, Logger } from "../../core/index.js";
import { silentLogger } from "../../core/index.js";
import { roomGroup } from "./rooms.js";
import type { PresenceMember, PresenceStore } from "./presence-store.js";

/** Options of {@link Presence}. */
export interface PresenceOptions {
  /** How often this node refreshes its members' heartbeats and sweeps lapsed ones. Default 5 s. */
  intervalMs?: number;
  logger?: Logger;
}

/**
 * Room presence: records joins and leaves in a {@link PresenceStore} and announces them to
 * the room's sockets as `presence.join` / `presence.leave` layer events. Runs the heartbeat
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

  /** Records `member` in `room`, announces it, and returns the room's members (itself included). */
  async join(room: string, member: PresenceMember): Promise<PresenceMember[]> {
    this.#local.set(member.id, room);
    const members = await this.#guard(async () => {
      await this.#store.join(room, member);
      return this.#store.members(room);
    });
    await this.#layer.groupSend(roomGroup(room), { type: "presence.join", member });
    return members ?? [member];
  }

  /** Removes a member and announces it, once. */
  async leave(room: string, id: string): Promise<void> {
    this.#local.delete(id);
    await this.#guard(async () => {
      if (await this.#store.leave(room, id)) {
        await this.#layer.groupSend(roomGroup(room), { type: "presence.leave", member: { id } });
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
        await this.#layer.groupSend(roomGroup(room), { type: "presence.leave", member: { id: member.id } });
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
