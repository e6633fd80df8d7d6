import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ChannelFull, type ChannelLayer, type LayerOptions } from "../../src/core/index.js";

/** A layer under test plus a way to move its time forward. */
export interface LayerHarness {
  layer: ChannelLayer;
  /** Moves time on by `ms`: a fake clock for the in-memory layer, a real sleep for Redis. */
  advance(ms: number): Promise<void>;
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
  });
}
