import { sealFromDispatch } from "./dispatch.js";
import { errorFrame } from "./errors.js";
import { textFrame } from "./frames.js";
import type { Kwargs } from "./scope.js";
import { WebsocketConsumer, kSendFrame } from "./websocket-consumer.js";

/**
 * Whole text frames (header and JSON) of frozen objects. Layer messages arrive deep-frozen
 * and shared by every member of a group send, so a consumer that forwards one serializes
 * and frames it once per group send, and every member's socket gets the same bytes.
 */
type FrameCache = WeakMap<object, Buffer>;
/** Frames made by the default encoder; a class with its own `encodeJson` gets its own cache. */
const defaultFrames: FrameCache = new WeakMap();
const framesByEncoder = new WeakMap<(content: unknown) => string, FrameCache>();

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
      const encoder = this.encodeJson;
      let cache = encoder === JsonWebsocketConsumer.prototype.encodeJson ? defaultFrames : framesByEncoder.get(encoder);
      if (cache === undefined) framesByEncoder.set(encoder, (cache = new WeakMap()));
      let frame = cache.get(content);
      if (frame === undefined) cache.set(content, (frame = textFrame(this.encodeJson(content))));
      this[kSendFrame](frame);
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
