import { sealFromDispatch } from "./dispatch.js";
import { errorFrame } from "./errors.js";
import type { Kwargs } from "./scope.js";
import { WebsocketConsumer } from "./websocket-consumer.js";

/**
 * Serialized frames of frozen objects. Layer messages arrive deep-frozen and shared by every
 * member of a group send, so a consumer that forwards them serializes once per group send,
 * not once per socket.
 */
const encoded = new WeakMap<object, string>();

/**
 * A consumer speaking JSON text frames (Channels' `AsyncJsonWebsocketConsumer`).
 * Override {@link receiveJson}; reply with {@link sendJson}. A frame that is not valid JSON
 * gets the error frame `{"error": "invalid_json", ...}` and the socket stays open; a
 * binary frame gets `{"error": "expected_text", ...}`.
 *
 * @example
 * class Chat extends JsonWebsocketConsumer<{ roomName: string }> {
 *   override get groups() { return [`chat_${this.scope.kwargs.roomName}`]; }
 *   override async receiveJson(content: unknown) {
 *     await this.channelLayer!.groupSend(this.groups[0]!, { type: "chat.message", content });
 *   }
 *   async chatMessage(event: { content: unknown }) { this.sendJson(event.content); }
 * }
 */
export class JsonWebsocketConsumer<K extends Kwargs = Kwargs> extends WebsocketConsumer<K> {
  /** Called with each decoded JSON frame. */
  async receiveJson(_content: unknown): Promise<void> {}

  /** Sends `content` as a JSON text frame. Deep-frozen objects are serialized only once. */
  sendJson(content: unknown): void {
    if (!this.isOpen) return;
    if (content !== null && typeof content === "object" && Object.isFrozen(content)) {
      let frame = encoded.get(content);
      if (frame === undefined) encoded.set(content, (frame = this.encodeJson(content)));
      // A string, not a Buffer: ws then writes header and payload as one buffer (one write
      // syscall); a Buffer payload goes out as two (writev), which costs more per frame.
      this.send(frame);
      return;
    }
    this.send(this.encodeJson(content));
  }

  /** Parses a text frame; override to use another decoder. */
  decodeJson(text: string): unknown {
    return JSON.parse(text);
  }

  /** Serializes an outgoing value; override to use another encoder. */
  encodeJson(content: unknown): string {
    return JSON.stringify(content);
  }

  override async receive(text: string | null, _bytes: Buffer | null): Promise<void> {
    if (text === null) {
      this.sendJson(errorFrame("SB_ERR_EXPECTED_TEXT"));
      return;
    }
    let content: unknown;
    try {
      content = this.decodeJson(text);
    } catch (error) {
      this.sendJson(errorFrame("SB_ERR_INVALID_JSON", (error as Error).message));
      return;
    }
    await this.receiveJson(content);
  }
}
sealFromDispatch(JsonWebsocketConsumer);
