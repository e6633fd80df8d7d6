import { createHash } from "node:crypto";
import { MAX_NAME_LENGTH, SwitchboardError, type Middleware } from "../../core/index.js";

/**
 * Room names (chat rooms and plain-text groups), in their canonical form (NFC): 1–100
 * characters, each a Unicode letter, digit, `_`, `.` or `-`, or a combining mark after
 * the first (so `हिन्दी`, whose vowel signs are marks, is a name too); not `.` or `..`
 * ({@link roomName} checks that). What Django's `<str:room>` with a `\w`-style rule
 * accepts: `lobby`, `测试`, `a.b`, `über`.
 */
export const ROOM_NAME = /^[\p{L}\p{N}_.-][\p{L}\p{M}\p{N}_.-]{0,99}$/u;
/**
 * The longest room name as it may arrive (percent-decoded, in UTF-16 units): every spelling
 * of a 100-character name fits, in any normalisation (no accepted character takes more
 * than 6 units decomposed). The HTTP router's parameter limit is set to it.
 */
export const MAX_ROOM_PARAM_LENGTH = 600;
/** Longest accepted chat message, in UTF-8 bytes. */
export const MAX_MESSAGE_BYTES = 4096;

/**
 * The canonical form of a room name as it arrived (already percent-decoded): its NFC
 * normalisation when that is a valid name, else `null`. Two spellings of one text (`é` as
 * one character, or `e` + U+0301) are one room.
 *
 * @example
 * roomName("测试"); // "测试"
 * roomName("u\u0308ber"); // "über" (NFC)
 * roomName("a b"); // null
 */
export function roomName(raw: unknown): string | null {
  if (typeof raw !== "string" || raw.length === 0 || raw.length > MAX_ROOM_PARAM_LENGTH) return null;
  const name = raw.normalize("NFC");
  // `.` and `..` are path steps, not names: a browser resolves `/chat/../` before sending it.
  return ROOM_NAME.test(name) && name !== "." && name !== ".." ? name : null;
}

/** Names kept as they are (after `<prefix>_`): exactly those a room could have before Unicode names. */
const PLAIN = /^[A-Za-z0-9_-]+$/;

/**
 * The layer group of a room (canonical name) under `prefix`, one-to-one:
 * - an ASCII name of `[A-Za-z0-9_-]` that fits keeps `<prefix>_<name>` (`chat_lobby`), as
 *   before Unicode names, so existing rooms keep their group across an upgrade;
 * - any other name is `<prefix>.u.<base64url of its UTF-8>` (`测试` → `chat.u.5rWL6K-V`);
 * - one whose encoding would not fit (over 69 UTF-8 bytes, e.g. 24 CJK characters) is
 *   `<prefix>.h.<base64url of the SHA-256 of its UTF-8>`.
 * The three forms cannot meet: only the last two contain `.` (no plain name does), and
 * they differ in `.u.` / `.h.` (base64url has no `.`). Within a form, the name is read
 * back from the group (the first two), or a SHA-256 collision would be needed (the last).
 */
function layerGroup(prefix: string, name: string): string {
  if (PLAIN.test(name) && prefix.length + 1 + name.length < MAX_NAME_LENGTH) return `${prefix}_${name}`;
  const bytes = Buffer.from(name, "utf8");
  const direct = `${prefix}.u.${bytes.toString("base64url")}`;
  if (direct.length < MAX_NAME_LENGTH) return direct;
  return `${prefix}.h.${createHash("sha256").update(bytes).digest("base64url")}`;
}

/** The layer group of a chat room (`/ws/chat/<room>/`, the HTTP API, `roomMessages`). */
export function roomGroup(room: string): string {
  return layerGroup("chat", room);
}

/** The layer group of a plain-text room (`/room/<group>/`). */
export function textGroup(group: string): string {
  return layerGroup("text", group);
}

/**
 * Socket route middleware: puts the canonical form of the kwarg `kwarg` in its place, or
 * refuses the handshake with `SB_ERR_NO_SUCH_ROOM` (404) when it is not a room name.
 */
export function roomKwarg(kwarg: string): Middleware {
  return (inner) => async (scope, connection) => {
    const name = roomName(scope.kwargs[kwarg]);
    if (name === null) {
      connection.refuse("SB_ERR_NO_SUCH_ROOM");
      return;
    }
    scope.kwargs = { ...scope.kwargs, [kwarg]: name };
    await inner(scope, connection);
  };
}

/**
 * Returns `value` as a chat message text, or throws `SB_ERR_INVALID_MESSAGE` when it is not
 * a string, is empty (or only whitespace), or is over {@link MAX_MESSAGE_BYTES} bytes.
 */
export function messageText(value: unknown): string {
  if (typeof value !== "string") throw new SwitchboardError("SB_ERR_INVALID_MESSAGE", "message must be a string");
  if (value.trim().length === 0) throw new SwitchboardError("SB_ERR_INVALID_MESSAGE", "message is empty");
  // Cheap bound first: a string of n UTF-16 units is at most 3n UTF-8 bytes.
  if (value.length * 3 > MAX_MESSAGE_BYTES && Buffer.byteLength(value, "utf8") > MAX_MESSAGE_BYTES) {
    throw new SwitchboardError("SB_ERR_INVALID_MESSAGE", `message is over ${MAX_MESSAGE_BYTES} bytes`);
  }
  return value;
}
