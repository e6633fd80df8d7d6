import type { PresenceMember } from "./presence-store.js";

/**
 * The member list a socket gets once, when it asks for presence (`switchboard.v1` or
 * `subscribe`): at most the presence limit of members (the asking socket always among them),
 * `count` the members of the room across the cluster, `truncated` (present only when true)
 * when `members` holds fewer than `count`.
 */
export interface PresenceSnapshot {
  members: PresenceMember[];
  count: number;
  truncated?: true;
}

/**
 * One node's joins and leaves of one room over one tick, as one layer event to the room's
 * presence group (and, unchanged, one frame to each subscribed socket). Apply `leaves`
 * before `joins`. `count` is the room's size across the cluster after them (absent only
 * while the store is unreachable). When the tick held more changes than the limit, or the
 * room has more members than the limit (then no join is listed), the lists carry the first
 * ones (leaves first), `truncated` is true and `joined` / `left` say how many there were:
 * a client's list is then a sample, its `count` still exact.
 */
export type PresenceDiffEvent = {
  type: "presence.diff";
  joins: PresenceMember[];
  leaves: string[];
  count?: number;
  truncated?: true;
  joined?: number;
  left?: number;
};

/**
 * Joins and leaves of one room waiting for the next tick. A leave removes a pending join
 * of the same member, so a member that came and went within one tick is never announced
 * as joined; its id stays among the leaves, because a snapshot taken in between (on any
 * node) may list it, and a leave of an unknown id costs a client nothing.
 */
export class RoomChanges {
  readonly #joins = new Map<string, PresenceMember>();
  readonly #leaves = new Set<string>();

  join(member: PresenceMember): void {
    // A leave of the same id stays: leaves apply first, so the net result is "present".
    this.#joins.set(member.id, member);
  }

  leave(id: string): void {
    this.#joins.delete(id);
    this.#leaves.add(id);
  }

  /**
   * The event announcing these changes, with at most `limit` of them listed. In a room of
   * more than `limit` members no join is listed: every list there is a sample already
   * (snapshots are capped), and listing each newcomer to every member would cost O(room)
   * bytes per join; leaves still are, so samples lose their ghosts.
   */
  event(count: number | undefined, limit: number): PresenceDiffEvent {
    const leaves = [...this.#leaves];
    const joins = [...this.#joins.values()];
    const base = count === undefined ? {} : { count };
    const large = count !== undefined && count > limit;
    if (!large && leaves.length + joins.length <= limit) return { type: "presence.diff", joins, leaves, ...base };
    // Leaves first: a sample with a ghost in it is worse than one missing a newcomer.
    const keptLeaves = leaves.slice(0, limit);
    const keptJoins = large ? [] : joins.slice(0, limit - keptLeaves.length);
    return { type: "presence.diff", joins: keptJoins, leaves: keptLeaves, ...base, truncated: true, joined: joins.length, left: leaves.length };
  }
}
