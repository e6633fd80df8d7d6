import { randomBytes } from "node:crypto";
import type { ConnectionOptions } from "node:tls";
import { SwitchboardError } from "../errors.js";
import { silentLogger, type Logger } from "../logger.js";
import {
  ChannelFull,
  assertChannelName,
  assertGroupName,
  assertMessage,
  capacityResolver,
  freezeParsed,
  frozenCopy,
  resolveLayerOptions,
  kListen,
  type ChannelLayer,
  type ChannelListener,
  type LayerMessage,
  type ListenHandle,
  type Listenable,
  type LayerOptions,
  type LayerStats,
  type ReceiveOptions,
} from "./layer.js";
import { InMemoryChannelLayer, kDeliver } from "./memory.js";
import { ListReader } from "./redis-reader.js";
import { GROUP_MEMBERS, GROUP_SEND, PUSH, hashName, nonLocalPart } from "./redis-scripts.js";
import { PlainReceiver } from "./redis-plain-receive.js";
import { connectRedis, duplicateRedis, isCluster, redisTargets, type RedisClient, type RedisClientOptions, type RedisNode, type RedisTarget } from "./redis-connection.js";
import { layerKeys, type LayerKeys } from "./redis-keys.js";

/** Options of {@link RedisChannelLayer}. Give at most one of `hosts`, `sentinel`, `cluster`. */
export interface RedisLayerOptions extends LayerOptions {
  /** Redis URLs (`redis://`, `rediss://` for TLS). Several hosts shard by the part of a name before `!`. */
  hosts?: string[];
  /** A Sentinel-managed primary: the sentinels' addresses and the primary's name there. */
  sentinel?: { sentinels: RedisNode[]; name: string };
  /** A Redis Cluster's seed nodes; keys are hash-tagged so each script's keys share a slot. */
  cluster?: RedisNode[];
  /** Key prefix, so several apps can share one Redis. Default `switchboard`. */
  prefix?: string;
  /**
   * TLS options for `rediss://` hosts (e.g. `{ ca }` for a private CA). Without them the
   * system's CAs (and `NODE_EXTRA_CA_CERTS`) verify the server.
   */
  tls?: ConnectionOptions;
  /** Entries one process's list holds (all its channels together) before group sends skip it. Default 10 000. */
  processCapacity?: number;
  logger?: Logger;
}

/** The scripted commands, as `defineCommand` adds them. */
type ScriptedRedis = RedisClient & {
  sbPush(key: string, capacity: number, ttl: number, entry: string, cutoff: number): Promise<number>;
  sbGroupMembers(key: string, cutoff: number): Promise<string[]>;
  sbGroupSend(key: string, ...args: Array<string | number>): Promise<number>;
};

interface Host {
  cmd: ScriptedRedis;
  /** List readers by the slot they read: one per host, or on a Cluster one per owned part. */
  readers: Map<string, ListReader>;
  plain: PlainReceiver;
}

/**
 * A channel layer on Redis, so several server processes act as one (channels_redis'
 * design). Process-local channels (`specific.<process>!<n>`) share one Redis list per
 * process; a group send writes one entry per receiving process naming all its members
 * (one Lua call on a single host), and members in the sending process are served in
 * process without touching Redis. Group memberships live in sorted sets scored by time,
 * so they lapse after `groupExpiry`.
 *
 * On a Redis Cluster the keys carry hash tags (see `redis-keys.ts`): each process list, each
 * plain channel and each group set is a slot of its own, so one group send is one read of
 * the group's set and then one push per receiving process, each on its own slot. Behind
 * Sentinel the one connection follows the primary across failovers.
 *
 * When Redis is unreachable the layer keeps delivering between sockets of this process,
 * logs the fault once, counts the group sends that could not leave the process
 * (`stats.groupSendFailed`), reconnects with backoff, and restores this process's group
 * memberships when Redis returns.
 *
 * @example
 * const layer = new RedisChannelLayer({ hosts: ["redis://127.0.0.1:6379/0"] });
 * const onCluster = new RedisChannelLayer({ cluster: [{ host: "10.0.0.7", port: 7000 }] });
 */
export class RedisChannelLayer implements ChannelLayer, Listenable {
  readonly #local: InMemoryChannelLayer;
  readonly #hosts: Host[];
  readonly #prefix: string;
  readonly #keys: LayerKeys;
  readonly #cluster: boolean;
  readonly #nodeId = randomBytes(6).toString("hex");
  readonly #ownParts = new Set<string>();
  readonly #memberships = new Map<string, Set<string>>();
  readonly #capacityOf: (channel: string) => number;
  readonly #capacity: number;
  readonly #processCapacity: number;
  readonly #expiry: number;
  readonly #groupExpiry: number;
  readonly #logger: Logger;
  readonly #tls: ConnectionOptions | undefined;
  #redisDropped = 0;
  #groupSendFailed = 0;
  #counter = 0;
  #healthy = true;
  #closed = false;

  constructor(options: RedisLayerOptions = {}) {
    const resolved = resolveLayerOptions(options);
    const targets = redisTargets(options);
    this.#prefix = options.prefix ?? "switchboard";
    if (!/^[A-Za-z0-9._-]{1,64}$/.test(this.#prefix)) throw new TypeError("prefix must be 1–64 of A–Z a–z 0–9 . _ -");
    this.#cluster = options.cluster !== undefined;
    this.#keys = layerKeys(this.#prefix, this.#cluster);
    this.#processCapacity = options.processCapacity ?? 10_000;
    this.#expiry = resolved.expiry;
    this.#groupExpiry = resolved.groupExpiry;
    this.#capacityOf = capacityResolver(resolved.capacity, resolved.channelCapacity);
    this.#capacity = resolved.capacity;
    this.#logger = options.logger ?? silentLogger;
    this.#local = new InMemoryChannelLayer(resolved);
    this.#tls = options.tls;
    this.#hosts = targets.map((target) => this.#connect(target));
  }

  get stats(): LayerStats {
    return { groupSendDropped: this.#local.stats.groupSendDropped + this.#redisDropped, groupSendFailed: this.#groupSendFailed };
  }

  /** False while Redis is unreachable (local delivery still works). */
  get healthy(): boolean {
    return this.#healthy;
  }

  async send(channel: string, message: LayerMessage): Promise<void> {
    this.#assertOpen();
    assertChannelName(channel);
    assertMessage(message);
    const copy = frozenCopy(message);
    const part = nonLocalPart(channel);
    if (this.#ownParts.has(part)) {
      if (!this.#local[kDeliver](channel, copy, Date.now())) throw new ChannelFull(channel);
      return;
    }
    const local = part !== channel;
    const entry = this.#entry(copy, local ? JSON.stringify([channel]) : "[]");
    const capacity = local ? this.#processCapacity : this.#capacityOf(channel);
    const pushed = await this.#hostFor(part).cmd.sbPush(this.#keys.list(part), capacity, this.#ttl(), entry, this.#cutoff());
    this.#reachable();
    if (pushed === 0) throw new ChannelFull(channel);
  }

  async receive(channel: string, options: ReceiveOptions = {}): Promise<LayerMessage> {
    this.#assertOpen();
    assertChannelName(channel);
    const part = nonLocalPart(channel);
    if (part !== channel) {
      this.#own(part);
      return this.#local.receive(channel, options);
    }
    return this.#hostFor(part).plain.receive(this.#keys.list(part), options.signal);
  }

  /** @internal The consumers' fast path (see `kListen`): process-local channels are queued in process, so consumers listen to them directly. */
  [kListen](channel: string, listener: ChannelListener): ListenHandle | null {
    // Before #own: on a closed layer it would open a reader connection nothing closes.
    this.#assertOpen();
    const part = nonLocalPart(channel);
    if (part === channel) return null;
    this.#own(part);
    return this.#local[kListen](channel, listener);
  }

  async newChannel(prefix = "specific"): Promise<string> {
    this.#assertOpen();
    const name = `${prefix}.${this.#nodeId}!${(this.#counter++).toString(36)}`;
    assertChannelName(name);
    this.#own(nonLocalPart(name));
    return name;
  }

  async groupAdd(group: string, channel: string): Promise<void> {
    this.#assertOpen();
    assertGroupName(group);
    assertChannelName(channel);
    const mine = this.#ownParts.has(nonLocalPart(channel));
    if (mine) {
      await this.#local.groupAdd(group, channel);
      let members = this.#memberships.get(group);
      if (!members) this.#memberships.set(group, (members = new Set()));
      members.add(channel);
    }
    try {
      const key = this.#keys.group(group);
      await this.#groupHost(group).cmd.multi().zadd(key, Date.now(), channel).expire(key, this.#groupExpiry).exec();
      this.#reachable();
    } catch (error) {
      // Our own channel stays a member locally and is re-added when Redis returns.
      if (!mine) throw error;
      this.#fault(error);
    }
  }

  async groupDiscard(group: string, channel: string): Promise<void> {
    this.#assertOpen();
    assertGroupName(group);
    assertChannelName(channel);
    const members = this.#memberships.get(group);
    if (members?.delete(channel)) {
      if (members.size === 0) this.#memberships.delete(group);
      await this.#local.groupDiscard(group, channel);
    }
    try {
      await this.#groupHost(group).cmd.zrem(this.#keys.group(group), channel);
    } catch (error) {
      this.#fault(error);
    }
  }

  async groupSend(group: string, message: LayerMessage): Promise<void> {
    this.#assertOpen();
    assertGroupName(group);
    assertMessage(message);
    const copy = frozenCopy(message);
    // Members in this process first: no Redis round trip, and they keep working without Redis.
    await this.#local.groupSend(group, copy);
    const cutoff = Date.now() - this.#groupExpiry * 1000;
    try {
      // One script over every key needs them on one host; a Cluster spreads them over slots.
      if (this.#hosts.length === 1 && !this.#cluster) {
        const head = `{"t":${Date.now()},"m":${JSON.stringify(copy)},"c":`;
        const args = [cutoff, this.#keys.list(""), head, this.#ttl(), this.#processCapacity, this.#capacity, ...this.#ownParts];
        this.#redisDropped += await this.#hosts[0]!.cmd.sbGroupSend(this.#keys.group(group), ...args);
      } else {
        await this.#groupSendSharded(group, copy, cutoff);
      }
      this.#reachable();
    } catch (error) {
      // Members in this process have it; the others miss it live (coded in stats and logs).
      this.#groupSendFailed++;
      this.#fault(error);
    }
  }

  async flush(): Promise<void> {
    this.#assertOpen();
    await this.#local.flush();
    this.#memberships.clear();
    // SCAN walks one server: on a Cluster, each primary; keys of several slots are unlinked one by one.
    const servers = this.#hosts.flatMap(({ cmd }) => (isCluster(cmd) ? cmd.nodes("master") : [cmd]));
    await Promise.all(
      servers.map(async (server) => {
        let cursor = "0";
        do {
          const [next, keys] = await server.scan(cursor, "MATCH", `${this.#prefix}:*`, "COUNT", 500);
          cursor = next;
          if (keys.length === 0) continue;
          if (this.#cluster) await Promise.all(keys.map((key) => server.unlink(key)));
          else await server.unlink(...keys);
        } while (cursor !== "0");
      }),
    );
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#local.close();
    await Promise.all(
      this.#hosts.map(async (host) => {
        for (const reader of host.readers.values()) reader.stop();
        host.plain.close();
        try {
          await host.cmd.quit();
        } catch {
          host.cmd.disconnect();
        }
      }),
    );
  }

  /** Multi-host group send: read members on the group's host, then one push per process on its host. */
  async #groupSendSharded(group: string, copy: LayerMessage, cutoff: number): Promise<void> {
    const members = await this.#groupHost(group).cmd.sbGroupMembers(this.#keys.group(group), cutoff);
    const byPart = new Map<string, string[]>();
    for (const channel of members) {
      const part = nonLocalPart(channel);
      if (this.#ownParts.has(part)) continue;
      let list = byPart.get(part);
      if (!list) byPart.set(part, (list = []));
      if (part !== channel) list.push(channel);
    }
    const results = await Promise.all(
      [...byPart].map(async ([part, channels]) => {
        const local = channels.length > 0;
        const entry = this.#entry(copy, local ? JSON.stringify(channels) : "[]");
        const capacity = local ? this.#processCapacity : this.#capacityOf(part);
        const pushed = await this.#hostFor(part).cmd.sbPush(this.#keys.list(part), capacity, this.#ttl(), entry, this.#cutoff());
        return pushed === 0 ? Math.max(1, channels.length) : 0;
      }),
    );
    this.#redisDropped += results.reduce((a, b) => a + b, 0);
  }

  /** Makes `part` (a name up to `!`) this process's: its list is read here and fanned out locally. */
  #own(part: string): void {
    if (this.#ownParts.has(part)) return;
    this.#ownParts.add(part);
    const host = this.#hostFor(part);
    // One blocking pop covers many keys only within one slot: on a Cluster, a reader per part.
    const slot = this.#cluster ? part : "";
    let reader = host.readers.get(slot);
    if (!reader) {
      const conn = this.#extraConnection(host.cmd, { maxRetriesPerRequest: 0 });
      reader = new ListReader({
        conn,
        wakeKey: this.#keys.wake(part, this.#nodeId),
        wake: (key) => host.cmd.multi().rpush(key, "1").expire(key, 60).exec(),
        onEntry: (entry) => this.#onEntry(entry),
        onError: (error) => this.#fault(error),
        onRecover: () => this.#reachable(),
      });
      host.readers.set(slot, reader);
    }
    reader.add(this.#keys.list(part));
  }

  /** One entry from this process's list: deliver its message to each local channel it names. */
  #onEntry(raw: string): void {
    let entry: { t: number; m: LayerMessage; c: string[] };
    try {
      entry = JSON.parse(raw) as { t: number; m: LayerMessage; c: string[] };
    } catch {
      this.#logger.warn({ entry: raw.slice(0, 200) }, "unreadable layer entry skipped");
      return;
    }
    const message = freezeParsed(entry.m);
    for (const channel of entry.c) {
      if (!this.#local[kDeliver](channel, message, entry.t)) this.#redisDropped++;
    }
  }

  #connect(target: RedisTarget): Host {
    const options: RedisClientOptions = {
      maxRetriesPerRequest: 1,
      // Capped at 2 s: after a failover the new primary is found within one more try.
      retryStrategy: (times) => Math.min(100 * 2 ** times, 2000),
      enableOfflineQueue: true,
      connectionName: `switchboard:${this.#nodeId}`,
    };
    const cmd = connectRedis("url" in target ? { ...target, tls: this.#tls } : target, options) as ScriptedRedis;
    cmd.defineCommand("sbPush", { numberOfKeys: 1, lua: PUSH });
    cmd.defineCommand("sbGroupMembers", { numberOfKeys: 1, lua: GROUP_MEMBERS });
    cmd.defineCommand("sbGroupSend", { numberOfKeys: 1, lua: GROUP_SEND });
    cmd.on("error", (error: unknown) => this.#fault(error));
    cmd.on("node error", (error: unknown) => this.#fault(error));
    cmd.on("ready", () => {
      // Queue commands only until the first connection; afterwards fail fast while Redis is away.
      cmd.options.enableOfflineQueue = false;
      this.#reachable();
    });
    return { cmd, readers: new Map(), plain: new PlainReceiver(() => this.#extraConnection(cmd), this.#expiry) };
  }

  /** Another connection to the same host (blocking pops need their own; none may wait forever). */
  #extraConnection(cmd: RedisClient, options: RedisClientOptions = {}): RedisClient {
    const conn = duplicateRedis(cmd, { enableOfflineQueue: true, blockingTimeout: 5000, blockingTimeoutGrace: 3000, ...options });
    conn.on("error", (error: unknown) => this.#fault(error));
    conn.on("node error", (error: unknown) => this.#fault(error));
    return conn;
  }

  /**
   * A Redis command succeeded. After a fault that means Redis is back: a reconnect says so
   * with `ready`, but a Cluster that fails over keeps its status, so any answer counts.
   */
  #reachable(): void {
    if (!this.#healthy && !this.#closed) void this.#recover();
  }

  /** Redis answered again: re-add this process's memberships (a failover may have lost them). */
  async #recover(): Promise<void> {
    this.#healthy = true;
    this.#logger.info({}, "channel layer: Redis reachable again; restoring group memberships");
    for (const [group, channels] of this.#memberships) {
      for (const channel of channels) {
        await this.#groupHost(group).cmd.zadd(this.#keys.group(group), Date.now(), channel).catch((e: unknown) => this.#fault(e));
      }
    }
  }

  /** Logs the first failure of an outage once, not once per message. */
  #fault(error: unknown): void {
    if (this.#closed || !this.#healthy) return;
    this.#healthy = false;
    this.#logger.error({ err: error }, "channel layer: Redis unreachable; serving this process's sockets only, reconnecting");
  }

  #entry(copy: LayerMessage, channelsJson: string): string {
    return `{"t":${Date.now()},"m":${JSON.stringify(copy)},"c":${channelsJson}}`;
  }

  #hostFor(part: string): Host {
    return this.#hosts[this.#hosts.length === 1 ? 0 : hashName(part) % this.#hosts.length]!;
  }

  #groupHost(group: string): Host {
    return this.#hostFor(group);
  }

  /** Entries sent before this (ms) have expired. */
  #cutoff(): number {
    return Date.now() - this.#expiry * 1000;
  }

  /** List keys live a little longer than their newest message may. */
  #ttl(): number {
    return Math.ceil(this.#expiry) + 1;
  }

  #assertOpen(): void {
    if (this.#closed) throw new SwitchboardError("SB_ERR_LAYER_CLOSED");
  }
}
