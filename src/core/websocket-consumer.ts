import type { WebSocket } from "ws";
import { Consumer, MAILBOX_HIGH_WATER } from "./consumer.js";
import { sealFromDispatch } from "./dispatch.js";
import { CloseCode, ERRORS, SwitchboardError, errorFrame, isSendable } from "./errors.js";
import type { Connection } from "./handshake.js";
import { assertGroupName } from "./layers/layer.js";
import { directSocket, writeData, writeFrame } from "./frame-writer.js";
import { TokenBucket, type SocketLimits, type SocketStats } from "./limits.js";
import type { Logger } from "./logger.js";
import type { Kwargs, Scope } from "./scope.js";

/** Starts a consumer on a connection; used by the router, not by applications. */
export const kRun = Symbol("switchboard.run");
/** Phantom marker tying a consumer class to the URL kwargs it needs (types only). */
export declare const kKwargs: unique symbol;
/**
 * Sends a whole text frame built by `frames.ts` (see `JsonWebsocketConsumer.sendJson`):
 * framework-internal, so it is a symbol and no message type can reach it.
 */
export const kSendFrame = Symbol("switchboard.sendFrame");
/** The consumer of a WebSocket, for the listeners every socket shares. */
const kConsumer = Symbol("switchboard.consumer");
type Owned = WebSocket & { [kConsumer]?: WebsocketConsumer };

/** Groups joined: none yet (shared, never mutated: joining makes a new array). */
const NO_GROUPS: readonly string[] = Object.freeze([]);

// Set in the class's static block, where they can reach its private members.
let onMessage: (this: Owned, data: Buffer, isBinary: boolean) => void;
let onError: (this: Owned, error: Error) => void;
let onClose: (this: Owned, code: number) => void;

/**
 * A WebSocket consumer, one instance per connection (Channels' `AsyncWebsocketConsumer`).
 * Override {@link connect}, {@link receive} and {@link disconnect}; declare handlers for
 * layer messages as methods (`chatMessage` handles `chat.message`); list `groups` to join
 * them on connect and leave them on disconnect.
 *
 * @typeParam K - the URL kwargs the consumer reads from `scope.kwargs`.
 * @example
 * class Echo extends WebsocketConsumer {
 *   override async receive(text: string | null) { if (text) this.send(text); }
 * }
 */
export class WebsocketConsumer<K extends Kwargs = Kwargs> extends Consumer {
  /** The connection's scope: path, kwargs, headers, query, client, user, session. */
  scope!: Scope<K>;
  /**
   * Groups to join on connect and leave on disconnect. Override the getter; it may read
   * `this.scope` (e.g. the room from the URL kwargs). Default: none.
   */
  get groups(): readonly string[] {
    return [];
  }
  declare readonly [kKwargs]?: (kwargs: K) => void;

  // Idle sockets are most of a server's sockets: every field here is paid per socket, so the
  // handshake object is dropped once accepted (only what sending needs is kept), the logger
  // child is made on first use, and the socket's listeners are shared functions, not closures.
  /** The handshake, while it is pending (null once accepted or refused). */
  #connection: Connection | null = null;
  #limits: SocketLimits | null = null;
  #stats: SocketStats | null = null;
  /** The server's logger, for the per-connection child made on first use. */
  #parentLogger: Logger | null = null;
  #ws: WebSocket | null = null;
  /** The net socket frames are written to directly, or null: through `ws.send` (frame-writer.ts). */
  #direct: ReturnType<typeof directSocket> = null;
  /** Made at the first frame over a rate limit's check (most idle sockets never send). */
  #bucket: TokenBucket | null = null;
  #refusedInARow = 0;
  #joined: readonly string[] = NO_GROUPS;
  #closed = false;

  /** Called on the handshake. The default accepts; call {@link close} instead to refuse (HTTP 403). */
  async connect(): Promise<void> {
    await this.accept();
  }

  /** Called for each frame: `text` for a text frame, `bytes` for a binary one. */
  async receive(_text: string | null, _bytes: Buffer | null): Promise<void> {}

  /** Called once the socket has closed, with the close code. Groups are already left. */
  async disconnect(_code: number): Promise<void> {}

  /** Completes the handshake, answering with `subprotocol` when the client offered it. */
  async accept(subprotocol?: string): Promise<void> {
    const connection = this.#connection;
    if (!connection) throw new Error(this.#ws ? "accept() called twice" : "accept() called outside a connection");
    if (subprotocol !== undefined && !this.scope.subprotocols.includes(subprotocol)) {
      throw new TypeError(`subprotocol ${subprotocol} was not offered by the client`);
    }
    let ws: WebSocket;
    try {
      ws = await connection.accept(subprotocol);
    } catch {
      // The peer left during the handshake: nothing to report, just clean up.
      this.#onClose(ERRORS.SB_ERR_PEER_GONE.closeCode);
      return;
    }
    this.#ws = ws;
    this.#direct = directSocket(ws);
    this.#connection = null;
    // The listeners never read the kwargs: any consumer will do for their type.
    (ws as Owned)[kConsumer] = this as unknown as WebsocketConsumer;
    ws.on("message", onMessage);
    ws.on("error", onError);
    // `on`, not `once`: ws emits close once, and `once` costs a wrapper object per socket.
    ws.on("close", onClose);
    this.startPump();
  }

  /** One frame from the peer: rate check, then into the mailbox. */
  #onFrame(ws: WebSocket, data: Buffer, isBinary: boolean): void {
    const limits = this.#limits!;
    const stats = this.#stats!;
    stats.framesIn++;
    const rate = limits.rateLimit;
    if (rate && !(this.#bucket ??= new TokenBucket(rate)).take()) {
      // Over the rate: the frame is dropped and said so; a client that keeps going is cut off.
      stats.rateLimited++;
      if (++this.#refusedInARow > rate.burst) {
        void this.close(ERRORS.SB_ERR_RATE_LIMITED.closeCode, "rate limit exceeded");
        return;
      }
      if (this.#refusedInARow === 1 || this.#refusedInARow % 50 === 0) {
        this.send(JSON.stringify(errorFrame("SB_ERR_RATE_LIMITED", `at most ${rate.messages} frames per ${rate.perSeconds} s`)));
      }
      return;
    }
    this.#refusedInARow = 0;
    if (isBinary) this.enqueue(() => this.receive(null, data));
    else this.enqueue(() => this.receive(data.toString("utf8"), null));
    // A client that sends faster than its handlers run is paused (TCP pushes back on it)
    // instead of growing the mailbox without bound.
    if (this.backlog > MAILBOX_HIGH_WATER && !ws.isPaused) {
      ws.pause();
      void this.whenDrained().then(() => ws.resume());
    }
  }

  /** The listeners every socket shares (`this` is the socket). */
  static {
    onMessage = function (this: Owned, data: Buffer, isBinary: boolean): void {
      const consumer = this[kConsumer];
      if (consumer) consumer.#onFrame(this, data, isBinary);
    };
    onError = function (this: Owned, error: Error): void {
      this[kConsumer]?.logger.debug({ err: error }, "socket error");
    };
    onClose = function (this: Owned, code: number): void {
      const consumer = this[kConsumer];
      if (consumer) consumer.#onClose(code);
    };
  }

  /**
   * Closes the socket with `code` (default 1000); before {@link accept} it refuses the
   * handshake with HTTP 403 instead.
   */
  async close(code: number = CloseCode.NORMAL, reason?: string): Promise<void> {
    const connection = this.#connection;
    if (connection?.state === "pending") {
      connection.reject(ERRORS.SB_ERR_HANDSHAKE_REJECTED.status, reason ?? "connection refused");
      return;
    }
    const ws = this.#ws;
    if (ws && ws.readyState === ws.OPEN) ws.close(code, reason);
  }

  /** Sends a text frame (string) or a binary frame (Buffer). A no-op once the socket is closing. */
  send(data: string | Buffer, options: { binary?: boolean } = {}): void {
    const ws = this.#ws;
    if (!ws || ws.readyState !== 1 || this.#dropIfSlow(ws)) return;
    this.#stats!.framesOut++;
    writeData(ws, this.#direct, data, options.binary ?? typeof data !== "string");
  }

  /** Sends a whole text frame built by `textFrame` (frames.ts); the same rules as {@link send}. */
  [kSendFrame](frame: Buffer): void {
    const ws = this.#ws;
    if (!ws || ws.readyState !== 1 || this.#dropIfSlow(ws)) return;
    this.#stats!.framesOut++;
    writeFrame(ws, this.#direct, frame);
  }

  /** True (and the socket closing) when the peer has stopped reading. */
  #dropIfSlow(ws: WebSocket): boolean {
    const buffered = ws.bufferedAmount;
    const max = this.#maxBuffered;
    if (buffered <= max) {
      if (this.#overSince !== 0) this.#overSince = 0;
      return false;
    }
    if (!this.#tooSlow(buffered)) return false;
    // A peer that stops reading must not grow our memory: drop it, and only it.
    this.#stats!.slowConsumersDropped++;
    this.logger.warn({ bufferedAmount: buffered }, "slow consumer dropped");
    ws.close(ERRORS.SB_ERR_SLOW_CONSUMER.closeCode, "too slow: try again later");
    // Still-queued bytes would keep the close frame waiting: end the socket soon.
    setTimeout(() => ws.terminate(), 1000).unref();
    return true;
  }

  /** Since when the backlog has been over the bound (0: it is not). */
  #overSince = 0;

  /**
   * Whether a backlog over the bound means a slow peer: a healthy peer drains a burst within
   * a second; one still over the bound after that (or 8× over it at any time) is not reading.
   */
  #tooSlow(buffered: number): boolean {
    const now = Date.now();
    if (this.#overSince === 0) this.#overSince = now;
    return now - this.#overSince > 1000 || buffered > this.#maxBuffered * 8;
  }

  get #maxBuffered(): number {
    return this.#limits?.maxBufferedBytes ?? Number.POSITIVE_INFINITY;
  }

  /** Whether the socket is open for sending. */
  get isOpen(): boolean {
    return this.#ws?.readyState === 1;
  }

  /** Bytes queued in the socket and not yet written to the peer. */
  get bufferedAmount(): number {
    return this.#ws?.bufferedAmount ?? 0;
  }

  protected override onDispatchError(error: unknown): void {
    if (error instanceof SwitchboardError && error.code === "SB_ERR_NO_HANDLER") {
      this.logger.warn({ err: error }, "no handler for layer message; closing the socket");
    } else {
      this.logger.error({ err: error }, "consumer failed; closing the socket");
    }
    const connection = this.#connection;
    // A catalogued refusal closes with its own code (e.g. 1008 for too many groups); anything else is 1011.
    const own = error instanceof SwitchboardError && error.code !== "SB_ERR_NO_HANDLER" ? error.closeCode : undefined;
    const code = own !== undefined && isSendable(own) ? own : ERRORS.SB_ERR_CONSUMER_FAILED.closeCode;
    if (connection?.state === "pending") {
      connection.reject(error instanceof SwitchboardError && error.status ? error.status : ERRORS.SB_ERR_CONSUMER_FAILED.status);
    } else {
      void this.close(code, code === CloseCode.SERVER_ERROR ? "server error" : error instanceof Error ? error.message.slice(0, 100) : "refused");
    }
  }

  /** The connection's logger child (connection id and route), made on first use. */
  protected override createLogger(): Logger {
    const parent = this.#parentLogger;
    return parent ? parent.child({ connectionId: this.scope.connectionId, route: this.scope.route }) : super.createLogger();
  }

  /** Binds the consumer to a connection and runs the handshake. */
  async [kRun](scope: Scope<K>, connection: Connection): Promise<void> {
    this.scope = scope;
    this.#connection = connection;
    this.#limits = connection.limits;
    this.#stats = connection.stats;
    this.#parentLogger = connection.logger;
    this.channelLayer = connection.layer;
    const layer = this.channelLayer;
    if (layer) {
      this.channelName = await layer.newChannel();
      const groups = this.groups;
      if (groups.length > connection.limits.maxGroupsPerConnection) {
        throw new SwitchboardError("SB_ERR_TOO_MANY_GROUPS", `${groups.length} > ${connection.limits.maxGroupsPerConnection}`);
      }
      for (const group of groups) {
        assertGroupName(group);
        await layer.groupAdd(group, this.channelName);
        // A new array of the exact size: a pushed-to array keeps room for 16 more, per socket.
        this.#joined = this.#joined.concat(group);
      }
    }
    // connect() runs in the mailbox like every other event: frames and layer messages that
    // arrive after accept() wait until it returns.
    await new Promise<void>((resolve) => {
      this.enqueue(async () => {
        try {
          await this.connect();
        } finally {
          resolve();
        }
      });
    });
    if (connection.state === "rejected") await this.#leaveGroups();
    else if (connection.state === "pending") {
      // Still deciding (an async check in flight): leave groups if the handshake later fails.
      void connection.settled.then((state) =>
        state === "rejected" ? this.#leaveGroups() : undefined,
      );
    }
  }

  /** Joins `group` now and leaves it automatically on disconnect. */
  async groupJoin(group: string): Promise<void> {
    const layer = this.channelLayer;
    if (!layer) throw new Error("no channel layer configured");
    const max = this.#limits?.maxGroupsPerConnection ?? Number.POSITIVE_INFINITY;
    if (!this.#joined.includes(group) && this.#joined.length >= max) throw new SwitchboardError("SB_ERR_TOO_MANY_GROUPS", `at most ${max}`);
    await layer.groupAdd(group, this.channelName);
    if (!this.#joined.includes(group)) this.#joined = this.#joined.concat(group);
  }

  /** Leaves `group` now. */
  async groupLeave(group: string): Promise<void> {
    const layer = this.channelLayer;
    if (!layer) return;
    this.#joined = this.#joined.filter((g) => g !== group);
    await layer.groupDiscard(group, this.channelName);
  }

  #onClose(code: number): void {
    if (this.#closed) return;
    this.#closed = true;
    this.stopPump();
    const leaving = this.#leaveGroups();
    this.enqueue(async () => {
      await leaving;
      await this.disconnect(code);
    });
  }

  async #leaveGroups(): Promise<void> {
    const layer = this.channelLayer;
    const groups = this.#joined;
    this.#joined = NO_GROUPS;
    if (!layer) return;
    await Promise.all(
      groups.map((g) =>
        layer.groupDiscard(g, this.channelName).catch((error: unknown) => {
          this.logger.warn({ err: error, group: g }, "could not leave group");
        }),
      ),
    );
  }
}
sealFromDispatch(WebsocketConsumer);
