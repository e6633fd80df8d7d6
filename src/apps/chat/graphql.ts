import { GraphQLError } from "graphql";
import type { ChannelLayer } from "../../core/index.js";
import type { GraphQLContribution } from "../../graphql/builder.js";
import { groupEvents } from "../../graphql/layer-events.js";
import type { ChatLine } from "../../protocol/index.js";
import { isRoomName, roomGroup } from "./rooms.js";

/** The chat's GraphQL part: the `ChatMessage` type and the `roomMessages(room)` subscription (public, as the room is). */
export function chatGraphql(layer: ChannelLayer): GraphQLContribution {
  return (builder) => {
    const ChatMessage = builder.objectRef<ChatLine>("ChatMessage").implement({
      fields: (t) => ({
        id: t.exposeID("id"),
        room: t.exposeString("room"),
        user: t.exposeString("user"),
        message: t.exposeString("message"),
        ts: t.float({ resolve: (l) => l.ts }),
      }),
    });
    builder.subscriptionFields((t) => ({
      roomMessages: t.field({
        type: ChatMessage,
        authScopes: { public: true },
        args: { room: t.arg.string({ required: true }) },
        subscribe: (_r, { room }) => {
          if (!isRoomName(room)) throw new GraphQLError("room names are 1–80 of A–Z a–z 0–9 _ -", { extensions: { code: "BAD_USER_INPUT" } });
          return groupEvents(layer, roomGroup(room), ["chat.message"]);
        },
        resolve: (event) => (event as unknown as { line: ChatLine }).line,
      }),
    }));
  };
}
