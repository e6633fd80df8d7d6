/**
 * The wire types of the built-in routes: what the server sends and accepts, and what
 * `switchboard/client` is typed with. Both import them from here (types only, so the
 * browser modules stay self-contained).
 * @packageDocumentation
 */

/**
 * A chat line as every route that carries chat sends it (and as the server stores it).
 * `message` stays a top-level string, so Channels tutorial clients work unchanged.
 */
export interface ChatLine {
  id: number;
  room: string;
  user: string;
  message: string;
  /** Milliseconds since the epoch. */
  ts: number;
  /** The sender's own id of the line, when it gave one (`ChatSend.cid`). */
  cid?: string;
}

/** What a chat socket accepts. */
export interface ChatSend {
  message: string;
  /**
   * The sender's own id of the line (1–64 of `A–Z a–z 0–9 _ . : -`): the server stores a
   * line once per room, user and `cid`, and answers {@link ChatAck} once it is stored.
   * `switchboard/client` sets it (`acks`).
   */
  cid?: string;
}

/** The answer to a line sent with a `cid`, to its sender alone: stored as `id` (now, or already before). */
export interface ChatAck {
  type: "ack";
  cid: string;
  id: number;
}

/** A notification on `/ws/notify/`: to the whole group (`to: null`) or to one user. */
export interface NotifyFrame {
  type: "notify";
  from: { uid: number; username: string; nickname: string | null };
  message: string;
  to: number | null;
  /** Set on notifications about a work order (filed for your approval; yours approved, rejected, done). */
  workOrder?: { id: number; state: string; title: string };
}

/** What `/ws/notify/` accepts: to the sender's group, or to one member (`to`: a uid). */
export interface NotifySend {
  message: string;
  to?: number;
}

/** A frame of `/ws/workorders/` and `/ws/workorders/<id>/`: the full view on connect, then events. */
export type WorkOrderFrame =
  | ({ type: "workorder.state" } & Record<string, unknown>)
  | { type: "workorder.event"; event: { kind: "order" | "step" | "log"; id: number } & Record<string, unknown> };
