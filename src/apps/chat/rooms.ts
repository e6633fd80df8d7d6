import { SwitchboardError } from "../../core/index.js";

/** Room names: 1–80 ASCII letters, digits, `_` or `-`. */
export const ROOM_NAME = /^[A-Za-z0-9_-]{1,80}$/;
/** Plain-text group names (`/room/<group>/`): 1–80 word characters. */
export const TEXT_GROUP_NAME = /^[A-Za-z0-9_]{1,80}$/;
/** Longest accepted chat message, in UTF-8 bytes. */
export const MAX_MESSAGE_BYTES = 4096;

/** The layer group of a chat room. */
export function roomGroup(room: string): string {
  return `chat_${room}`;
}

/** Whether `room` is a valid room name. */
export function isRoomName(room: string): boolean {
  return ROOM_NAME.test(room);
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
