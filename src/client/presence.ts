/** One socket in a room: its connection id and user name. */
export interface Member {
  id: string;
  user: string;
}

/**
 * The presence frames a route sends (see docs/protocols.md, chat): the member list once,
 * when the socket asks, then at most one diff per tick per server node. `count` is the
 * room's size across the cluster; `truncated` (only ever `true`) says the lists hold a
 * sample of a larger room. `presence.join` / `presence.leave` come from servers before
 * diffs (one frame per join), still understood.
 */
export type PresenceFrame =
  | { type: "presence"; members: Member[]; count?: number; truncated?: boolean }
  | { type: "presence.diff"; joins: Member[]; leaves: string[]; count?: number; truncated?: boolean; joined?: number; left?: number }
  | { type: "presence.join"; member: Member }
  | { type: "presence.leave"; member: Pick<Member, "id"> };

/** Whether `frame` is a presence frame of a shape {@link Roster.apply} can take. */
export function isPresenceFrame(frame: object): frame is PresenceFrame {
  const f = frame as Record<string, unknown>;
  switch (f.type) {
    case "presence":
      return Array.isArray(f.members);
    case "presence.diff":
      return Array.isArray(f.joins) && Array.isArray(f.leaves);
    case "presence.join":
    case "presence.leave":
      return f.member !== null && typeof f.member === "object";
    default:
      return false;
  }
}

/**
 * Who is here, kept from presence frames; cleared when the socket closes. In a room larger
 * than the server's limit the list is a sample ({@link partial}) and {@link count} is the
 * server's exact count.
 */
export class Roster {
  readonly #members = new Map<string, Member>();
  #count = 0;
  #partial = false;

  apply(frame: PresenceFrame): void {
    switch (frame.type) {
      case "presence":
        this.#members.clear();
        for (const m of frame.members) this.#members.set(m.id, m);
        this.#partial = frame.truncated === true;
        break;
      case "presence.diff":
        // Leaves first: a member that left and came back within one tick stays.
        for (const id of frame.leaves) this.#members.delete(id);
        for (const m of frame.joins) this.#members.set(m.id, m);
        // Only a new snapshot makes a sampled list whole again.
        if (frame.truncated === true) this.#partial = true;
        break;
      case "presence.join":
        this.#members.set(frame.member.id, frame.member);
        break;
      case "presence.leave":
        this.#members.delete(frame.member.id);
        break;
    }
    const count = "count" in frame ? frame.count : undefined;
    if (typeof count === "number" && Number.isFinite(count)) this.#count = count;
    else if (!this.#partial) this.#count = this.#members.size;
  }

  clear(): void {
    this.#members.clear();
    this.#count = 0;
    this.#partial = false;
  }

  /** How many members the room has (across the cluster), also when {@link list} holds only a sample. */
  get count(): number {
    return this.#count;
  }

  /** True when the server sent a truncated snapshot or diff: {@link list} is a sample until the next snapshot. */
  get partial(): boolean {
    return this.#partial;
  }

  /** Members sorted by user name, then id. */
  list(): Member[] {
    return [...this.#members.values()].sort((a, b) => a.user.localeCompare(b.user) || a.id.localeCompare(b.id));
  }
}
