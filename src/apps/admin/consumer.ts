import { randomUUID } from "node:crypto";
import { appSubprotocols } from "../../auth/index.js";
import { errorFrame, GROUP_NAME_RULE, JsonWebsocketConsumer, MAX_NAME_LENGTH, type ConsumerClass, type Kwargs, type LayerMessage } from "../../core/index.js";
import type { AdminAuditEntry } from "../../protocol/admin.js";
import { groupChannel } from "../../protocol/groups.js";
import type { AdminCluster } from "./cluster.js";

/** Longest close reason: RFC 6455 leaves 123 bytes for it. */
export const MAX_REASON_BYTES = 123;
/** Longest notice, as `/ws/notify/` takes one. */
export const MAX_NOTICE_LENGTH = 4096;
/** How long the node holding a socket has to say it closed it. */
const ANSWER_MS = 5000;

type Frame = { type?: unknown; request?: unknown; node?: unknown; connection_id?: unknown; reason?: unknown; group?: unknown; message?: unknown };

/**
 * `/ws/admin/` (superusers; anyone else gets 401/403 at the handshake): the dashboard's
 * socket. Sends `admin.state` on connect, then every node's snapshot as it comes
 * (`admin.node`), nodes gone silent (`admin.node_gone`), the work orders awaiting approval
 * (`admin.awaiting`) and every audited action (`admin.audit`). Takes `close_socket` and
 * `notice` frames; each is audited, then answered with `admin.result`. See docs/admin.md.
 */
export function adminConsumer(cluster: AdminCluster): ConsumerClass<Kwargs> {
  return class AdminConsumer extends JsonWebsocketConsumer<Kwargs> {
    #unwatch: (() => void) | null = null;
    readonly #pending = new Map<string, { timer: NodeJS.Timeout; done: (outcome: string) => void }>();

    override async connect(): Promise<void> {
      await this.accept(appSubprotocols(this.scope)[0]);
      await cluster.refresh();
      this.sendJson({ type: "admin.state", ...(await cluster.state()) });
      this.#unwatch = cluster.watch((frame) => {
        if (this.isOpen) this.sendJson(frame);
      });
    }

    override async disconnect(): Promise<void> {
      // Actions in flight still get their audit row (as `no_answer` if the answer is lost with this socket).
      this.#unwatch?.();
    }

    override async receiveJson(content: unknown): Promise<void> {
      const frame = (content !== null && typeof content === "object" ? content : {}) as Frame;
      const request = typeof frame.request === "string" && frame.request.length <= 64 ? frame.request : null;
      if (request === null) return this.#refuse("every action carries a request id: a string of at most 64 characters");
      if (frame.type === "close_socket") return this.#closeSocket(request, frame);
      if (frame.type === "notice") return this.#notice(request, frame);
      return this.#refuse('type must be "close_socket" or "notice"');
    }

    /** The answer of the node that held (or did not hold) the socket. */
    async adminClosed(message: LayerMessage): Promise<void> {
      const pending = this.#pending.get(String(message.request));
      if (pending) pending.done(String(message.outcome));
    }

    #refuse(detail: string): void {
      this.sendJson(errorFrame("SB_ERR_INVALID_ADMIN_ACTION", detail));
    }

    async #closeSocket(request: string, frame: Frame): Promise<void> {
      const { node, connection_id: id, reason } = frame;
      if (typeof node !== "string" || typeof id !== "string" || id.length === 0 || id.length > 64) return this.#refuse("close_socket needs node and connection_id (strings)");
      if (typeof reason !== "string" || reason.trim() === "" || Buffer.byteLength(reason) > MAX_REASON_BYTES) {
        return this.#refuse(`reason must be 1–${MAX_REASON_BYTES} bytes of UTF-8`);
      }
      const target = `${node} ${id}`;
      const channel = cluster.channelOf(node);
      if (!channel) return this.#audited(request, "close_socket", target, reason, "no_such_node");
      // The node holding the socket closes it; its answer (or the lack of one) is what is
      // audited. Not awaited here: the answer comes through this consumer's own mailbox.
      const key = randomUUID();
      const done = (outcome: string): void => {
        const pending = this.#pending.get(key);
        if (!pending) return;
        clearTimeout(pending.timer);
        this.#pending.delete(key);
        this.#audited(request, "close_socket", target, reason, outcome).catch((error: unknown) => this.logger.error({ err: error }, "admin: action not audited"));
      };
      this.#pending.set(key, { timer: setTimeout(() => done("no_answer"), ANSWER_MS), done });
      await this.channelLayer!.send(channel, { type: "admin.close", connectionId: id, reason, reply: this.channelName, request: key }).catch(() => done("no_answer"));
    }

    async #notice(request: string, frame: Frame): Promise<void> {
      const { group, message } = frame;
      const name = typeof group === "string" ? groupChannel(group) : "";
      if (typeof group !== "string" || name.length >= MAX_NAME_LENGTH || !GROUP_NAME_RULE.test(name)) {
        return this.#refuse("group must be a user group name (letters, digits, . _ -)");
      }
      if (typeof message !== "string" || message.trim() === "" || message.length > MAX_NOTICE_LENGTH) return this.#refuse(`message must be 1–${MAX_NOTICE_LENGTH} characters`);
      const me = this.scope.user!;
      // What /ws/notify/ sockets of the group relay as they are: the notify page shows it.
      const from = { uid: me.id, username: me.username, nickname: me.nickname ?? me.username };
      await this.channelLayer!.groupSend(name, { type: "notify", from, message, to: null, admin: true });
      await this.#audited(request, "notice", group, message, "sent");
    }

    async #audited(request: string, action: AdminAuditEntry["action"], target: string, detail: string, outcome: string): Promise<void> {
      const me = this.scope.user!;
      const entry = await cluster.audit.record({ actorId: Number(me.id), actor: me.username, action, target, detail, outcome });
      await cluster.announce(entry).catch(() => undefined);
      if (this.isOpen) this.sendJson({ type: "admin.result", request, outcome });
    }
  };
}
