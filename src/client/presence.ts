/** One socket in a room: its connection id and user name. */
export interface Member {
  id: string;
  user: string;
}

/** The presence frames a route sends: the full list on connect, then joins and leaves. */
export type PresenceFrame =
  | { type: "presence"; members: Member[] }
  | { type: "presence.join"; member: Member }
  | { type: "presence.leave"; member: Pick<Member, "id"> };

/** Whether `frame` is a presence frame. */
export function isPresenceFrame(frame: { type?: unknown }): frame is PresenceFrame {
  return frame.type === "presence" || frame.type === "presence.join" || frame.type === "presence.leave";
}

/** Who is here, kept from presence frames; cleared when the socket closes. */
export class Roster {
  readonly #members = new Map<string, Member>();

  apply(frame: PresenceFrame): void {
    if (frame.type === "presence") {
      this.#members.clear();
      for (const m of frame.members) this.#members.set(m.id, m);
    } else if (frame.type === "presence.join") this.#members.set(frame.member.id, frame.member);
    else this.#members.delete(frame.member.id);
  }

  clear(): void {
    this.#members.clear();
  }

  /** Members sorted by user name, then id. */
  list(): Member[] {
    return [...this.#members.values()].sort((a, b) => a.user.localeCompare(b.user) || a.id.localeCompare(b.id));
  }
}
