import { STATUS_CODES, type IncomingMessage, type Server, type ServerOptions } from "node:http";
import type { Socket } from "node:net";
import type { Duplex } from "node:stream";
import { Server as TlsServer } from "node:tls";
import { catalogEntry, errorFrame, type CoreErrorCode } from "./errors.js";
import type { SocketStats } from "./limits.js";
import { silentLogger, type Logger } from "./logger.js";

/** Options of {@link ConnectionGuard}. */
export interface ConnectionGuardOptions {
  /** TCP connections one client address may hold at once, from accept until closed. */
  maxPerAddress: number;
  /** Milliseconds from accept until the first request's headers must be complete. */
  headersTimeoutMs: number;
  /** Where refusals are counted (`rejected` by HTTP status). */
  stats?: Pick<SocketStats, "rejected">;
  logger?: Logger;
}

/**
 * Node's own header deadline for an `http.Server` (`http.createServer(options)`, Fastify's
 * `http` option): `headersTimeout` of `headersTimeoutMs`, counted by Node from the first
 * byte of every request, and a `connectionsCheckingInterval` (which can only be set when
 * the server is created; Node's default is 30 s) fine enough that a slow request is closed
 * with 408 at most an eighth of the timeout (and never more than a second) late.
 *
 * @example
 * const server = createServer(headerTimeouts(10_000), handler);
 */
export function headerTimeouts(headersTimeoutMs: number): Pick<ServerOptions, "headersTimeout" | "connectionsCheckingInterval"> {
  if (!Number.isInteger(headersTimeoutMs) || headersTimeoutMs < 1) throw new TypeError("headersTimeoutMs must be a positive integer");
  return { headersTimeout: headersTimeoutMs, connectionsCheckingInterval: Math.min(1000, Math.max(50, Math.floor(headersTimeoutMs / 8))) };
}

/**
 * Guards the TCP connections of `http.Server`s against slow or piled-up clients
 * (Slowloris): every connection counts against its address from accept until it closes,
 * whether it is a plain HTTP request, an upgrade, an open socket or nothing yet; one over
 * `maxPerAddress` is destroyed at accept, before Node reads a byte of it (so no request of
 * it ever runs), and counted as `SB_ERR_TOO_MANY_CONNECTIONS` (429). A connection whose
 * first request's headers are not complete `headersTimeoutMs` after accept gets 408
 * (`SB_ERR_HEADERS_TIMEOUT`) and is closed; one that sent nothing at all is closed without
 * an answer (a browser's unused preconnection). Later requests on a kept-alive connection
 * are left to Node's `headersTimeout` ({@link headerTimeouts}).
 *
 * {@link SocketServer} runs one on every server it is attached to; its handshakes call
 * {@link ConnectionGuard.admit}, so an upgraded socket is counted once.
 *
 * @example
 * const guard = new ConnectionGuard({ maxPerAddress: 256, headersTimeoutMs: 10_000 });
 * guard.attach(httpServer);
 */
export class ConnectionGuard {
  readonly #max: number;
  readonly #timeoutMs: number;
  readonly #stats: Pick<SocketStats, "rejected"> | null;
  readonly #logger: Logger;
  readonly #perAddress = new Map<string, number>();
  /** Each counted socket's address (read at accept: a closed socket may no longer say). */
  readonly #counted = new WeakMap<Duplex, string>();
  /**
   * One `close` listener shared by every counted socket (it gets the socket as `this`),
   * not a closure per socket: at 18,000 sockets the closures alone cost megabytes. Added
   * with `on` (close comes once; `#closed` is idempotent): `once` would wrap it per socket.
   */
  readonly #onClose: (this: Duplex) => void;
  /** Connections still waiting for their first request's headers, with their deadline. */
  readonly #deadlines = new Map<Duplex, NodeJS.Timeout>();
  readonly #attached = new Set<Server>();

  constructor(options: ConnectionGuardOptions) {
    if (!Number.isInteger(options.maxPerAddress) || options.maxPerAddress < 1) throw new TypeError("maxPerAddress must be a positive integer");
    if (!Number.isInteger(options.headersTimeoutMs) || options.headersTimeoutMs < 1) throw new TypeError("headersTimeoutMs must be a positive integer");
    this.#max = options.maxPerAddress;
    this.#timeoutMs = options.headersTimeoutMs;
    this.#stats = options.stats ?? null;
    this.#logger = options.logger ?? silentLogger;
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the listener's own `this` is the socket
    const guard = this;
    this.#onClose = function (this: Duplex) {
      guard.#closed(this);
    };
  }

  #closed(socket: Duplex): void {
    const address = this.#counted.get(socket);
    if (address !== undefined) {
      this.#counted.delete(socket);
      this.#release(address);
    }
    this.#clear(socket);
  }

  /** Guards `server`'s connections (an `https.Server`'s once TLS is set up) from now on. Returns `this`. */
  attach(server: Server): this {
    if (this.#attached.has(server)) return this;
    this.#attached.add(server);
    // Before Node's own listener: a refused socket is gone before Node's parser takes it.
    server.prependListener(connectionEvent(server), this.#onConnection);
    server.on("request", this.#onHeaders);
    server.on("upgrade", this.#onHeaders);
    return this;
  }

  /** Stops guarding new connections of `server` (those open stay counted until they close). */
  detach(server: Server): void {
    server.off(connectionEvent(server), this.#onConnection);
    server.off("request", this.#onHeaders);
    server.off("upgrade", this.#onHeaders);
    this.#attached.delete(server);
  }

  /**
   * Counts `socket` against `address` (default: the socket's peer address) until it
   * closes, unless it is counted already; false (and nothing counted) when the address is
   * at the cap.
   */
  admit(socket: Duplex, address: string = (socket as Partial<Socket>).remoteAddress ?? ""): boolean {
    if (this.#counted.has(socket)) return true;
    if (!this.#take(address)) return false;
    this.#counted.set(socket, address);
    socket.on("close", this.#onClose);
    return true;
  }

  /** Counts one more connection of `address`; false when it is at the cap. */
  #take(address: string): boolean {
    const count = this.#perAddress.get(address) ?? 0;
    if (count >= this.#max) return false;
    this.#perAddress.set(address, count + 1);
    return true;
  }

  #release(address: string): void {
    const left = (this.#perAddress.get(address) ?? 1) - 1;
    if (left <= 0) this.#perAddress.delete(address);
    else this.#perAddress.set(address, left);
  }

  /** Connections counted against `address` right now. */
  count(address: string): number {
    return this.#perAddress.get(address) ?? 0;
  }

  /** Connections still waiting for their first request's headers. */
  get waiting(): number {
    return this.#deadlines.size;
  }

  readonly #onConnection = (socket: Socket): void => {
    const address = socket.remoteAddress ?? "";
    if (!this.#take(address)) {
      this.#count("SB_ERR_TOO_MANY_CONNECTIONS");
      this.#logger.debug({ code: "SB_ERR_TOO_MANY_CONNECTIONS", address }, "connection refused at accept");
      socket.destroy();
      return;
    }
    this.#counted.set(socket, address);
    const timer = setTimeout(() => this.#expire(socket), this.#timeoutMs);
    timer.unref();
    this.#deadlines.set(socket, timer);
    socket.on("close", this.#onClose);
  };

  readonly #onHeaders = (request: IncomingMessage): void => {
    this.#clear(request.socket);
  };

  #clear(socket: Duplex): void {
    const timer = this.#deadlines.get(socket);
    if (timer === undefined) return;
    clearTimeout(timer);
    this.#deadlines.delete(socket);
  }

  #expire(socket: Socket): void {
    this.#deadlines.delete(socket);
    if (socket.destroyed) return;
    // Node's parser reads the socket itself, but still counts what it read.
    if (socket.bytesRead === 0) {
      socket.destroy();
      return;
    }
    this.#count("SB_ERR_HEADERS_TIMEOUT");
    this.#logger.debug({ code: "SB_ERR_HEADERS_TIMEOUT", address: socket.remoteAddress }, "request headers too slow");
    // As Node answers its own headersTimeout: write, then destroy, so nothing more is parsed.
    if (socket.writable) socket.write(refusal("SB_ERR_HEADERS_TIMEOUT"));
    socket.destroy();
  }

  #count(code: CoreErrorCode): void {
    if (!this.#stats) return;
    const status = String(catalogEntry(code).status);
    this.#stats.rejected[status] = (this.#stats.rejected[status] ?? 0) + 1;
  }
}

/**
 * The event handing out the sockets requests are parsed from: on a TLS server
 * (`https.Server`) the TLS socket of `secureConnection`, not the TCP one under it (whose
 * handshake Node's TLS `handshakeTimeout` bounds).
 */
function connectionEvent(server: Server): "connection" | "secureConnection" {
  return server instanceof TlsServer ? "secureConnection" : "connection";
}

/** A whole HTTP response refusing with `code`: its status, and the one error body as JSON. */
function refusal(code: CoreErrorCode): string {
  const status = catalogEntry(code).status!;
  const body = JSON.stringify(errorFrame(code));
  return [
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? "Error"}`,
    "Connection: close",
    "Content-Type: application/json; charset=utf-8",
    `Content-Length: ${Buffer.byteLength(body)}`,
    "",
    body,
  ].join("\r\n");
}
