/**
 * RFC 6455 framing of the frames a server sends: unmasked, one fragment (FIN set), no
 * extension bits. A frame built here is complete wire bytes, so one group message can be
 * framed once and the same Buffer written to every member's socket.
 */

/** Opcode of a text frame. */
export const OPCODE_TEXT = 0x1;
/** Opcode of a binary frame. */
export const OPCODE_BINARY = 0x2;

/** Bytes of the header in front of a payload of `length` bytes: 2, 4 or 10. */
export function headerLength(length: number): number {
  return length < 126 ? 2 : length < 65536 ? 4 : 10;
}

/** Writes a FIN frame header for `length` payload bytes at the start of `target`; returns its size. */
function writeHeader(target: Buffer, opcode: number, length: number): number {
  target[0] = 0x80 | opcode;
  if (length < 126) {
    target[1] = length;
    return 2;
  }
  if (length < 65536) {
    target[1] = 126;
    target.writeUInt16BE(length, 2);
    return 4;
  }
  // 64-bit length; a JS string or Buffer never reaches 2^53, so the top bytes are zero.
  target[1] = 127;
  target.writeUInt32BE(Math.floor(length / 2 ** 32), 2);
  target.writeUInt32BE(length >>> 0, 6);
  return 10;
}

/**
 * A whole text frame of `text`: header and UTF-8 payload in one Buffer (one copy of the
 * payload, one write to the socket).
 *
 * @example
 * textFrame("hi"); // <Buffer 81 02 68 69>
 */
export function textFrame(text: string): Buffer {
  const length = Buffer.byteLength(text);
  const frame = Buffer.allocUnsafe(headerLength(length) + length);
  frame.write(text, writeHeader(frame, OPCODE_TEXT, length), "utf8");
  return frame;
}

/** The header of a frame carrying `length` bytes with `opcode`, to write before the payload. */
export function frameHeader(opcode: number, length: number): Buffer {
  const header = Buffer.allocUnsafe(headerLength(length));
  writeHeader(header, opcode, length);
  return header;
}

/** The payload of a frame built by {@link textFrame} (a view, not a copy). */
export function framePayload(frame: Buffer): Buffer {
  const code = frame[1]! & 0x7f;
  return frame.subarray(code < 126 ? 2 : code === 126 ? 4 : 10);
}
