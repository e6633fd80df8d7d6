import type { IncomingMessage } from "node:http";
import { STATUS_CODES } from "node:http";
import type { Duplex } from "node:stream";
import type { WebSocket, WebSocketServer } from "ws";
import { SwitchboardError, type ErrorCode } from "./errors.js";
import type { ChannelLayer } from "./layers/layer.js";
import type { SocketLimits, SocketStats } from "./limits.js";
import type { Logger } from "./logger.js";

/** Where a request stashes the subprotocol the consumer chose, for `handleProtocols`. */
export const kChosenProtocol = Symbol("switchboard.chosenProtocol");

/** What the server gives every socket app along with the scope. */
export interface Connection {
  readonly layer: ChannelLayer | null;
  readonly logger: Logger;
  /** The limits the server enforces on this connection. */
  readonly limits: SocketLimits;
  /** The server's counters. */
  readonly stats: SocketStats;
  /** `pending` until the app accepts (upgrade done) or rejects (HTTP response sent). */
  readonly state: "pending" | "accepted" | "rejected";
  /** Resolves once the handshake is accepted or rejected. */
  readonly settled: Promise<"accepted" | "rejected">;
  /** Completes the upgrade, answering with `subprotocol` when given. */
  accept(subprotocol?: string): Promise<WebSocket>;
  /** Refuses the upgrade with an HTTP response; a no-op once settled. */
  reject(status: number, reason?: string, headers?: Record<string, string>): void;
  /**
   * Refuses the upgrade with a catalogued error: its HTTP status, its message (and
   * `detail`) as the body. A code without a status throws `TypeError`; a no-op once settled.
   *
   * @example
   * connection.refuse("SB_ERR_ROUTE_NOT_FOUND", scope.path);
   */
  refuse(code: ErrorCode, detail?: string, headers?: Record<string, string>): void;
}

/** One pending upgrade request; becomes a WebSocket or an HTTP refusal, exactly once. */
export class Handshake implements Connection {
  #state: "pending" | "accepted" | "rejected" = "pending";
  #timer: NodeJS.Timeout | undefined;
  /** Made when someone asks for {@link settled}; dropped once settled. */
  #settled: Promise<"accepted" | "rejected"> | null = null;
  #onSettled: ((state: "accepted" | "rejected") => void) | null = null;

  // Released once the handshake is settled: an open socket should not keep its upgrade
  // request (headers are on the scope), the server's callback or this object alive.
  #request: IncomingMessage | null;
  #socket: Duplex | null;
  #head: Buffer | null;
  #onAccepted: ((ws: WebSocket) => void) | null;
  readonly #onSocketClose = (): void => {
    if (this.#state === "pending") this.#settle("rejected");
  };

  constructor(
    request: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    readonly wss: WebSocketServer,
    readonly layer: ChannelLayer | null,
    readonly logger: Logger,
    readonly limits: SocketLimits,
    readonly stats: SocketStats,
    timeoutMs: number,
    onAccepted: (ws: WebSocket) => void,
  ) {
    this.#request = request;
    this.#socket = socket;
    this.#head = head;
    this.#onAccepted = onAccepted;
    this.#timer = setTimeout(() => this.refuse("SB_ERR_HANDSHAKE_TIMEOUT"), timeoutMs);
    this.#timer.unref();
    socket.on("close", this.#onSocketClose);
  }

  get state(): "pending" | "accepted" | "rejected" {
    return this.#state;
  }

  get settled(): Promise<"accepted" | "rejected"> {
    if (this.#settled) return this.#settled;
    if (this.#state !== "pending") return Promise.resolve(this.#state);
    return (this.#settled = new Promise((resolve) => (this.#onSettled = resolve)));
  }

  accept(subprotocol?: string): Promise<WebSocket> {
    if (this.#state !== "pending") {
      return Promise.reject(new Error(`cannot accept: handshake already ${this.#state}`));
    }
    const request = this.#request!;
    const socket = this.#socket!;
    const head = this.#head!;
    const onAccepted = this.#onAccepted!;
    this.#settle("accepted");
    (request as IncomingMessage & { [kChosenProtocol]?: string })[kChosenProtocol] = subprotocol;
    return new Promise((resolve, reject) => {
      if (socket.destroyed) {
        reject(new SwitchboardError("SB_ERR_PEER_GONE"));
        return;
      }
      // ws calls back only when it completes the upgrade, which it does at once (no
      // verifyClient here). When it ends the socket instead (a peer that half-closed, a
      // server closing), the socket's close is the only news the consumer gets: listened
      // for only then, since a listener added and removed around every upgrade leaves the
      // socket's listener array with room for 19 for the rest of its life.
      let gone: (() => void) | null = null;
      let upgraded = false;
      this.wss.handleUpgrade(request, socket, head, (ws) => {
        upgraded = true;
        if (gone) socket.off("close", gone);
        onAccepted(ws);
        resolve(ws);
      });
      if (upgraded) return;
      if (socket.destroyed) {
        reject(new SwitchboardError("SB_ERR_PEER_GONE"));
        return;
      }
      gone = (): void => reject(new SwitchboardError("SB_ERR_PEER_GONE"));
      socket.once("close", gone);
    });
  }

  refuse(code: ErrorCode, detail?: string, headers?: Record<string, string>): void {
    const error = new SwitchboardError(code, detail);
    if (error.status === undefined) throw new TypeError(`${code} has no HTTP status: it cannot refuse a handshake`);
    this.reject(error.status, error.message, headers);
  }

  reject(status: number, reason?: string, headers: Record<string, string> = {}): void {
    if (this.#state !== "pending") return;
    const socket = this.#socket!;
    this.#settle("rejected");
    this.stats.rejected[status] = (this.stats.rejected[status] ?? 0) + 1;
    if (!socket.writable) {
      socket.destroy();
      return;
    }
    const body = reason ?? STATUS_CODES[status] ?? "";
    const lines = [
      `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? "Error"}`,
      "Connection: close",
      "Content-Type: text/plain; charset=utf-8",
      `Content-Length: ${Buffer.byteLength(body)}`,
      ...Object.entries(headers).map(([k, v]) => `${k}: ${v.replace(/[\r\n]/g, " ")}`),
    ];
    socket.end(`${lines.join("\r\n")}\r\n\r\n${body}`);
  }

  #settle(state: "accepted" | "rejected"): void {
    this.#state = state;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#socket?.off("close", this.#onSocketClose);
    this.#request = null;
    this.#socket = null;
    this.#head = null;
    this.#onAccepted = null;
    const resolve = this.#onSettled;
    this.#onSettled = null;
    this.#settled = null;
    resolve?.(state);
  }
}
