import { JsonWebsocketConsumer, errorFrame, type ConsumerClass, type LayerMessage } from "../../core/index.js";
import { appSubprotocols } from "../../auth/index.js";
import type { UserStore } from "../../auth/index.js";

import { groupChannel, userChannel } from "../../protocol/groups.js";

/**
 * `/ws/notify/` (JWT or session; anonymous sockets are refused with 401 by `requireUser`).
 * Joins `channel_<groupName>` and `user_<uid>`.
 * - `{"message": "hi"}` → every socket of the group gets `{"type": "notify", "from": {...}, "message": "hi", "to": null}`;
 * - `{"to": 7, "message": "hi"}` → only user 7's sockets (all tabs, any node) get it, with `"to": 7`;
 *   a uid outside the sender's group → error frame `not_in_group`;
 * - invalid JSON → `invalid_json`; a bad shape → `invalid_message`. The socket stays open.
 */
export function notifyConsumer(users: UserStore): ConsumerClass<Record<never, string>> {
  return class NotifyConsumer extends JsonWebsocketConsumer<Record<never, string>> {
    override get groups(): string[] {
      const user = this.scope.user!;
      return [groupChannel(String(user.groupName)), userChannel(user.id)];
    }

    override async connect(): Promise<void> {
      await this.accept(appSubprotocols(this.scope)[0]);
    }

    override async receiveJson(content: unknown): Promise<void> {
      const frame = content as { to?: unknown; message?: unknown } | null;
      if (frame === null || typeof frame !== "object" || typeof frame.message !== "string" || frame.message.length === 0 || frame.message.length > 4096) {
        this.sendJson(errorFrame("SB_ERR_INVALID_NOTIFICATION", 'send {"message": "..."} or {"to": <uid>, "message": "..."}'));
        return;
      }
      const me = this.scope.user!;
      const from = { uid: me.id, username: me.username, nickname: me.nickname };
      if (frame.to === undefined || frame.to === null) {
        await this.channelLayer!.groupSend(groupChannel(String(me.groupName)), { type: "notify", from, message: frame.message, to: null });
        return;
      }
      const target = typeof frame.to === "number" && Number.isSafeInteger(frame.to) ? await users.byId(frame.to) : null;
      if (!target || target.groupName !== me.groupName) {
        this.sendJson(errorFrame("SB_ERR_NOT_IN_GROUP", `user ${String(frame.to)} is not in group ${String(me.groupName)}`));
        return;
      }
      await this.channelLayer!.groupSend(userChannel(target.id), { type: "notify", from, message: frame.message, to: target.id });
    }

    /** Layer event: forwarded to the socket as it is (serialized once per group send). */
    async notify(event: LayerMessage): Promise<void> {
      this.sendJson(event);
    }
  };
}
