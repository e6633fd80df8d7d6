import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ChannelFull, Consumer, type ChannelLayer, type LayerMessage, type LayerOptions } from "../../src/core/index.js";
import { MAILBOX_HIGH_WATER } from "../../src/core/consumer.js";
import { kListen, type ChannelListener, type Listenable, type ListenHandle } from "../../src/core/layers/layer.js";

/** A layer under test plus a way to move its time forward. */
export interface LayerHarness {
  layer: ChannelLayer;
  /** Moves time on by `ms`: a fake clock for the in-memory layer, a real sleep for Redis. */
  advance(ms: number): Promise<void>;
  /**
   * Another process's handle on the same backend, so the fast-path tests also send across
   * it (Redis: a second layer on the same prefix; its messages travel through Redis and the
   * receiving layer's reader). In-process layers leave it out and the layer sends to itself.
   */
  peer?(): ChannelLayer;
  close(): Promise<void>;
}

/** Builds a fresh layer with `options` for one test. */
export type LayerFactory = (options: LayerOptions) => Promise<LayerHarness>;

/**
 * The channel layer contract (src/core/layers/layer.ts), one test per rule. Every layer
 * implementation runs it: `describeChannelLayer("InMemoryChannelLayer", factory)`.
 * Time-based rules use 1 s expiries so a real clock keeps them fast.
 */
export function describeChannelLayer(name: string, factory: LayerFactory): void {
  describe(`${name} conformance`, () => {
    let harness: LayerHarness | null = null;
    const make = async (options: LayerOptions = {}): Promise<ChannelLayer> => {
      await harness?.close();
      harness = await factory(options);
      return harness.layer;
    };
    const advance = (ms: number): Promise<void> => harness!.advance(ms);
    let layer: ChannelLayer;
    beforeEach(async () => {
      layer = await make();
    });
    afterEach(async () => {
      await harness?.close();
      harness = null;
    });
    const soon = (): { signal: AbortSignal } => ({ signal: AbortSignal.timeout(2000) });
    const nothing = async (channel: string): Promise<boolean> => {
      try {
        await layer.receive(channel, { signal: AbortSignal.timeout(150) });
        return false;
      } catch {
        return true;
      }
    };

    it("sends and receives a message on a named channel", async () => {
      await layer.send("test-channel-1", { type: "test.message", text: "Ahoy-hoy!" });
      expect(await layer.receive("test-channel-1", soon())).toEqual({ type: "test.message", text: "Ahoy-hoy!" });
    });

    it("keeps the order of messages on one channel", async () => {
      for (let i = 0; i < 10; i++) await layer.send("ordered", { type: "n", i });
      for (let i = 0; i < 10; i++) expect((await layer.receive("ordered", soon())).i).toBe(i);
    });

    it("copies messages on send: later changes by the sender are not seen", async () => {
      const message = { type: "m", nested: { value: 1 } };
      await layer.send("copy", message);
      message.nested.value = 2;
      expect(await layer.receive("copy", soon())).toEqual({ type: "m", nested: { value: 1 } });
    });

    it("delivers deep-frozen messages", async () => {
      await layer.send("frozen", { type: "m", nested: { value: 1 } });
      const got = await layer.receive("frozen", soon());
      expect(Object.isFrozen(got)).toBe(true);
      expect(Object.isFrozen(got.nested)).toBe(true);
    });

    it("accepts only plain objects with a string type", async () => {
      for (const bad of [null, "x", 1, [], { text: "no type" }, { type: 5 }]) {
        await expect(layer.send("t", bad as never)).rejects.toThrow(TypeError);
      }
    });

    it("throws ChannelFull when a channel is at capacity", async () => {
      layer = await make({ capacity: 3 });
      for (let i = 0; i < 3; i++) await layer.send("cap", { type: "n", i });
      const error = await layer.send("cap", { type: "n", i: 3 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ChannelFull);
      expect((error as ChannelFull).code).toBe("SB_ERR_CHANNEL_FULL");
      await layer.receive("cap", soon());
      await layer.send("cap", { type: "n", i: 4 });
    });

    it("honours channelCapacity overrides by exact name and by glob", async () => {
      layer = await make({ capacity: 5, channelCapacity: { tiny: 1, "small-*": 2 } });
      await layer.send("tiny", { type: "x" });
      await expect(layer.send("tiny", { type: "x" })).rejects.toBeInstanceOf(ChannelFull);
      await layer.send("small-a", { type: "x" });
      await layer.send("small-a", { type: "x" });
      await expect(layer.send("small-a", { type: "x" })).rejects.toBeInstanceOf(ChannelFull);
      for (let i = 0; i < 5; i++) await layer.send("other", { type: "x" });
    });

    it("never delivers a message older than expiry, and frees its capacity", async () => {
      layer = await make({ expiry: 1, capacity: 1 });
      await layer.send("old", { type: "stale" });
      await advance(1100);
      await layer.send("old", { type: "fresh" });
      expect((await layer.receive("old", soon())).type).toBe("fresh");
      expect(await nothing("old")).toBe(true);
    });

    it("lets group memberships lapse after groupExpiry; re-adding refreshes them", async () => {
      layer = await make({ groupExpiry: 1 });
      const a = await layer.newChannel();
      const b = await layer.newChannel();
      await layer.groupAdd("lapse", a);
      await layer.groupAdd("lapse", b);
      await advance(600);
      await layer.groupAdd("lapse", b);
      await advance(600);
      await layer.groupSend("lapse", { type: "after" });
      expect((await layer.receive(b, soon())).type).toBe("after");
      expect(await nothing(a)).toBe(true);
    });

    it("sends to every member of a group and to no one else", async () => {
      const [a, b, c] = [await layer.newChannel(), await layer.newChannel(), await layer.newChannel()];
      await layer.groupAdd("g1", a);
      await layer.groupAdd("g1", b);
      await layer.groupAdd("g2", c);
      await layer.groupSend("g1", { type: "hi" });
      expect((await layer.receive(a, soon())).type).toBe("hi");
      expect((await layer.receive(b, soon())).type).toBe("hi");
      expect(await nothing(c)).toBe(true);
    });

    it("groupDiscard removes a member; discarding a non-member is a no-op", async () => {
      const [a, b] = [await layer.newChannel(), await layer.newChannel()];
      await layer.groupAdd("g", a);
      await layer.groupAdd("g", b);
      await layer.groupDiscard("g", a);
      await layer.groupDiscard("g", "never-added");
      await layer.groupSend("g", { type: "hi" });
      expect((await layer.receive(b, soon())).type).toBe("hi");
      expect(await nothing(a)).toBe(true);
    });

    it("groupSend to an empty or unknown group is a no-op", async () => {
      await layer.groupSend("nobody-here", { type: "hi" });
    });

    it("groupSend skips a full member without throwing, counts it, and still reaches the others", async () => {
      layer = await make({ capacity: 1 });
      const [full, ok] = [await layer.newChannel(), await layer.newChannel()];
      await layer.groupAdd("g", full);
      await layer.groupAdd("g", ok);
      await layer.send(full, { type: "filler" });
      const before = layer.stats.groupSendDropped;
      await layer.groupSend("g", { type: "hi" });
      expect(layer.stats.groupSendDropped).toBe(before + 1);
      expect((await layer.receive(ok, soon())).type).toBe("hi");
      expect((await layer.receive(full, soon())).type).toBe("filler");
    });

    it("rejects invalid channel names with a TypeError naming the rule", async () => {
      for (const bad of ["", "has space", "ünïcode", "a".repeat(100), "two!bangs!", "tab\t"]) {
        await expect(layer.send(bad, { type: "x" })).rejects.toThrow(/invalid channel name.*must match/);
      }
      await layer.send("a".repeat(99), { type: "x" });
      await layer.send("process.local!suffix", { type: "x" });
    });

    it("rejects invalid group names with a TypeError naming the rule", async () => {
      const ch = await layer.newChannel();
      for (const bad of ["", "bang!", "ünïcode", "g".repeat(100), "sp ace"]) {
        await expect(layer.groupAdd(bad, ch)).rejects.toThrow(/invalid group name.*must match/);
        await expect(layer.groupSend(bad, { type: "x" })).rejects.toThrow(TypeError);
      }
      await layer.groupAdd("g".repeat(99), ch);
    });

    it("newChannel returns unique names containing ! that honour the prefix", async () => {
      const names = await Promise.all(Array.from({ length: 50 }, () => layer.newChannel()));
      expect(new Set(names).size).toBe(50);
      for (const n of names) expect(n).toMatch(/^specific\..*!/);
      expect(await layer.newChannel("worker")).toMatch(/^worker\..*!/);
    });

    it("a pending receive is resolved by a message sent later", async () => {
      const ch = await layer.newChannel();
      const pending = layer.receive(ch, soon());
      await new Promise((r) => setTimeout(r, 50));
      await layer.send(ch, { type: "late" });
      expect((await pending).type).toBe("late");
    });

    it("a cancelled receive rejects and loses no message", async () => {
      const ch = await layer.newChannel();
      const controller = new AbortController();
      const pending = layer.receive(ch, { signal: controller.signal });
      controller.abort(new Error("cancelled"));
      await expect(pending).rejects.toThrow("cancelled");
      await layer.send(ch, { type: "kept" });
      expect((await layer.receive(ch, soon())).type).toBe("kept");
      await expect(layer.receive(ch, { signal: AbortSignal.abort() })).rejects.toThrow();
    });

    it("delivers each message to one receive only (at most once)", async () => {
      const ch = "shared-work";
      const first = layer.receive(ch, soon());
      const second = layer.receive(ch, soon());
      await layer.send(ch, { type: "job", n: 1 });
      await layer.send(ch, { type: "job", n: 2 });
      const got = [(await first).n, (await second).n].sort();
      expect(got).toEqual([1, 2]);
    });

    it("flush drops queued messages and groups", async () => {
      const ch = await layer.newChannel();
      await layer.groupAdd("g", ch);
      await layer.send("queued", { type: "x" });
      await layer.flush();
      await layer.groupSend("g", { type: "after-flush" });
      expect(await nothing("queued")).toBe(true);
      expect(await nothing(ch)).toBe(true);
    });

    it("close rejects pending receives", async () => {
      const pending = layer.receive(await layer.newChannel());
      await layer.close();
      await expect(pending).rejects.toThrow();
    });

    describe("consumers' fast path (kListen)", () => {
      /** Who sends: another process where the harness has one, else the layer itself. */
      const sender = (): ChannelLayer => harness!.peer?.() ?? layer;
      const listen = (channel: string, listener: ChannelListener): ListenHandle => {
        const handle = (layer as Partial<Listenable>)[kListen]?.call(layer, channel, listener) ?? null;
        if (!handle) throw new Error(`${name} offers no fast path on ${channel}`);
        return handle;
      };
      /** Everything `take()` has now, oldest first. */
      const drain = (handle: ListenHandle): LayerMessage[] => {
        const out: LayerMessage[] = [];
        for (let m = handle.take(); m !== undefined; m = handle.take()) out.push(m);
        return out;
      };
      /** Real time for messages in flight (through Redis) to arrive. */
      const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 200));
      const until = async (what: string, condition: () => boolean): Promise<void> => {
        const deadline = Date.now() + 3000;
        while (!condition()) {
          if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
          await new Promise((r) => setTimeout(r, 10));
        }
      };
      const range = (n: number, from = 0): number[] => Array.from({ length: n }, (_, i) => from + i);
      const ns = (messages: LayerMessage[]): unknown[] => messages.map((m) => m.n);

      it("hands every message, sent or group-sent, to the listener in order, deep-frozen", async () => {
        const ch = await layer.newChannel();
        await layer.groupAdd("fast", ch);
        const got: LayerMessage[] = [];
        const handle = listen(ch, (m) => got.push(m) > 0);
        const from = sender();
        for (let n = 0; n < 30; n++) {
          if (n % 3 === 0) await from.groupSend("fast", { type: "n", n });
          else await from.send(ch, { type: "n", n });
        }
        await until("30 messages arrived", () => got.length >= 30);
        await settle();
        expect(ns(got)).toEqual(range(30));
        expect(got.every((m) => Object.isFrozen(m))).toBe(true);
        expect(handle.take()).toBeUndefined();
        handle.stop();
      });

      it("a burst of sends issued without waiting reaches the listener in the order issued", async () => {
        const ch = await layer.newChannel();
        const got: LayerMessage[] = [];
        listen(ch, (m) => got.push(m) > 0);
        const from = sender();
        await Promise.all(range(300).map((n) => from.send(ch, { type: "n", n })));
        await until("300 messages arrived", () => got.length >= 300);
        expect(ns(got)).toEqual(range(300));
      });

      it("a message the listener takes does not count against capacity; a local send reaches it before send resolves", async () => {
        layer = await make({ capacity: 2 });
        const ch = await layer.newChannel();
        const got: LayerMessage[] = [];
        listen(ch, (m) => got.push(m) > 0);
        for (let n = 0; n < 10; n++) {
          await layer.send(ch, { type: "n", n });
          expect(ns(got)).toEqual(range(n + 1));
        }
      });

      it("a refused message is queued, and nothing is offered while anything is queued", async () => {
        const ch = await layer.newChannel();
        const offered: LayerMessage[] = [];
        let accept = false;
        const handle = listen(ch, (m) => {
          offered.push(m);
          return accept;
        });
        const from = sender();
        await from.send(ch, { type: "n", n: 0 });
        await until("0 was offered", () => offered.length === 1);
        accept = true; // the listener would take more now, but 0 is still queued
        for (let n = 1; n < 5; n++) await from.send(ch, { type: "n", n });
        await settle();
        expect(ns(offered)).toEqual([0]);
        const taken = drain(handle);
        expect(taken[0]?.n).toBe(0);
        // Queue drained: the listener is offered messages again.
        await from.send(ch, { type: "n", n: 5 });
        await until("5 was offered", () => offered.at(-1)?.n === 5);
        expect([...ns(taken), ...ns(offered.slice(1))]).toEqual(range(6));
      });

      it("a paused listener loses nothing: all that queued while it refused is taken in order, then the fast path resumes", async () => {
        const ch = await layer.newChannel();
        await layer.groupAdd("paused", ch);
        let paused = true;
        const got: LayerMessage[] = [];
        const handle = listen(ch, (m) => (paused ? false : got.push(m) > 0));
        const from = sender();
        for (let n = 0; n < 40; n++) {
          if (n % 4 === 0) await from.groupSend("paused", { type: "n", n });
          else await from.send(ch, { type: "n", n });
        }
        const taken: LayerMessage[] = [];
        await until("40 messages taken", () => taken.push(...drain(handle)) >= 40);
        await settle();
        expect(drain(handle)).toEqual([]);
        expect(ns(taken)).toEqual(range(40));
        expect(got).toEqual([]);
        paused = false;
        await from.send(ch, { type: "n", n: 40 });
        await until("40 reached the listener", () => got.length === 1);
        expect(ns(got)).toEqual([40]);
      });

      it("a paused listener's channel holds at most capacity messages: a local send beyond it throws ChannelFull", async () => {
        layer = await make({ capacity: 3 });
        const ch = await layer.newChannel();
        const handle = listen(ch, () => false);
        for (let n = 0; n < 3; n++) await layer.send(ch, { type: "n", n });
        await expect(layer.send(ch, { type: "n", n: 3 })).rejects.toBeInstanceOf(ChannelFull);
        expect(ns(drain(handle))).toEqual([0, 1, 2]);
        await layer.send(ch, { type: "n", n: 4 });
        expect(ns(drain(handle))).toEqual([4]);
      });

      it("group sends skip a paused listener's full channel and count the drop where the channel lives", async () => {
        layer = await make({ capacity: 3 });
        const ch = await layer.newChannel();
        await layer.groupAdd("full", ch);
        const handle = listen(ch, () => false);
        const before = layer.stats.groupSendDropped;
        for (let n = 0; n < 5; n++) await sender().groupSend("full", { type: "n", n });
        await until("two drops were counted", () => layer.stats.groupSendDropped === before + 2);
        expect(ns(drain(handle))).toEqual([0, 1, 2]);
        await settle();
        expect(handle.take()).toBeUndefined();
        expect(layer.stats.groupSendDropped).toBe(before + 2);
      });

      it("a message that expires while queued is never taken, and frees its capacity", async () => {
        layer = await make({ expiry: 1, capacity: 1 });
        const ch = await layer.newChannel();
        const handle = listen(ch, () => false);
        await layer.send(ch, { type: "stale" });
        await advance(1100);
        await layer.send(ch, { type: "fresh" }); // ChannelFull if the stale one still counted
        expect(drain(handle).map((m) => m.type)).toEqual(["fresh"]);
        await layer.send(ch, { type: "stale" });
        await advance(1100);
        expect(drain(handle)).toEqual([]);
      });

      it("a message older than expiry by the time a listener attaches is never delivered", async () => {
        layer = await make({ expiry: 1 });
        // A process-local name nobody listens to yet: on Redis the message waits in Redis.
        const ch = "late.listener!a";
        await sender().send(ch, { type: "stale" });
        await advance(1100);
        const got: LayerMessage[] = [];
        const handle = listen(ch, (m) => got.push(m) > 0);
        expect(drain(handle)).toEqual([]);
        await sender().send(ch, { type: "fresh" });
        await until("fresh arrived", () => got.length > 0);
        await settle();
        expect(got.map((m) => m.type)).toEqual(["fresh"]);
        expect(handle.take()).toBeUndefined();
      });

      it("stop detaches the listener; what it did not take stays on the channel for receive, once", async () => {
        const ch = await layer.newChannel();
        const offered: LayerMessage[] = [];
        const handle = listen(ch, (m) => offered.push(m) > 1); // refuses the first, would take the rest
        await layer.send(ch, { type: "n", n: 0 });
        handle.stop();
        await sender().send(ch, { type: "n", n: 1 });
        expect((await layer.receive(ch, soon())).n).toBe(0);
        expect((await layer.receive(ch, soon())).n).toBe(1);
        await sender().send(ch, { type: "n", n: 2 }); // nothing queued: would go to a listener still attached
        expect((await layer.receive(ch, soon())).n).toBe(2);
        expect(await nothing(ch)).toBe(true);
        expect(ns(offered)).toEqual([0]);
        expect(handle.take()).toBeUndefined();
      });

      it("a consumer paused by a full mailbox loses nothing and keeps the order", async () => {
        layer = await make({ capacity: 40 });
        const ch = await layer.newChannel();
        const consumer = new GatedConsumer(layer, ch);
        // One message in the handler, a full mailbox, and 30 the layer holds for the consumer.
        const total = 1 + MAILBOX_HIGH_WATER + 30;
        const from = sender();
        for (let n = 0; n < total; n++) await from.send(ch, { type: "item", n });
        await settle();
        expect(consumer.seen).toEqual([]);
        consumer.open();
        await until(`the consumer handled ${total}`, () => consumer.seen.length >= total);
        await settle();
        expect(consumer.seen).toEqual(range(total));
        consumer.stop();
      });

      it("a paused consumer's channel holds capacity messages: the rest are refused, what was accepted arrives in order", async () => {
        layer = await make({ capacity: 5 });
        const ch = await layer.newChannel();
        const consumer = new GatedConsumer(layer, ch);
        let accepted = 0;
        for (;;) {
          const full = await layer.send(ch, { type: "item", n: accepted }).then(() => false, (e: unknown) => e instanceof ChannelFull);
          if (full || accepted > 1000) break;
          accepted++;
        }
        // One message in the handler, a full mailbox, and `capacity` held by the layer.
        expect(accepted).toBe(1 + MAILBOX_HIGH_WATER + 5);
        consumer.open();
        await until(`the consumer handled ${accepted}`, () => consumer.seen.length >= accepted);
        await settle();
        expect(consumer.seen).toEqual(range(accepted));
        await layer.send(ch, { type: "item", n: accepted });
        await until("the consumer took one more", () => consumer.seen.length > accepted);
        expect(consumer.seen.at(-1)).toBe(accepted);
        consumer.stop();
      });
    });
  });
}

/** A consumer whose `item` handler waits for {@link open}, so its mailbox fills and it pauses. */
class GatedConsumer extends Consumer {
  readonly seen: number[] = [];
  readonly #gate: Promise<void>;
  #open: () => void = () => undefined;

  constructor(layer: ChannelLayer, channel: string) {
    super();
    this.#gate = new Promise((resolve) => (this.#open = resolve));
    this.channelLayer = layer;
    this.channelName = channel;
    this.startPump();
  }

  async item(message: LayerMessage): Promise<void> {
    await this.#gate;
    this.seen.push(message.n as number);
  }

  open(): void {
    this.#open();
  }

  stop(): void {
    this.stopPump();
  }
}
