/** One connection present in a room. */
export interface PresenceMember {
  /** The connection's id. */
  id: string;
  /** Display name: the username, or `anonymous`. */
  user: string;
}

/**
 * Who is in which room, across every node. Implementations: in memory (one process) and
 * Redis (cluster-wide, with heartbeats so a node that dies without saying goodbye has its
 * members expire). Everything a socket's join or leave calls — `join`, `leave`, `count`,
 * `members` with a `limit` — costs the same in a room of ten and of ten thousand (O(1),
 * O(limit), or a logarithm on Redis): presence must never read a whole room per join.
 */
export interface PresenceStore {
  /** Records `member` in `room` (and refreshes its heartbeat). */
  join(room: string, member: PresenceMember): Promise<void>;
  /** Removes a member; true when it was there (so exactly one caller announces the leave). */
  leave(room: string, id: string): Promise<boolean>;
  /**
   * The live members of `room`: all of them, or at most `limit` (which ones is up to the
   * store: the same few while nobody comes or goes, so a capped list is stable).
   */
  members(room: string, limit?: number): Promise<PresenceMember[]>;
  /**
   * How many members `room` has, in O(1). It may still count members whose heartbeat
   * lapsed until a sweep removes them (what `members` no longer lists).
   */
  count(room: string): Promise<number>;
  /** Refreshes the heartbeat of members this process holds. */
  touch(entries: Iterable<[room: string, id: string]>): Promise<void>;
  /** Removes members whose heartbeat lapsed; each is returned to exactly one caller cluster-wide. */
  sweep(): Promise<Array<{ room: string; member: PresenceMember }>>;
  close(): Promise<void>;
}

/** Presence in one process: members leave when their socket closes, so nothing lapses. */
export class MemoryPresenceStore implements PresenceStore {
  readonly #rooms = new Map<string, Map<string, PresenceMember>>();

  async join(room: string, member: PresenceMember): Promise<void> {
    let members = this.#rooms.get(room);
    if (!members) this.#rooms.set(room, (members = new Map()));
    members.set(member.id, member);
  }

  async leave(room: string, id: string): Promise<boolean> {
    const members = this.#rooms.get(room);
    const had = members?.delete(id) ?? false;
    if (members?.size === 0) this.#rooms.delete(room);
    return had;
  }

  async members(room: string, limit = Infinity): Promise<PresenceMember[]> {
    const out: PresenceMember[] = [];
    if (limit <= 0) return out;
    // In join order; stops at `limit`, so a capped read never walks the room.
    for (const member of this.#rooms.get(room)?.values() ?? []) {
      out.push(member);
      if (out.length >= limit) break;
    }
    return out;
  }

  async count(room: string): Promise<number> {
    return this.#rooms.get(room)?.size ?? 0;
  }

  async touch(): Promise<void> {}

  async sweep(): Promise<Array<{ room: string; member: PresenceMember }>> {
    return [];
  }

  async close(): Promise<void> {
    this.#rooms.clear();
  }
}
