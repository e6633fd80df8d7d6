/**
 * The admin dashboard's wire types (`/ws/admin/`, `GET /api/admin/state`): what each node
 * reports every few seconds, and the frames of the socket. Shared by the admin app and its
 * page script; see docs/admin.md.
 * @packageDocumentation
 */

/** One open socket, as a node lists it (its most recent ones only). */
export interface AdminSocket {
  connectionId: string;
  route: string;
  user: string | null;
  openedAt: number;
}

/** A room of the chat on one node: members here, lines stored here, and their rate over the last sample. */
export interface AdminRoom {
  name: string;
  members: number;
  messages: number;
  perMinute: number;
}

/** What one node reports, every sample interval, to every node (the layer group `admin.nodes`). */
export interface NodeSnapshot {
  /** The node's id: `<host>-<pid>-<random>`, new at each start. */
  node: string;
  /** Its admin channel: actions for its sockets go there. */
  channel: string;
  at: number;
  /** Milliseconds between this node's samples. */
  interval: number;
  sockets: { open: number; pendingHandshakes: number; byRoute: Record<string, number>; recent: AdminSocket[] };
  /** Counters since the node started. */
  counters: {
    framesIn: number;
    framesOut: number;
    rateLimited: number;
    slowConsumersDropped: number;
    deadPeersDropped: number;
    overloaded: number;
    /** Handshake (and attached-server connection) refusals by HTTP status. */
    refused: Record<string, number>;
  };
  layer: { healthy: boolean; groupSendDropped: number; groupSendFailed: number };
  /** The busiest rooms here (by members, then rate), at most 50. */
  rooms: AdminRoom[];
  beat: { leader: boolean; entries: { name: string; target: string; type: string; next: number | null }[] } | null;
  workers: { channels: string[]; handled: number; failed: number } | null;
}

/** One point of a node's charts (cumulative counters: the page plots their rates). */
export interface AdminSample {
  at: number;
  sockets: number;
  framesIn: number;
  framesOut: number;
  rateLimited: number;
  slowConsumersDropped: number;
  refused: number;
  groupSendDropped: number;
  messages: number;
}

/** An audited action. */
export interface AdminAuditEntry {
  id: number;
  actorId: number;
  actor: string;
  action: "close_socket" | "notice";
  target: string;
  detail: string;
  /** `closed`, `not_found` (no such socket on that node), `no_answer` (the node did not reply), `sent`. */
  outcome: string;
  at: number;
}

/** A work order awaiting approval. */
export interface AdminAwaitingOrder {
  id: number;
  title: string;
  requester: string;
  since: number;
}

/** Everything the page shows, at once (the socket's first frame, and `GET /api/admin/state`). */
export interface AdminState {
  nodes: NodeSnapshot[];
  /** Each node's samples, oldest first: the last 15 minutes. */
  history: Record<string, AdminSample[]>;
  audit: AdminAuditEntry[];
  awaiting: AdminAwaitingOrder[];
}

/** Frames the server sends on `/ws/admin/`. */
export type AdminServerFrame =
  | ({ type: "admin.state" } & AdminState)
  | { type: "admin.node"; snapshot: NodeSnapshot; sample: AdminSample }
  | { type: "admin.node_gone"; node: string }
  | { type: "admin.awaiting"; orders: AdminAwaitingOrder[] }
  | { type: "admin.audit"; entry: AdminAuditEntry }
  | { type: "admin.result"; request: string; outcome: string }
  | { type?: undefined; error: string; code: string; detail?: string };

/** Frames the page sends on `/ws/admin/` (`request`: the page's own id, echoed in `admin.result`). */
export type AdminClientFrame =
  | { type: "close_socket"; request: string; node: string; connection_id: string; reason: string }
  | { type: "notice"; request: string; group: string; message: string };
