import { MAX_CLAIM_LENGTH, appSubprotocols } from "../../auth/index.js";
import { JsonWebsocketConsumer, errorFrame, type LayerMessage } from "../../core/index.js";
import { gpsGroup, gpsMember } from "./groups.js";

/** What `/gps/connect` sends besides the echo: one frame to the group, or to one member. */
export interface GpsFrame {
  /** The frame the sender sent (to the group), or its `message` (to one member). */
  message: unknown;
  from: { uid: number | string; nickname: string };
  /** Set when the frame went to one member only. */
  to?: number | string;
}

/**
 * `/gps/connect`: the JWT tutorial's consumer, for sockets whose users another service
 * vouches for. The token was verified before this runs (`externalTokenAuth` on the route);
 * `scope.user` holds its `uid`, `nickname` and `group_name`.
 *
 * - On connect: joins `channel_<group_name>` and the member's own group (both in the `gps_`
 *   namespace, see `groups.ts`).
 * - Each JSON frame is echoed to its sender, then every socket of the group (sender
 *   included, any node) gets `{"message": <the frame>, "from": {"uid", "nickname"}}`.
 * - `{"to": <uid>, "message": …}` is echoed, then only that member's sockets in the same
 *   group (every tab, any node) get `{"message": …, "from": {…}, "to": <uid>}`; a uid with no
 *   socket in the group receives nothing, as a Channels `group_send` to an empty group.
 * - Bad JSON → `invalid_json`; a `to` that is not a uid, or no `message` → `invalid_message`.
 */
export class GpsConsumer extends JsonWebsocketConsumer<Record<never, string>> {
  override get groups(): string[] {
    const user = this.scope.user!;
    return [gpsGroup(String(user.groupName)), gpsMember(user.id)];
  }

  override async connect(): Promise<void> {
    await this.accept(appSubprotocols(this.scope)[0]);
  }

  override async receiveJson(content: unknown): Promise<void> {
    const push = pushOf(content);
    if (push === "invalid") {
      this.sendJson(errorFrame("SB_ERR_INVALID_PUSH", 'send {"to": <uid>, "message": ...} to one member, or any other JSON to the group'));
      return;
    }
    this.sendJson(content);
    const user = this.scope.user!;
    const from = { uid: user.id, nickname: String(user.nickname) };
    const group = String(user.groupName);
    if (push) {
      const frame: GpsFrame = { message: push.message, from, to: push.to };
      await this.channelLayer!.groupSend(gpsMember(push.to), { type: "gps.direct", group, frame });
      return;
    }
    const frame: GpsFrame = { message: content, from };
    await this.channelLayer!.groupSend(gpsGroup(group), { type: "gps.message", frame });
  }

  /** Layer event: a frame for the whole group, forwarded as it is (serialized once per group send). */
  async gpsMessage(event: LayerMessage): Promise<void> {
    this.sendJson(event.frame);
  }

  /** Layer event: a frame for this member; a socket of the same uid in another group ignores it. */
  async gpsDirect(event: LayerMessage): Promise<void> {
    if (event.group === String(this.scope.user!.groupName)) this.sendJson(event.frame);
  }
}

/** A frame's push envelope: `null` for a group frame, `"invalid"` for a bad one. */
function pushOf(content: unknown): { to: number | string; message: unknown } | null | "invalid" {
  if (content === null || typeof content !== "object" || Array.isArray(content) || !Object.hasOwn(content, "to")) return null;
  const { to, message } = content as { to: unknown; message?: unknown };
  if (to === null) return null;
  const uid = (typeof to === "number" && Number.isSafeInteger(to)) || (typeof to === "string" && to.length > 0 && to.length <= MAX_CLAIM_LENGTH);
  if (!uid || message === undefined) return "invalid";
  return { to: to as number | string, message };
}
