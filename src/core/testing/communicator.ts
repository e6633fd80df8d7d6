import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import WebSocket from "ws";
import { CloseCode, ERRORS } from "../errors.js";
import type { ChannelLayer } from "../layers/layer.js";
import type { SocketLimits } from "../limits.js";
import type { Logger } from "../logger.js";
import { SocketServer, type SocketApp } from "../server.js";

/** Result of {@link WebsocketCommunicator.connect}. */
export interface ConnectResult {
  connected: boolean;
  /** HTTP status when the handshake was refused. */
  status?: number;
  /** The subprotocol the server chose, if any. */
  subprotocol?: string;
}

/** Options of {@link WebsocketCommunicator}. */
export interface CommunicatorOptions {
  headers?: Record<string, string>;
  subprotocols?: string[];
  /** The layer of the in-process server; omit for none. */
  layer?: ChannelLayer | null;
  logger?: Logger;
  maxPayload?: number;
  /** Limits of the in-process server. */
  limits?: Partial<SocketLimits>;
}

interface Received {
  data: Buffer;
  isBinary: boolean;
}

/**
 * Drives one socket from a test, like Channels' `WebsocketCommunicator`. Give it a socket
 * app (a router's `app()`, middleware around it) to run it in process on an ephemeral
 * loopback port, or a `ws://` URL to test a running server.
 *
 * @example
 * const c = new WebsocketCommunicator(router.app(), "/ws/chat/lobby/", { layer });
 * expect((await c.connect()).connected).toBe(true);
 * c.sendJson({ message: "hi" });
 * expect(await c.receiveJson()).toMatchObject({ message: "hi" });
 * await c.disconnect();
 */
export class WebsocketCommunicator {
  readonly #target: SocketApp | string;
  readonly #path: string;
  readonly #options: CommunicatorOptions;
  #server: Server | null = null;
  #sockets: SocketServer | null = null;
  #ws: WebSocket | null = null;
  readonly #inbox: Received[] = [];
  #waiter: (() => void) | null = null;
  #closeCode: number | null = null;

  constructor(target: SocketApp | string, path: string, options: CommunicatorOptions = {}) {
    this.#target = target;
    this.#path = path;
    this.#options = options;
  }

  /** Opens the socket; resolves with whether the server accepted it. */
  async connect(timeoutMs = 2000): Promise<ConnectResult> {
    const url = await this.#url();
    const ws = new WebSocket(url, this.#options.subprotocols ?? [], { headers: this.#options.headers, handshakeTimeout: timeoutMs });
    this.#ws = ws;
    ws.on("message", (data: Buffer, isBinary: boolean) => {
      this.#inbox.push({ data, isBinary });
      this.#wake();
    });
    ws.on("close", (code: number) => {
      this.#closeCode = code;
      this.#wake();
    });
    return new Promise((resolve) => {
      ws.once("open", () => resolve({ connected: true, subprotocol: ws.protocol || undefined }));
      ws.once("unexpected-response", (_req, res) => {
        res.resume();
        resolve({ connected: false, status: res.statusCode });
      });
      ws.once("error", () => resolve({ connected: false }));
    });
  }

  sendText(text: string): void {
    this.#socket().send(text);
  }

  sendBytes(bytes: Buffer): void {
    this.#socket().send(bytes, { binary: true });
  }

  sendJson(content: unknown): void {
    this.sendText(JSON.stringify(content));
  }

  /** The next text frame; rejects after `timeoutMs` or when the socket closes first. */
  async receiveText(timeoutMs = 1000): Promise<string> {
    const frame = await this.#next(timeoutMs);
    if (frame.isBinary) throw new Error("expected a text frame, got a binary one");
    return frame.data.toString("utf8");
  }

  async receiveBytes(timeoutMs = 1000): Promise<Buffer> {
    const frame = await this.#next(timeoutMs);
    if (!frame.isBinary) throw new Error("expected a binary frame, got a text one");
    return frame.data;
  }

  async receiveJson<T = unknown>(timeoutMs = 1000): Promise<T> {
    return JSON.parse(await this.receiveText(timeoutMs)) as T;
  }

  /** True when no frame arrives within `timeoutMs`. */
  async receiveNothing(timeoutMs = 100): Promise<boolean> {
    if (this.#inbox.length > 0) return false;
    await this.#wait(timeoutMs);
    return this.#inbox.length === 0;
  }

  /** Waits for the server to close the socket; resolves with the close code. */
  async receiveClose(timeoutMs = 1000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    while (this.#closeCode === null) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`socket still open after ${timeoutMs} ms`);
      await this.#wait(left);
    }
    return this.#closeCode;
  }

  /** Closes the socket (if open) and the in-process server (if any). */
  async disconnect(code: number = CloseCode.NORMAL): Promise<void> {
    const ws = this.#ws;
    if (ws && ws.readyState !== ws.CLOSED) {
      await new Promise<void>((resolve) => {
        ws.once("close", () => resolve());
        if (ws.readyState === ws.OPEN) ws.close(code);
        else ws.terminate();
        setTimeout(() => {
          ws.terminate();
          resolve();
        }, 1000).unref();
      });
    }
    await this.#sockets?.close();
    const server = this.#server;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
    this.#server = null;
    this.#sockets = null;
  }

  async #url(): Promise<string> {
    if (typeof this.#target === "string") return new URL(this.#path, this.#target).toString();
    // Only upgrades are served: any plain HTTP request matches no route.
    const server = createServer((_req, res) => res.writeHead(ERRORS.SB_ERR_ROUTE_NOT_FOUND.status).end());
    this.#sockets = new SocketServer({
      app: this.#target,
      layer: this.#options.layer ?? null,
      logger: this.#options.logger,
      maxPayload: this.#options.maxPayload,
      limits: this.#options.limits,
    }).attach(server);
    this.#server = server;
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    return `ws://127.0.0.1:${port}${this.#path}`;
  }

  /** The `ws://` base URL of the in-process server, once connected. */
  get url(): string | null {
    const address = this.#server?.address();
    return address && typeof address === "object" ? `ws://127.0.0.1:${address.port}` : null;
  }

  /** The in-process server (for its stats), when there is one. */
  get server(): SocketServer | null {
    return this.#sockets;
  }

  /** Stops reading from the socket, as a stalled or vanished peer would (no pongs either). */
  stopReading(): void {
    (this.#socket() as unknown as { _socket: { pause(): void } })._socket.pause();
  }

  #socket(): WebSocket {
    if (!this.#ws) throw new Error("connect() first");
    return this.#ws;
  }

  async #next(timeoutMs: number): Promise<Received> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const frame = this.#inbox.shift();
      if (frame) return frame;
      if (this.#closeCode !== null) throw new Error(`socket closed (${this.#closeCode}) before a frame arrived`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no frame within ${timeoutMs} ms`);
      await this.#wait(left);
    }
  }

  #wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#waiter = null;
        resolve();
      }, ms);
      this.#waiter = () => {
        clearTimeout(timer);
        this.#waiter = null;
        resolve();
      };
    });
  }

  #wake(): void {
    this.#waiter?.();
  }
}
