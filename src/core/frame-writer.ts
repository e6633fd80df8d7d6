import type { WebSocket } from "ws";
import { OPCODE_BINARY, OPCODE_TEXT, frameHeader, framePayload, textFrame } from "./frames.js";

/**
 * Writes a consumer's frames to its socket.
 *
 * - **Frame once.** Where no per-message extension (permessage-deflate) was negotiated,
 *   frames built by `frames.ts` go straight to the net socket under the WebSocket: a group
 *   message framed once is the same Buffer for every member. ws's own `Sender` writes to
 *   that socket synchronously whenever it has nothing queued (it queues only while it
 *   compresses or reads a Blob), so a direct write made while its queue is empty lands in
 *   call order with everything ws writes (pings, pongs, close frames, `ws.send`). Anywhere
 *   else (an extension, a busy sender, a ws whose internals are not what this expects)
 *   the frame goes through `ws.send`, which keeps its own order.
 * - **One write per turn.** The first frame of an event-loop turn corks the socket and a
 *   single `process.nextTick` uncorks every socket corked in that turn, so a burst (a
 *   history page, several group messages) leaves as one `writev` instead of one syscall
 *   per frame. Frames ws writes itself meanwhile join the same write, in order.
 *
 * Bytes written directly count in `ws.bufferedAmount` (it reads the socket's
 * `writableLength`), so the slow-consumer bound sees them.
 */

/** The parts of a net socket this module uses. */
interface RawSocket {
  cork(): void;
  uncork(): void;
  write(chunk: Buffer): boolean;
  readonly writableCorked: number;
}

/** ws internals read here (ws 8: `lib/websocket.js`, `lib/sender.js`); checked before use. */
interface WsInternals {
  _socket?: unknown;
  _extensions?: unknown;
  _sender?: { _queue?: unknown; _state?: unknown } | null;
}

const OPEN = 1;
const TEXT = { binary: false } as const;
const BINARY = { binary: true } as const;

/**
 * The net socket under `ws` when frames may be written to it directly: no extension was
 * negotiated and ws is laid out as expected; `null` otherwise (send through `ws.send`).
 * Extensions are fixed at the handshake, so one check per socket is enough.
 */
export function directSocket(ws: WebSocket): RawSocket | null {
  const internals = ws as unknown as WsInternals;
  const { _socket: socket, _extensions: extensions, _sender: sender } = internals;
  if (typeof extensions !== "object" || extensions === null || Object.keys(extensions).length > 0) return null;
  if (!sender || !Array.isArray(sender._queue) || typeof sender._state !== "number") return null;
  if (typeof socket !== "object" || socket === null) return null;
  const s = socket as Partial<RawSocket>;
  if (typeof s.cork !== "function" || typeof s.uncork !== "function" || typeof s.write !== "function" || typeof s.writableCorked !== "number") return null;
  return socket as RawSocket;
}

/** Whether ws's sender would write right now (nothing queued behind a compression or Blob). */
function senderIdle(ws: WebSocket): boolean {
  const sender = (ws as unknown as WsInternals)._sender!;
  return sender._state === 0 && (sender._queue as unknown[]).length === 0;
}

/** Sockets corked in this turn, uncorked together by {@link flush}. */
const corked: RawSocket[] = [];
let flushScheduled = false;

function flush(): void {
  flushScheduled = false;
  // Indexed: an uncork that makes someone write again (it should not) still gets flushed.
  for (let i = 0; i < corked.length; i++) corked[i]!.uncork();
  corked.length = 0;
}

/** Holds the socket's writes until the end of this turn (once per socket per turn). */
function holdForTurn(socket: RawSocket): void {
  // Corked already: by this module in this turn (ws's own cork never outlives its call).
  if (socket.writableCorked !== 0) return;
  socket.cork();
  corked.push(socket);
  if (!flushScheduled) {
    flushScheduled = true;
    process.nextTick(flush);
  }
}

/** The socket ws writes to, for corking only (any Duplex ws was given). */
function anySocket(ws: WebSocket): RawSocket | null {
  const socket = (ws as unknown as WsInternals)._socket as Partial<RawSocket> | undefined;
  return socket && typeof socket.cork === "function" && typeof socket.writableCorked === "number" ? (socket as RawSocket) : null;
}

/**
 * Writes a whole text frame built by `textFrame`; nothing once the socket is closing (a
 * close frame is never followed by data). `direct` is what {@link directSocket} returned
 * for this `ws`.
 */
export function writeFrame(ws: WebSocket, direct: RawSocket | null, frame: Buffer): void {
  if (ws.readyState !== OPEN) return;
  if (direct && senderIdle(ws)) {
    holdForTurn(direct);
    direct.write(frame);
    return;
  }
  const socket = anySocket(ws);
  if (socket) holdForTurn(socket);
  ws.send(framePayload(frame), TEXT);
}

/** Frames and writes `data` as one text or binary message; nothing once the socket is closing. */
export function writeData(ws: WebSocket, direct: RawSocket | null, data: string | Buffer, binary: boolean): void {
  if (ws.readyState !== OPEN) return;
  if (direct && senderIdle(ws)) {
    holdForTurn(direct);
    if (typeof data === "string" && !binary) {
      direct.write(textFrame(data));
    } else {
      const payload = typeof data === "string" ? Buffer.from(data) : data;
      // Header and payload as two writes into the corked socket: no copy of the payload.
      direct.write(frameHeader(binary ? OPCODE_BINARY : OPCODE_TEXT, payload.length));
      if (payload.length > 0) direct.write(payload);
    }
    return;
  }
  const socket = anySocket(ws);
  if (socket) holdForTurn(socket);
  ws.send(data, binary ? BINARY : TEXT);
}
