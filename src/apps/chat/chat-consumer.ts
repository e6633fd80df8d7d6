import { JsonWebsocketConsumer, SwitchboardError, errorFrame, type ConsumerClass, type LayerMessage } from "../../core/index.js";
import type { ChatAck } from "../../protocol/index.js";
import { clientId, publishLine, type ChatMessageEvent } from "./publish.js";
import { appSubprotocols } from "../../auth/index.js";
import { FULL_PROTOCOL, presenceGroup, type Presence } from "./presence.js";
import { roomGroup } from "./rooms.js";
import type { ChatLine, MessageStore } from "./store.js";

/** Most lines one `history` request returns; the client asks again from the last id. */
export const HISTORY_PAGE = 500;

type RoomKwargs = { roomName: string };

/**
 * Builds the consumer of `/ws/chat/:roomName/`.
 *
 * Protocol (JSON text frames):
 * - client → `{"message": "hi"}`: stored, then sent to every socket of the room as
 *   `{"message": "hi", "id": 7, "user": "anonymous", "room": "lobby", "ts": 1700000000000}`.
 *   With `"cid": "<the client's own id>"` the line is stored once per room, user and cid
 *   (a resend is not stored or broadcast again), carries its `cid`, and the sender gets
 *   `{"type": "ack", "cid": "...", "id": 7}` once it is stored.
 * - client → `{"type": "history", "after": 7}`: the lines after id 7 (as above, up to 500),
 *   then `{"type": "history.end", "after": 7, "lastId": 9, "complete": true}`.
 * - presence is opt-in, so a client that prints `data.message` for every frame (the Channels
 *   tutorial's page) sees only lines: with the subprotocol `switchboard.v1` (or after
 *   `{"type": "subscribe", "presence": true}`, answered by the list) the socket gets
 *   `{"type": "presence", "members": [{"id", "user"}...], "count": n}` (at most 100 members,
 *   `"truncated": true` when the room has more), then at most one `{"type": "presence.diff",
 *   "joins": [...], "leaves": [ids], "count": n}` per tick (100 ms; 1 s in a room of more than
 *   100) per node (see presence-diff.ts);
 *   `"presence": false` stops them. Every socket is a member either way.
 * - bad input → error frame `{"error": "invalid_message" | "invalid_request" | "unknown_type" | "invalid_json", ...}`;
 *   the socket stays open.
 */
export function chatConsumer(store: MessageStore, presence: Presence): ConsumerClass<RoomKwargs> {
  return class ChatConsumer extends JsonWebsocketConsumer<RoomKwargs> {
    override get groups(): string[] {
      return [roomGroup(this.scope.kwargs.roomName)];
    }

    /** Whether this socket asked for presence frames. */
    #presence = false;

    override async connect(): Promise<void> {
      // The full protocol when offered; else the first app subprotocol (beside a token), as before.
      const offered = appSubprotocols(this.scope);
      const chosen = offered.includes(FULL_PROTOCOL) ? FULL_PROTOCOL : offered[0];
      await this.accept(chosen);
      if (chosen === FULL_PROTOCOL) await this.#presenceOn();
      await presence.join(this.scope.kwargs.roomName, this.#member);
      if (this.#presence) await this.#sendMembers();
    }

    override async disconnect(): Promise<void> {
      await presence.leave(this.scope.kwargs.roomName, this.scope.connectionId);
    }

    override async receiveJson(content: unknown): Promise<void> {
      if (content === null || typeof content !== "object" || Array.isArray(content)) {
        this.sendJson(errorFrame("SB_ERR_INVALID_MESSAGE", 'send {"message": "..."}'));
        return;
      }
      const frame = content as Record<string, unknown>;
      if (frame.type === undefined) return this.#say(frame.message, frame.cid);
      if (frame.type === "history") return this.#history(frame.after);
      if (frame.type === "subscribe") return this.#subscribe(frame.presence);
      this.sendJson(errorFrame("SB_ERR_UNKNOWN_TYPE", String(frame.type).slice(0, 100)));
    }

    /**
     * Layer event: one line for this room; the frozen line is serialized once for all
     * sockets. Synchronous, as `presenceDiff`: the mailbox then needs no promise per delivery.
     */
    chatMessage(event: LayerMessage): void {
      this.sendJson((event as unknown as ChatMessageEvent).line);
    }

    /**
     * A room's coalesced presence changes from one node (the presence group is joined only
     * on opt-in), forwarded as they are: the frozen event is serialized once for every
     * subscriber. One already queued when the socket opted out is dropped.
     */
    presenceDiff(event: LayerMessage): void {
      if (this.#presence) this.sendJson(event);
    }

    get #member(): { id: string; user: string } {
      return { id: this.scope.connectionId, user: this.scope.user?.username ?? "anonymous" };
    }

    async #presenceOn(): Promise<void> {
      if (this.#presence) return;
      await this.groupJoin(presenceGroup(this.scope.kwargs.roomName));
      this.#presence = true;
    }

    async #sendMembers(): Promise<void> {
      this.sendJson({ type: "presence", ...(await presence.snapshot(this.scope.kwargs.roomName, this.#member)) });
    }

    /** `{"type": "subscribe", "presence": true | false}`: on → the member list now, then changes; off → none. */
    async #subscribe(on: unknown): Promise<void> {
      if (typeof on !== "boolean") {
        this.sendJson(errorFrame("SB_ERR_INVALID_REQUEST", "subscribe needs a boolean `presence`"));
        return;
      }
      if (on) {
        await this.#presenceOn();
        await this.#sendMembers();
      } else if (this.#presence) {
        this.#presence = false;
        await this.groupLeave(presenceGroup(this.scope.kwargs.roomName));
      }
    }

    /**
     * Stores and broadcasts a line. With a client id the sender gets `{"type": "ack", "cid",
     * "id"}` once it is stored — also for a resend of a line stored before, which is not
     * stored or broadcast again — and a refusal carries the `cid` too, so the client stops
     * resending it.
     */
    async #say(message: unknown, cidValue: unknown): Promise<void> {
      const user = this.scope.user?.username ?? "anonymous";
      let cid: string | null = null;
      try {
        cid = clientId(cidValue);
        const { line } = await publishLine(store, this.channelLayer!, this.scope.kwargs.roomName, user, message, cid);
        if (cid !== null) this.sendJson({ type: "ack", cid, id: line.id } satisfies ChatAck);
      } catch (error) {
        if (!(error instanceof SwitchboardError && error.frame)) throw error;
        const refusal = errorFrame(error.code, error.message);
        this.sendJson(cid === null ? refusal : { ...refusal, cid });
      }
    }

    async #history(after: unknown): Promise<void> {
      if (typeof after !== "number" || !Number.isSafeInteger(after) || after < 0) {
        this.sendJson(errorFrame("SB_ERR_INVALID_REQUEST", "history needs a non-negative integer `after`"));
        return;
      }
      const lines: ChatLine[] = await store.after(this.scope.kwargs.roomName, after, HISTORY_PAGE);
      for (const line of lines) this.sendJson(line);
      this.sendJson({
        type: "history.end",
        after,
        lastId: lines.at(-1)?.id ?? after,
        complete: lines.length < HISTORY_PAGE,
      });
    }
  };
}
