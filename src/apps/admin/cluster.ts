import { hostname } from "node:os";
import type { Kysely } from "kysely";
import type { ChannelLayer, LayerMessage, Logger } from "../../core/index.js";
import type { AdminAuditEntry, AdminSample, AdminServerFrame, AdminState, NodeSnapshot } from "../../protocol/admin.js";
import type { Database } from "../../storage/schema.js";
import type { AppRuntime } from "../module.js";
import { AuditLog } from "./audit.js";
import { awaitingApproval } from "./awaiting.js";
import { ADMIN_ERRORS } from "./errors.js";
import { Ring } from "./ring.js";
import { NodeSampler } from "./snapshot.js";

/** The layer group every node's admin channel is in: snapshots and audit entries go to all of them. */
export const NODES_GROUP = "admin.nodes";
/** How far back the charts go. */
export const HISTORY_MS = 15 * 60_000;
/** A node silent for this many of its intervals is gone from the view. */
const STALE_INTERVALS = 3;
/** Fewest milliseconds between two snapshots taken early (a dashboard connecting). */
const MIN_REFRESH_MS = 1000;

/** Options of {@link AdminCluster}. */
export interface AdminClusterOptions {
  db: Kysely<Database>;
  layer: ChannelLayer;
  runtime: AppRuntime;
  logger: Logger;
  /** Milliseconds between this node's snapshots (default 5000). */
  intervalMs?: number;
}

/**
 * This node's part of the cluster-wide dashboard. Every `intervalMs` it takes a snapshot of
 * itself ({@link NodeSampler}) and sends it to {@link NODES_GROUP}, where every node's
 * admin channel (this one's too) receives it: so every node holds the latest snapshot and
 * the last 15 minutes of samples of every node, and no node is special. A dashboard socket
 * watches its own node's view ({@link watch}). Actions on a socket go to the admin channel
 * of the node holding it (named in its snapshot), which closes it and answers the asker.
 */
export class AdminCluster {
  readonly node = `${hostname()}-${process.pid}-${Math.random().toString(36).slice(2, 6)}`;
  readonly audit: AuditLog;
  readonly intervalMs: number;
  readonly #db: Kysely<Database>;
  readonly #layer: ChannelLayer;
  readonly #runtime: AppRuntime;
  readonly #logger: Logger;
  readonly #latest = new Map<string, NodeSnapshot>();
  readonly #history = new Map<string, Ring<AdminSample>>();
  readonly #listeners = new Set<(frame: AdminServerFrame) => void>();
  readonly #stop = new AbortController();
  #channel = "";
  #sampler: NodeSampler | null = null;
  #timer: NodeJS.Timeout | undefined;
  #loop: Promise<void> = Promise.resolve();
  #lastTick = 0;

  constructor(options: AdminClusterOptions) {
    this.#db = options.db;
    this.#layer = options.layer;
    this.#runtime = options.runtime;
    this.#logger = options.logger;
    this.intervalMs = options.intervalMs ?? 5000;
    if (!Number.isInteger(this.intervalMs) || this.intervalMs < 100) throw new TypeError("admin intervalMs must be an integer ≥ 100");
    this.audit = new AuditLog(options.db);
  }

  async start(): Promise<void> {
    this.#channel = await this.#layer.newChannel("admin");
    await this.#layer.groupAdd(NODES_GROUP, this.#channel);
    this.#sampler = new NodeSampler(this.node, this.#channel, this.intervalMs, this.#layer, this.#runtime);
    this.#loop = this.#receive();
    this.#timer = setInterval(() => void this.tick(), this.intervalMs);
    this.#timer.unref();
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    this.#stop.abort();
    await this.#loop;
    await this.#layer.groupDiscard(NODES_GROUP, this.#channel).catch(() => undefined);
    this.#listeners.clear();
  }

  /** Takes and sends this node's snapshot now (a dashboard connecting asks, at most once a second). */
  async refresh(): Promise<void> {
    if (Date.now() - this.#lastTick >= MIN_REFRESH_MS) await this.tick();
  }

  /** One sample: refresh the membership (it lapses on Redis), send the snapshot, drop silent nodes, tell watchers of the queue. */
  async tick(): Promise<void> {
    if (!this.#sampler || this.#stop.signal.aborted) return;
    this.#lastTick = Date.now();
    try {
      await this.#layer.groupAdd(NODES_GROUP, this.#channel);
      const { snapshot, sample } = await this.#sampler.take();
      await this.#layer.groupSend(NODES_GROUP, { type: "admin.snapshot", snapshot, sample });
    } catch (error) {
      this.#logger.warn({ err: error }, "admin: snapshot not sent");
    }
    const now = Date.now();
    for (const [node, s] of this.#latest) {
      if (now - s.at <= STALE_INTERVALS * s.interval) continue;
      this.#latest.delete(node);
      this.#history.delete(node);
      this.#emit({ type: "admin.node_gone", node });
    }
    if (this.#listeners.size > 0) {
      try {
        this.#emit({ type: "admin.awaiting", orders: await awaitingApproval(this.#db) });
      } catch (error) {
        this.#logger.warn({ err: error }, "admin: work orders not read");
      }
    }
  }

  /** Everything the page shows, as this node knows it. */
  async state(): Promise<AdminState> {
    const history: AdminState["history"] = {};
    for (const [node, ring] of this.#history) history[node] = ring.toArray();
    const [audit, awaiting] = await Promise.all([this.audit.recent(), awaitingApproval(this.#db)]);
    return { nodes: [...this.#latest.values()], history, audit, awaiting };
  }

  /** The admin channel of `node`, if it is in the view. */
  channelOf(node: string): string | undefined {
    return this.#latest.get(node)?.channel;
  }

  /** Calls `listener` with every frame for the dashboards (each snapshot, audit entry, queue); answers the unsubscribe. */
  watch(listener: (frame: AdminServerFrame) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Tells every node's dashboards of an audited action. */
  async announce(entry: AdminAuditEntry): Promise<void> {
    await this.#layer.groupSend(NODES_GROUP, { type: "admin.audit", entry });
  }

  #emit(frame: AdminServerFrame): void {
    for (const listener of this.#listeners) listener(frame);
  }

  async #receive(): Promise<void> {
    const { signal } = this.#stop;
    while (!signal.aborted) {
      let message: LayerMessage;
      try {
        message = await this.#layer.receive(this.#channel, { signal });
      } catch (error) {
        if (signal.aborted) return;
        this.#logger.warn({ err: error }, "admin: receive failed; retrying");
        await new Promise((resolve) => setTimeout(resolve, 500));
        continue;
      }
      try {
        await this.#handle(message);
      } catch (error) {
        this.#logger.warn({ err: error, type: message.type }, "admin: message not handled");
      }
    }
  }

  async #handle(message: LayerMessage): Promise<void> {
    if (message.type === "admin.snapshot") {
      const snapshot = message.snapshot as NodeSnapshot;
      const sample = message.sample as AdminSample;
      this.#latest.set(snapshot.node, snapshot);
      let ring = this.#history.get(snapshot.node);
      if (!ring) this.#history.set(snapshot.node, (ring = new Ring(Math.ceil(HISTORY_MS / snapshot.interval))));
      ring.push(sample);
      this.#emit({ type: "admin.node", snapshot, sample });
    } else if (message.type === "admin.audit") {
      this.#emit({ type: "admin.audit", entry: message.entry as AdminAuditEntry });
    } else if (message.type === "admin.close") {
      // From a dashboard on any node (itself superuser-only): close the socket if it is here.
      const { connectionId, reason, reply, request } = message as LayerMessage & { connectionId: string; reason: string; reply: string; request: string };
      const closed = this.#runtime.sockets?.closeSocket(connectionId, ADMIN_ERRORS.SB_ERR_CLOSED_BY_ADMIN.closeCode, reason) ?? false;
      await this.#layer.send(reply, { type: "admin.closed", request, outcome: closed ? "closed" : "not_found" });
    }
  }
}
