import { JsonWebsocketConsumer, type LayerMessage } from "../../core/index.js";

/** The group `/ws/beat/` joins; the `test.print` handler sends there. */
export const BEAT_GROUP = "beat";

/** What a `/ws/beat/` socket receives for each message of the group. */
export interface BeatFrame {
  readonly type: string;
  readonly message: unknown;
}

/** One frame per group message, built once and frozen, so it is serialized once for every socket of the node. */
const frames = new WeakMap<LayerMessage, BeatFrame>();

/**
 * The frame for a message of the group: `{"type", "message"}` with the message's own
 * `message` when it has one (beatserver's shape), else every field but `type` (a named
 * beat entry's `{name, ts, payload}`).
 */
export function beatFrame(event: LayerMessage): BeatFrame {
  let frame = frames.get(event);
  if (frame === undefined) {
    const { type, ...rest } = event;
    frame = Object.freeze({ type, message: Object.hasOwn(event, "message") ? event.message : Object.freeze(rest) });
    frames.set(event, frame);
  }
  return frame;
}

/**
 * `/ws/beat/` (public): joins the group `beat` and relays whatever the group receives, of
 * any type, as `{"type": ..., "message": {...}}` — with `WORKERS=testing-print` and
 * beatserver's tutorial schedule, `{"type": "test.print", "message": {"testing": "one"}}`
 * at each tick. The lobby page shows the latest. Clients send nothing (frames are ignored).
 *
 * A relay, so it takes every type instead of one handler per type; no method is reached
 * by a message's `type`, the message is only copied into a frame. Anyone may listen: send
 * nothing private to the group `beat`.
 */
export class BeatConsumer extends JsonWebsocketConsumer {
  override get groups(): string[] {
    return [BEAT_GROUP];
  }

  override dispatch(event: LayerMessage): void {
    this.sendJson(beatFrame(event));
  }
}
