import { randomUUID } from "node:crypto";
import type { IncomingMessage, Server } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer, type WebSocket } from "ws";
import { HandshakeAdmission } from "./admission.js";
import { ConnectionGuard } from "./connection-guard.js";
import { CloseCode, ERRORS } from "./errors.js";
import { Handshake, kChosenProtocol, type Connection } from "./handshake.js";
import { DEFAULT_LIMITS, newSocketStats, type SocketLimits, type SocketStats } from "./limits.js";
import type { ChannelLayer } from "./layers/layer.js";
import { silentLogger, type Logger } from "./logger.js";
import { Pinger } from "./pinger.js";
import { buildScope, type Scope } from "./scope.js";
import { upgradeProblem } from "./upgrade.js";

/**
 * A socket application: gets the scope and the pending connection, and either accepts
 * it (usually through a consumer) or rejects it. Routers, middleware and consumers are
 * all socket apps, so they nest: `originCheck(allowed)(router.app())`.
 */
export type SocketApp = (scope: Scope, connection: Connection) => Promise<void>;

/** One open socket, as {@link SocketServer.openSockets} lists it. */
export interface OpenSocket {
  readonly connectionId: string;
  /** Its route pattern (`/ws/chat/:roomName/`), or `unrouted`. */
  readonly route: string;
  /** The signed-in user's name, null for an anonymous socket. */
  readonly user: string | null;
  /** Milliseconds since the epoch. */
  readonly openedAt: number;
}

/** Options of {@link SocketServer}. */
export interface SocketServerOptions {
  /** The socket app every upgrade goes to (usually middleware around a router). */
  app: SocketApp;
  /** The channel layer consumers use; `null` disables channel names and groups. */
  layer: ChannelLayer | null;
  logger?: Logger;
  /** Largest accepted frame in bytes; larger frames close the socket with 1009. Default 64 KiB. */
  maxPayload?: number;
  /**
   * Milliseconds a consumer has to accept or refuse a handshake, and (on an attached
   * server) a new connection has to complete its first request's headers. Default 10 000.
   */
  handshakeTimeout?: number;
  /**
   * Whether {@link SocketServer.attach} guards every TCP connection of the server, plain
   * HTTP too (default true): each counts against `limits.maxConnectionsPerIp` from accept
   * until it closes (one over the cap is destroyed at once), and one whose first request's
   * headers are not complete within `handshakeTimeout` gets 408 and is closed (see
   * {@link ConnectionGuard}). False counts upgrades only, at the handshake (429), and leaves
   * header timeouts to the server.
   */
  guardConnections?: boolean;
  /**
   * Which upgrades this server takes when attached to an `http.Server`: by default all of
   * them (unmatched paths get 404). Pass a predicate to leave other paths to other
   * upgrade listeners of an existing app.
   */
  accepts?: (request: IncomingMessage) => boolean;
  /** Per-connection limits; see {@link DEFAULT_LIMITS}. */
  limits?: Partial<SocketLimits>;
}

/**
 * The protocol server's socket half: takes HTTP upgrade requests from any Node
 * `http.Server` (Fastify's, Express's, a plain one) and runs them through a socket app.
 *
 * @example
 * const sockets = new SocketServer({ app: router.app(), layer: new InMemoryChannelLayer() });
 * sockets.attach(httpServer);
 */
export class SocketServer {
  readonly layer: ChannelLayer | null;
  readonly #app: SocketApp;
  readonly #logger: Logger;
  readonly #wss: WebSocketServer;
  readonly #handshakeTimeout: number;
  readonly #accepts: (request: IncomingMessage) => boolean;
  /** Open sockets, each with what the admin dashboard lists (its route pattern is also for metrics). */
  readonly #open = new Map<WebSocket, OpenSocket>();
  /** The same sockets by connection id, for {@link SocketServer.closeSocket}. */
  readonly #byId = new Map<string, WebSocket>();
  readonly #pending = new Set<Handshake>();
  /** Bounds the handshakes in flight; over it, 503 with a Retry-After. */
  readonly #admission: HandshakeAdmission;
  readonly #attached = new Set<Server>();
  /** Counts connections per address; guards attached servers' connections from accept. */
  readonly #guard: ConnectionGuard;
  readonly #guardConnections: boolean;
  readonly #alive = new WeakSet<WebSocket>();
  // Listeners shared by every socket (`this` is the socket): none is a closure per connection.
  readonly #onPong: (this: WebSocket) => void;
  readonly #onClosed: (this: WebSocket) => void;
  readonly #pinger: Pinger | undefined;
  readonly limits: SocketLimits;
  /** Counters for the metrics endpoint. */
  readonly stats: SocketStats = newSocketStats();
  #closing = false;

  constructor(options: SocketServerOptions) {
    const maxPayload = options.maxPayload ?? 64 * 1024;
    if (!Number.isInteger(maxPayload) || maxPayload < 1) throw new TypeError("maxPayload must be a positive integer");
    this.#app = options.app;
    this.layer = options.layer;
    this.#logger = options.logger ?? silentLogger;
    this.#handshakeTimeout = options.handshakeTimeout ?? 10_000;
    this.#accepts = options.accepts ?? (() => true);
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
    this.#guardConnections = options.guardConnections ?? true;
    this.#guard = new ConnectionGuard({
      maxPerAddress: this.limits.maxConnectionsPerIp,
      headersTimeoutMs: this.#handshakeTimeout,
      stats: this.stats,
      logger: this.#logger,
    });
    this.#admission = new HandshakeAdmission({ maxPending: this.limits.maxPendingHandshakes, retryAfterMax: this.limits.retryAfterMaxSeconds });
    const alive = this.#alive;
    const open = this.#open;
    const byId = this.#byId;
    this.#onPong = function (this: WebSocket) {
      alive.add(this);
    };
    this.#onClosed = function (this: WebSocket) {
      const entry = open.get(this);
      if (entry) byId.delete(entry.connectionId);
      open.delete(this);
    };
    if (this.limits.pingIntervalMs > 0) {
      // A peer that answered no ping for a whole interval is gone: drop it (its consumer
      // then leaves its groups), within two intervals of going silent.
      this.#pinger = new Pinger(this.#open, this.#alive, this.limits.pingIntervalMs, () => this.stats.deadPeersDropped++);
    }
    this.#wss = new WebSocketServer({
      noServer: true,
      clientTracking: false,
      perMessageDeflate: false,
      maxPayload,
      handleProtocols: (_offered, request) =>
        (request as IncomingMessage & { [kChosenProtocol]?: string })[kChosenProtocol] ?? false,
    });
  }

  /** Open sockets right now. */
  get connections(): number {
    return this.#open.size;
  }

  /** Handshakes in flight right now (counted against `limits.maxPendingHandshakes`). */
  get pendingHandshakes(): number {
    return this.#admission.pending;
  }

  /** Open sockets by route pattern, for metrics. */
  openByRoute(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const { route } of this.#open.values()) counts.set(route, (counts.get(route) ?? 0) + 1);
    return counts;
  }

  /** The `limit` most recently opened sockets (newest last), for the admin dashboard. */
  openSockets(limit: number): OpenSocket[] {
    const all = [...this.#open.values()];
    return all.slice(Math.max(0, all.length - limit));
  }

  /**
   * Closes the open socket of `connectionId` (its scope's) with `code` and `reason` (at most
   * 123 bytes of UTF-8, as RFC 6455 allows); false when no such socket is open here.
   */
  closeSocket(connectionId: string, code: number, reason: string): boolean {
    const ws = this.#byId.get(connectionId);
    if (!ws) return false;
    ws.close(code, reason);
    return true;
  }

  /** Listens for upgrades on `server`. Returns `this`. */
  attach(server: Server): this {
    if (this.#attached.has(server)) return this;
    this.#attached.add(server);
    if (this.#guardConnections) this.#guard.attach(server);
    server.on("upgrade", this.#onUpgrade);
    return this;
  }

  /** Stops listening for upgrades on `server` (and guarding its new connections). */
  detach(server: Server): void {
    server.off("upgrade", this.#onUpgrade);
    this.#guard.detach(server);
    this.#attached.delete(server);
  }

  readonly #onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    if (!this.#accepts(request)) return;
    void this.handleUpgrade(request, socket, head);
  };

  /**
   * Runs one upgrade request through the socket app: admitted (or refused with 503 and a
   * `Retry-After` when `limits.maxPendingHandshakes` are in flight), queued, and started in
   * a batch of a coming turn of the event loop (`src/core/admission.ts`). Resolves
   * once the socket app is done with it.
   */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    socket.on("error", destroyOnError);
    return new Promise<void>((resolve) => {
      // Closing: refused at once (503 SB_ERR_SHUTTING_DOWN), counted nowhere.
      if (this.#closing) return void this.#run(request, socket, head, false).then(resolve);
      // Shed before any per-handshake state exists: a storm's surplus costs one write each.
      if (this.#admission.admit(() => void this.#run(request, socket, head, true).then(resolve))) return;
      this.stats.overloaded++;
      this.stats.rejected["503"] = (this.stats.rejected["503"] ?? 0) + 1;
      this.#admission.refuse(socket);
      resolve();
    });
  }

  /** One handshake, from scope to socket app; `admitted`: it holds a place in the admission count. */
  async #run(request: IncomingMessage, socket: Duplex, head: Buffer, admitted: boolean): Promise<void> {
    if (socket.destroyed) {
      // Gone while queued: nothing to answer, and nothing will settle its place.
      if (admitted) this.#admission.leave();
      return;
    }
    const scope = buildScope(request);
    const handshake = new Handshake(
      request,
      socket,
      head,
      this.#wss,
      this.layer,
      this.#logger,
      this.limits,
      this.stats,
      this.#handshakeTimeout,
      (ws) => this.#track(ws, scope),
    );
    // Every handshake settles (accepted, refused, peer gone, or timed out): then it leaves.
    if (admitted) void handshake.settled.then(this.#leave);
    if (this.#closing) {
      handshake.refuse("SB_ERR_SHUTTING_DOWN");
      return;
    }
    // What ws would refuse only after the consumer accepted is refused before it runs.
    const problem = upgradeProblem(request);
    if (problem) {
      handshake.refuse(problem.code, problem.detail, problem.headers);
      return;
    }
    if (!scope) {
      handshake.refuse("SB_ERR_BAD_PATH");
      return;
    }
    // Connections per client address, by the peer's own address (before middleware may
    // rewrite scope.client). A guarded server's connection was counted at accept: admit()
    // knows it, so an upgraded socket counts once; any other is counted from here.
    if (!this.#guard.admit(socket, request.socket.remoteAddress ?? "")) {
      handshake.refuse("SB_ERR_TOO_MANY_CONNECTIONS");
      return;
    }
    this.#pending.add(handshake);
    try {
      await this.#app(scope, handshake);
    } catch (error) {
      this.#logger.error({ err: error, path: scope.path, connectionId: scope.connectionId }, "socket app failed");
      // The generic status text as the body: nothing about the failure leaves the server.
      handshake.reject(ERRORS.SB_ERR_CONSUMER_FAILED.status);
    } finally {
      this.#pending.delete(handshake);
    }
  }

  readonly #leave = (): void => this.#admission.leave();

  #track(ws: WebSocket, scope: Scope | null): void {
    const connectionId = scope?.connectionId ?? randomUUID();
    this.#open.set(ws, { connectionId, route: scope?.route || "unrouted", user: scope?.user?.username ?? null, openedAt: Date.now() });
    this.#byId.set(connectionId, ws);
    this.#alive.add(ws);
    ws.on("pong", this.#onPong);
    ws.on("close", this.#onClosed); // `close` comes once; `once` would wrap the shared listener per socket
  }

  /**
   * Refuses new upgrades and closes every open socket with `code` (default 1001), waiting
   * up to `timeoutMs` for their close handshakes before terminating the rest.
   */
  async close(code: number = CloseCode.GOING_AWAY, reason = "server closing", timeoutMs = 2000): Promise<void> {
    this.#closing = true;
    this.#pinger?.stop();
    for (const server of this.#attached) this.detach(server);
    for (const handshake of this.#pending) handshake.refuse("SB_ERR_SHUTTING_DOWN");
    const closed = [...this.#open.keys()].map(
      (ws) =>
        new Promise<void>((resolve) => {
          ws.once("close", () => resolve());
          ws.close(code, reason);
        }),
    );
    const timer = new Promise<void>((resolve) => setTimeout(resolve, timeoutMs).unref());
    await Promise.race([Promise.all(closed), timer]);
    for (const ws of this.#open.keys()) ws.terminate();
    this.#wss.close();
  }
}

/**
 * A socket's error ends it. A module function, not a closure: one made inside
 * `handleUpgrade` would share its scope with the promise below and keep every open
 * socket's upgrade request, headers and head buffer alive.
 */
function destroyOnError(this: Duplex): void {
  this.destroy();
}
