import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Kysely } from "kysely";
import WebSocket from "ws";
import { chatConsumer } from "../../../src/apps/chat/chat-consumer.js";
import * as chatMessages from "../../../src/apps/chat/migrations/0001-chat-messages.js";
import { Presence, type PresenceOptions } from "../../../src/apps/chat/presence.js";
import type { PresenceStore } from "../../../src/apps/chat/presence-store.js";
import { roomKwarg } from "../../../src/apps/chat/rooms.js";
import { MessageStore } from "../../../src/apps/chat/store.js";
import { isPresenceFrame, Roster, type PresenceFrame } from "../../../src/client/presence.js";
import { SocketRouter, SocketServer, type ChannelLayer } from "../../../src/core/index.js";
import { openDatabase } from "../../../src/storage/database.js";
import { migrateToLatest } from "../../../src/storage/migrate.js";
import type { Database } from "../../../src/storage/schema.js";

/**
 * One chat node in process: the real `/ws/chat/<room>/` consumer on a loopback port, with
 * presence options a test chooses (the app's own server has the defaults). Several nodes
 * on one Redis (each with its own layer and presence store) are a cluster.
 */
export interface ChatNode {
  wsUrl: string;
  presence: Presence;
  /** Closes the sockets, then presence (announcing what is pending), the layer and the database. */
  close(): Promise<void>;
}

export async function startChatNode(layer: ChannelLayer, store: PresenceStore, options: PresenceOptions = {}): Promise<ChatNode> {
  const db: Kysely<Database> = openDatabase("sqlite::memory:");
  await migrateToLatest(db as Kysely<unknown>, { "0001-chat-messages": chatMessages });
  const presence = new Presence(store, layer, options);
  const router = new SocketRouter().route("/ws/chat/:roomName/", chatConsumer(new MessageStore(db), presence), { middleware: [roomKwarg("roomName")] });
  const server: Server = createServer();
  // Many sockets from one loopback address: the per-address cap is not what these tests are about.
  const sockets = new SocketServer({ app: router.app(), layer, limits: { maxConnectionsPerIp: 10_000 } }).attach(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    wsUrl: `ws://127.0.0.1:${port}`,
    presence,
    async close() {
      await sockets.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await presence.close();
      await layer.close();
      await db.destroy();
    },
  };
}

/** A presence frame as a socket received it. */
export interface PresenceFrameSeen {
  type: string;
  members?: Array<{ id: string; user: string }>;
  joins?: Array<{ id: string; user: string }>;
  leaves?: string[];
  count?: number;
  truncated?: boolean;
  joined?: number;
  left?: number;
}

/**
 * A raw `ws` client that records every frame it gets (presence frames in order, the others
 * apart) and keeps who is present with switchboard/client's own {@link Roster}, so tests
 * check what a client ends up believing.
 */
export class Watcher {
  readonly presence: PresenceFrameSeen[] = [];
  readonly other: unknown[] = [];
  readonly roster = new Roster();
  readonly ws: WebSocket;
  readonly #opened: Promise<void>;
  readonly #snapshot: Promise<void>;

  constructor(url: string, room: string, subprotocols: string[] = ["switchboard.v1"]) {
    this.ws = new WebSocket(`${url}/ws/chat/${room}/`, subprotocols);
    this.#opened = new Promise((resolve, reject) => {
      this.ws.once("open", () => resolve());
      this.ws.once("error", reject);
    });
    let snapshot!: () => void;
    this.#snapshot = new Promise((resolve) => (snapshot = resolve));
    this.ws.on("message", (data: Buffer) => {
      const frame = JSON.parse(data.toString()) as PresenceFrameSeen;
      if (!isPresenceFrame(frame)) {
        this.other.push(frame);
        return;
      }
      this.presence.push(frame);
      this.roster.apply(frame as PresenceFrame);
      if (frame.type === "presence") snapshot();
    });
  }

  /** The ids this socket believes present, sorted. */
  get ids(): string[] {
    return this.roster.list().map((m) => m.id).sort();
  }

  /** How many diff frames it got. */
  get diffs(): number {
    return this.presence.filter((f) => f.type === "presence.diff").length;
  }

  /** Resolves once the socket is open. */
  opened(): Promise<void> {
    return this.#opened;
  }

  /** Resolves once the first member list arrived. */
  snapshotted(): Promise<void> {
    return this.#snapshot;
  }

  /** Closes the socket and resolves once it is closed. */
  async close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return;
    await new Promise<void>((resolve) => {
      this.ws.once("close", () => resolve());
      if (this.ws.readyState === WebSocket.CONNECTING) this.ws.once("open", () => this.ws.close());
      else this.ws.close();
    });
  }
}

/** Waits until `check` holds, polling every 10 ms, for at most `ms`. */
export async function until(check: () => boolean, ms = 5000, what = "condition"): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what} not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
