import type { ChannelLayer } from "../../core/index.js";
import type { AdminRoom, AdminSample, NodeSnapshot } from "../../protocol/admin.js";
import type { AppRuntime } from "../module.js";

/** Most sockets a snapshot lists one by one (the newest); the counts cover them all. */
export const LISTED_SOCKETS = 100;
/** Most rooms a snapshot lists. */
export const LISTED_ROOMS = 50;

/**
 * Takes this node's snapshots from the running parts (counters read as they are: nothing
 * is counted on the message path for this). Keeps each room's line count of the previous
 * snapshot, for the rate.
 */
export class NodeSampler {
  #lastMessages = new Map<string, number>();
  #lastAt = Date.now();
  /** False until the first snapshot: a room first seen later started from 0 lines. */
  #primed = false;

  constructor(
    readonly node: string,
    readonly channel: string,
    readonly interval: number,
    readonly layer: ChannelLayer,
    readonly runtime: AppRuntime,
  ) {}

  async take(now = Date.now()): Promise<{ snapshot: NodeSnapshot; sample: AdminSample }> {
    const { sockets, beat, worker } = this.runtime;
    const stats = sockets?.stats;
    const rooms = await this.#rooms(now);
    const layerStats = this.layer.stats;
    const snapshot: NodeSnapshot = {
      node: this.node,
      channel: this.channel,
      at: now,
      interval: this.interval,
      sockets: {
        open: sockets?.connections ?? 0,
        pendingHandshakes: sockets?.pendingHandshakes ?? 0,
        byRoute: Object.fromEntries(sockets?.openByRoute() ?? []),
        recent: sockets?.openSockets(LISTED_SOCKETS).map((s) => ({ ...s })) ?? [],
      },
      counters: {
        framesIn: stats?.framesIn ?? 0,
        framesOut: stats?.framesOut ?? 0,
        rateLimited: stats?.rateLimited ?? 0,
        slowConsumersDropped: stats?.slowConsumersDropped ?? 0,
        deadPeersDropped: stats?.deadPeersDropped ?? 0,
        overloaded: stats?.overloaded ?? 0,
        refused: { ...(stats?.rejected ?? {}) },
      },
      layer: { healthy: this.layer.healthy, groupSendDropped: layerStats.groupSendDropped, groupSendFailed: layerStats.groupSendFailed ?? 0 },
      rooms: rooms.listed,
      beat: beat ? beat.status() : null,
      workers: worker ? { channels: [...worker.channels], handled: worker.counts.handled, failed: worker.counts.failed } : null,
    };
    const c = snapshot.counters;
    const sample: AdminSample = {
      at: now,
      sockets: snapshot.sockets.open,
      framesIn: c.framesIn,
      framesOut: c.framesOut,
      rateLimited: c.rateLimited,
      slowConsumersDropped: c.slowConsumersDropped,
      refused: Object.values(c.refused).reduce((a, b) => a + b, 0),
      groupSendDropped: snapshot.layer.groupSendDropped,
      messages: rooms.messages,
    };
    return { snapshot, sample };
  }

  /** The modules' rooms, with each one's rate since the last snapshot; the busiest listed. */
  async #rooms(now: number): Promise<{ listed: AdminRoom[]; messages: number }> {
    const reports = await this.runtime.reports();
    const minutes = Math.max(1, now - this.#lastAt) / 60_000;
    const seen = new Map<string, number>();
    const all: AdminRoom[] = [];
    let messages = 0;
    for (const report of Object.values(reports)) {
      for (const room of report.rooms ?? []) {
        const before = this.#lastMessages.get(room.name) ?? (this.#primed ? 0 : room.messages);
        seen.set(room.name, room.messages);
        messages += room.messages;
        all.push({ ...room, perMinute: Math.round(((room.messages - before) / minutes) * 10) / 10 });
      }
    }
    this.#lastMessages = seen;
    this.#lastAt = now;
    this.#primed = true;
    all.sort((a, b) => b.members - a.members || b.perMinute - a.perMinute || a.name.localeCompare(b.name));
    return { listed: all.filter((r) => r.members > 0 || r.perMinute > 0).slice(0, LISTED_ROOMS), messages };
  }
}
