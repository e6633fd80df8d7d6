// The scale run's clients: one `switchboard/client` per socket, each bound to its loopback
// source address, all in one process (one clock for every timestamp).
import { performance } from "node:perf_hooks";
import WebSocket from "ws";
import { SwitchboardClient, chatClient } from "../dist/client/index.js";
import { sourceAddress } from "./sources.js";

export const now = () => performance.timeOrigin + performance.now();

/** Frames (and their bytes) the sockets received, presence frames apart; reset per phase. */
export function newCounter() {
  return { frames: 0, bytes: 0, presenceFrames: 0, presenceBytes: 0, errors: {}, serverErrors: {}, longPollAttempts: 0 };
}

const PRESENCE = '"type":"presence';

/**
 * A `ws` WebSocket bound to `localAddress` that counts every frame and keeps presence
 * frames from the client: the server still writes each one and the socket still reads it,
 * but 18,000 clients parsing 4.5 million member lists would make the load generator, not
 * the server, the bound (the client sorts its roster on each). Everything else goes on.
 */
function boundSocket(localAddress, counter) {
  return class BoundSocket extends WebSocket {
    #onmessage = null;

    constructor(url, protocols) {
      super(url, protocols, { localAddress, perMessageDeflate: false });
      this.on("message", (data, isBinary) => {
        counter.frames += 1;
        counter.bytes += data.length;
        const at = isBinary ? -1 : data.indexOf(PRESENCE);
        if (at >= 0 && at < 32) {
          counter.presenceFrames += 1;
          counter.presenceBytes += data.length;
          return;
        }
        this.#onmessage?.({ data: isBinary ? data : data.toString() });
      });
      // Refused handshakes ("Unexpected server response: 503"), resets, refusals while down.
      this.on("error", (error) => {
        const key = /server response: (\d+)/.exec(error.message)?.[1] ?? error.code ?? error.message.slice(0, 60);
        counter.errors[key] = (counter.errors[key] ?? 0) + 1;
      });
    }

    get onmessage() {
      return this.#onmessage;
    }

    set onmessage(handler) {
      this.#onmessage = typeof handler === "function" ? handler : null;
    }
  };
}

/**
 * The N sockets of one run. Slot `i` is in room `i % rooms` (so every source address
 * carries every room), on source address `i / perSource`; slot `r < rooms` is room r's
 * sender. `hooks` (open, closed, resume, line) are set by the phase that runs.
 */
export class Pool {
  constructor({ kind, url, n, rooms, perSource, maxSeq }) {
    this.kind = kind;
    this.url = url;
    this.rooms = rooms;
    this.counter = newCounter();
    this.hooks = {};
    const classes = new Map();
    this.slots = Array.from({ length: n }, (_, index) => {
      const source = sourceAddress(index, perSource);
      if (!classes.has(source)) classes.set(source, boundSocket(source, this.counter));
      return { index, room: index % rooms, source, Socket: classes.get(source), client: null, seen: new Uint8Array(maxSeq), openedAt: 0, resumedAt: 0, resumeComplete: null };
    });
  }

  /** Room `r`'s name on the server. */
  roomName(r) {
    return `scale${r}`;
  }

  /** Opens slot's client; `after` is the last line id it showed (resume, Switchboard only). */
  connect(slot, after = 0) {
    const options = { WebSocket: slot.Socket };
    const client =
      this.kind === "ceiling"
        ? // The ceiling has no history and no presence: a plain reconnecting socket.
          new SwitchboardClient({ ...options, url: `${this.url}/ws/chat/${this.roomName(slot.room)}/` })
        : // As an app runs it: presence offered (switchboard.v1), resume after the last id;
          // `longPoll: false`: every attempt on a WebSocket (a fallback would measure HTTP instead).
          chatClient(this.roomName(slot.room), { ...options, base: this.url, after, longPoll: false });
    slot.client = client;
    client.on("state", (change) => {
      if (slot.client !== client) return;
      // Should an attempt ever go over long-polling anyway: counted, and reported.
      if (change.transport === "longpoll") this.counter.longPollAttempts += 1;
      if (change.state === "open") {
        slot.openedAt = now();
        this.hooks.open?.(slot);
      } else if (change.state === "closed") this.hooks.closed?.(slot, change);
    });
    client.on("resume", (result) => {
      if (slot.client !== client) return;
      slot.resumedAt = now();
      slot.resumeComplete = result.complete;
      this.hooks.resume?.(slot, result);
    });
    // Error frames from the server (the socket stays open): counted, never expected here.
    client.on("error", (frame) => {
      this.counter.serverErrors[frame.error] = (this.counter.serverErrors[frame.error] ?? 0) + 1;
    });
    client.on("message", (line) => {
      if (slot.client !== client || typeof line.message !== "string") return;
      // "s<seq> <sent at>": a per-room sequence number and the sender's clock.
      const space = line.message.indexOf(" ");
      const seq = Number(line.message.slice(1, space));
      if (seq >= 0 && seq < slot.seen.length) slot.seen[seq] = 1;
      this.hooks.line?.(slot, seq, Number(line.message.slice(space + 1)));
    });
    return client;
  }

  /** Closes slot's client for good; returns the id of the last line it showed. */
  disconnect(slot) {
    const client = slot.client;
    slot.client = null;
    const lastId = client?.lastId ?? 0;
    client?.close();
    return lastId;
  }

  /** Whether the slot's client is open now. */
  isOpen(slot) {
    return slot.client?.state === "open";
  }

  closeAll() {
    for (const slot of this.slots) this.disconnect(slot);
  }
}
